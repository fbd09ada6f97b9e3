"""Loading the official holidays and make-up days: the shared calendar of every platform,
so only a site administrator may see this page or change it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..forms.calendar import CalendarDaysForm
from ..models import CalendarDay
from ..models.calendar import CalendarYear
from ..schedule.official_calendar import calendar_load_days, complete_year, parse_calendar_lines
from ..trust import access


@require_http_methods(["GET", "POST"])
def calendar_days(request):
    access.require_site_admin(request.user)
    form = CalendarDaysForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            days = parse_calendar_lines(form.cleaned_data["days"])
            complete = [complete_year(days, form.cleaned_data["year"])] if form.cleaned_data["complete"] else []
            changed = calendar_load_days(days=days, complete_years=complete, user=request.user, now=timezone.now())
            messages.success(request, _("已载入 %(n)d 天;重新计算了 %(m)d 个临时截止时间。") % {"n": len(days), "m": changed})
            return redirect("calendar-days")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "days", exc.message)
    return render(request, "obligations/calendar_days.html",
                  {"form": form, "days": CalendarDay.objects.all(), "years": CalendarYear.objects.all()})
