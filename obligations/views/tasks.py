from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..models import Platform, Role
from ..schedule.local_time import shared_zone
from ..trust import access
from ..work.my_tasks import SECTION_KEYS, Scope, section_rows
from ..work.my_tasks import my_tasks as tasks_of

PREVIEW_ROWS = 30  # rows per section on the overview,
PREVIEW_PER_OBLIGATION = 6  # of which at most so many of one obligation (two days of three checks)
PAGE_ROWS = 50  # rows per page of one section


def _titles():
    return {"today": _("今日"), "overdue": _("已逾期"), "tomorrow": _("明天"), "week": _("本周其余"),
            "month": _("本月其余"), "quarter": _("本季度其余")}


def _scope_and_section(user, query) -> tuple[str, str | None]:
    """Whose tasks (the whole platform for an officer who asks) and the one section asked for."""
    is_officer = Role.OFFICER in access.roles_of(user).values()
    scope = Scope.ALL if is_officer and query.get("scope") == Scope.ALL else Scope.MINE
    only = query.get("section")
    return scope, only if only in SECTION_KEYS else None


@require_GET
def my_tasks(request):
    now = timezone.now()
    roles = access.roles_of(request.user)
    scope, only = _scope_and_section(request.user, request.GET)
    page = None
    if only:  # one section, a page at a time
        sections = tasks_of(request.user, now=now, titles=_titles(), scope=scope, only=only, limit=0)
        rows = section_rows(request.user, only, now=now, scope=scope)
        page = Paginator(rows, PAGE_ROWS).get_page(request.GET.get("page"))
        sections[0].occurrences = list(page)
    else:
        sections = tasks_of(request.user, now=now, titles=_titles(), scope=scope, limit=PREVIEW_ROWS,
                            per_obligation=PREVIEW_PER_OBLIGATION)
    # Rows show their platform's local time: named once when the user's platforms share a zone, else on each row.
    page_tz = shared_zone(p.tz for p in Platform.objects.filter(pk__in=roles.keys()))
    return render(request, "obligations/tasks.html", {
        "sections": sections, "now": now, "roles": roles, "is_officer": Role.OFFICER in roles.values(),
        "scope": scope, "only": only, "page": page,
        "page_tz": page_tz, "row_zones": page_tz is None,
    })


def counters_after_check_off(request) -> str:
    """The counters of the My tasks page the check-off came from (htmx names it), as they stand
    now, to be swapped out of band beside the row; nothing when it came from another page."""
    url = request.htmx.current_url_abs_path if request.htmx else None
    if not url or urlsplit(url).path != reverse("my-tasks"):
        return ""
    scope, only = _scope_and_section(request.user, QueryDict(urlsplit(url).query))
    sections = tasks_of(request.user, now=timezone.now(), titles=_titles(), scope=scope, only=only, limit=0)
    return render_to_string("obligations/partials/task_counters.html", {"sections": sections, "only": only,
                                                                        "oob": True}, request=request)
