import io

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..cases.response_time import monthly_response_times
from ..models import Platform
from ..oversight import dashboard, exports
from ..oversight.drilldown import OccurrenceFilter
from ..trust import access
from . import people

READERS = access.OVERSIGHT_ROLES


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
    access.require_page(request.user, platform.pk, "dashboard")
    now = timezone.now()
    page = dashboard.dashboard_page(platform, now=now)
    responses = [{"month": f"{m.month:%Y-%m}", "count": m.count, "breached": m.breached,
                  "average": f"{m.average:.1f}", "p90": f"{m.p90:.1f}",
                  "limit": "—" if m.limit is None else m.limit}
                 for m in monthly_response_times(platform, now=now) if m.count]
    return render(request, "obligations/dashboard.html", {
        "platform": platform, "page": page, "response_times": responses,
    })


@require_GET
def occurrence_list(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "occurrence-list")
    form = OccurrenceFilter(request.GET or None, platform=platform)
    rows = form.queryset(now=timezone.now())
    if request.GET.get("format") in exports.CSV_FORMATS:  # csv: for people, csv-codes: for scripts
        out = io.StringIO()
        exports.write_csv(exports.occurrence_rows(rows), out, codes=request.GET["format"] == "csv-codes")
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{platform.slug}-occurrences.csv"'
        return response
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "obligations/occurrence_list.html", {
        "platform": platform, "form": form, "page": page, "query": query.urlencode(), "now": timezone.now(),
    })
