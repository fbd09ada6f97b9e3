import io
from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..cases.response_time import monthly_response_times
from ..models import Platform, Role
from ..oversight import dashboard, exports
from ..oversight.drilldown import OccurrenceFilter
from ..trust import access
from . import people

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR)


@require_GET
def home(request):
    """The overview for a user of several platforms who oversees one of them (and for a
    site administrator of none); else the dashboard of the platform the user oversees;
    staff go to their tasks."""
    roles = access.roles_of(request.user)
    if ((len(roles) > 1 and any(r in READERS for r in roles.values()))
            or (not roles and access.is_site_admin(request.user))):
        return people.overview(request)
    overseen = Platform.objects.filter(pk__in=[p for p, r in roles.items() if r in READERS]).order_by("name")
    platform = overseen.first()
    if platform is None:
        return redirect("my-tasks")
    return platform_dashboard(request, platform.slug)


@require_GET
def platform_dashboard(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, *READERS)
    now, tz = timezone.now(), platform.tz
    rows, month, quarter = dashboard.clause_figures(platform, now=now, tz=tz)
    late = dashboard.overdue(platform, now=now)
    late_list = list(late[:20])
    windows = [(_("本月"), "m", month), (_("本季度"), "q", quarter)]
    return render(request, "obligations/dashboard.html", {
        "platform": platform, "rows": rows, "now": now, "week_ahead": now + timedelta(days=7),
        "windows": [{"title": t, "key": k, "first": p.start_date,
                     "last": p.end.astimezone(tz).date() - timedelta(days=1)} for t, k, p in windows],
        "overdue": late_list, "overdue_count": late.count() if len(late_list) == 20 else len(late_list),
        "due_soon": list(dashboard.due_soon(platform, now=now)[:50]),
        "heatmap": dashboard.heatmap(platform, now=now, tz=tz),
        "trend": dashboard.trend(platform, now=now, tz=tz),
        "response_times": monthly_response_times(platform, now=now),
    })


@require_GET
def occurrence_list(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, *READERS)
    form = OccurrenceFilter(request.GET or None, platform=platform)
    rows = form.queryset(now=timezone.now())
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        exports.write_csv(exports.occurrence_rows(rows), out)
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{platform.slug}-occurrences.csv"'
        return response
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "obligations/occurrence_list.html", {
        "platform": platform, "form": form, "page": page, "query": query.urlencode(), "now": timezone.now(),
    })
