"""Loading the official holidays and make-up days of a year chinese-calendar does not know."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..forms.calendar import CalendarDaysForm
from ..models import CalendarDay, Role
from ..schedule.official_calendar import calendar_load_days, parse_calendar_lines
from ..trust import access


@require_http_methods(["GET", "POST"])
def calendar_days(request):
    if not (request.user.is_staff or Role.OFFICER in access.roles_of(request.user).values()):
        raise PermissionDenied
    form = CalendarDaysForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            days = parse_calendar_lines(form.cleaned_data["days"])
            changed = calendar_load_days(days=days, user=request.user, now=timezone.now())
            messages.success(request, _("已载入 %(n)d 天;重新计算了 %(m)d 个临时截止时间。") % {"n": len(days), "m": changed})
            return redirect("calendar-days")
        except DomainError as exc:
            form.add_error("days", exc.message)
    return render(request, "obligations/calendar_days.html", {"form": form, "days": CalendarDay.objects.all()})
