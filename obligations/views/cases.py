import csv
import io
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..cases.assignment import case_assign, may_assign
from ..cases.lookup import cases_matching
from ..cases.services import DEFAULT_REGISTERED_CHANNEL, case_close, case_open, case_timeline, may_close
from ..errors import DomainError
from ..forms.cases import CaseAssignForm, CaseBoardFilter, CaseCloseForm, CaseForm
from ..forms.work import CompletionForm
from ..models import Case, Occurrence, Platform, Role
from ..oversight import exports
from ..oversight.dashboard import late_clocks
from ..oversight.task_lines import stamp
from ..schedule.local_time import safe_iso
from ..trust import access
from ..trust.membership import member_names, person_name

WRITERS = (Role.OFFICER, Role.STAFF)
S = Occurrence.State
# The clocks the board shows: still to do (open, missed), and those done after their
# deadline, which stay in red as a breached deadline. A clock done in time drops off.
BOARD_CLOCK_STATES = (S.OPEN, S.MISSED, S.DONE_LATE)


def _board_rows(request, now, g):
    """The board's cases, filtered by `g` (CaseBoardFilter's cleaned data)."""
    platforms = access.roles_of(request.user).keys()
    # The nearest still-to-do deadline, missed ones included (they come first: their
    # deadline has passed). A correlated subquery: per case an index lookup, no join to misestimate.
    next_clock = (Occurrence.objects.filter(case=OuterRef("pk"), state__in=Occurrence.TODO_STATES)
                  .order_by("due_at", "id").values("due_at")[:1])
    cases = (Case.objects.filter(platform_id__in=platforms)
             .annotate(next_due=Subquery(next_clock))
             .select_related("platform", "assignee"))
    if g.get("platform"):
        cases = cases.filter(platform__slug=g["platform"])
    if g.get("kind"):
        cases = cases.filter(kind=g["kind"])
    if g.get("code"):
        cases = cases_matching(cases, g["code"])
    # A case looked up by its code is found in any state unless a state is asked for: the
    # complainant on the phone may ask about one already closed.
    state = g.get("state") or ("all" if g.get("code") else Case.State.OPEN)
    cases = cases.filter(state=state) if state != "all" else cases
    if g.get("severity"):
        cases = cases.filter(severity=g["severity"])
    if g.get("assignee"):
        cases = cases.filter(assignee__username=g["assignee"])
    if g.get("unassigned"):
        cases = cases.filter(assignee__isnull=True)
    if g.get("breached"):
        cases = cases.filter(Exists(late_clocks(now)))
    return cases.order_by(F("next_due").asc(nulls_last=True), "received_at", "pk")


class BoardClock:
    """One clock as the board shows it: its step, deadline, and whether it is breached (red)."""

    def __init__(self, clock, now, tz):
        self.clock, self.step, self.label, self.state = clock, clock.step, clock.step_label, clock.state
        self.due = stamp(clock.due_at, tz, now)
        self.late = clock.state in Occurrence.TODO_STATES and clock.due_at < now
        self.breached = self.late or clock.state == S.DONE_LATE
        if clock.state == S.DONE_LATE:
            self.status = _("逾期完成 %(at)s") % {"at": stamp(clock.completed_at, tz, now)}
        elif clock.state == S.MISSED:
            self.status = _("未完成 · 已超时 %(t)s") % {"t": timesince(clock.due_at, now)}
        elif self.late:
            self.status = _("已超时 %(t)s") % {"t": timesince(clock.due_at, now)}
        else:
            self.status = _("剩余 %(t)s") % {"t": timeuntil(clock.due_at, now)}


def _clocks_by_case(cases, now):
    clocks = (Occurrence.objects.filter(case__in=[c.pk for c in cases], state__in=BOARD_CLOCK_STATES)
              .select_related("obligation").order_by("due_at", "id"))
    tz = {c.pk: c.platform.tz for c in cases}
    by_case = {}
    for clock in clocks:
        by_case.setdefault(clock.case_id, []).append(BoardClock(clock, now, tz[clock.case_id]))
    return by_case


CSV_COLUMNS = ["platform", "number", "public_ref", "kind", "severity", "state", "channel", "received_at", "next_due",
               "assignee", "next_step", "overdue", "breached_steps"]
CSV_HEADERS = [gettext_lazy("平台"), gettext_lazy("编号"), gettext_lazy("查询码"), gettext_lazy("类型"), gettext_lazy("严重程度"),
               gettext_lazy("状态"), gettext_lazy("来源渠道"), gettext_lazy("受理时间"), gettext_lazy("最近时限"),
               gettext_lazy("负责人"), gettext_lazy("下一步"), gettext_lazy("已逾期"), gettext_lazy("超时步骤")]


def _csv(cases, by_case, now, *, codes=False):
    """One row per case. next_due is the nearest still-to-do deadline, a missed one
    included; overdue says it has passed; breached_steps names every step missed, late
    or done late (step:state). For people (format=csv) headers and values are named in
    the user's language; `codes` (format=csv-codes, for scripts) keeps the codes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS if codes else [str(h) for h in CSV_HEADERS])
    clock_states = dict(Occurrence.State.choices)
    full_names = {}  # platform id -> {user id: full name}: people read a handler by name (codes: username)
    for c in cases:
        tz = c.platform.tz
        clocks = by_case.get(c.pk, [])
        todo = [k for k in clocks if k.state in Occurrence.TODO_STATES]
        overdue = bool(c.next_due and c.next_due < now)
        if codes:
            named = [c.kind, c.severity, c.state, c.channel]
            next_step = todo[0].step if todo else ""
            breached = ";".join(f"{k.step}:{'late' if k.state == S.OPEN else k.state}" for k in clocks if k.breached)
            overdue_text = "true" if overdue else "false"
            handler = c.assignee.get_username() if c.assignee else ""
        else:
            named = [c.get_kind_display(), c.get_severity_display(), c.get_state_display(), c.get_channel_display()]
            next_step = str(todo[0].label) if todo else ""
            breached = ";".join(f"{k.label}:{_('已超时') if k.state == S.OPEN else clock_states[k.state]}"
                                for k in clocks if k.breached)
            overdue_text = _("是") if overdue else _("否")
            if c.assignee is None:
                handler = _("待分配") if c.state == Case.State.OPEN else ""
            else:
                if c.platform_id not in full_names:
                    full_names[c.platform_id] = member_names(c.platform_id)
                handler = full_names[c.platform_id].get(c.assignee_id) or c.assignee.get_username()
        writer.writerow([c.platform.slug, c.number, c.public_ref, *named,
                         safe_iso(c.received_at, tz), safe_iso(c.next_due, tz) if c.next_due else "",
                         handler, next_step, overdue_text, breached])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


@require_GET
def case_board(request):
    now = timezone.now()
    query = CaseBoardFilter(request.GET)
    cases = list(_board_rows(request, now, query.cleaned_data)) if query.is_valid() else []
    by_case = _clocks_by_case(cases, now)
    if request.GET.get("format") in exports.CSV_FORMATS:  # csv: for people, csv-codes: for scripts
        return _csv(cases, by_case, now, codes=request.GET["format"] == "csv-codes")
    writable = [p for p, r in access.roles_of(request.user).items() if r in WRITERS]
    rows = []
    for c in cases:
        clocks = by_case.get(c.pk, [])
        rows.append((c, clocks, any(k.late for k in clocks), stamp(c.received_at, c.platform.tz, now)))
    return render(request, "obligations/case_board.html", {
        "rows": rows, "now": now, "count": len(rows),
        "kinds": Case.Kind.choices, "severities": Case.Severity.choices, "filters": request.GET,
        "filter_errors": [e for errors in query.errors.values() for e in errors],
        "new_platforms": Platform.objects.filter(pk__in=writable),
    })


def _case_for(request, pk):
    case = get_object_or_404(Case.objects.select_related("platform", "assignee"), pk=pk)
    return case, access.role_on(request.user, case.platform_id)


def case_page_parts(user, case) -> dict:
    """What the case page shows around its clocks, and an htmx completion on it refreshes:
    the close form's waivers (the clocks still open), the timeline; `clock_list` for the page."""
    clocks = list(case.clocks.select_related("obligation", "clause", "completed_by", "platform").order_by("due_at"))
    return {
        "case": case, "clock_list": clocks,
        "open_clocks": [c for c in clocks if c.state == Occurrence.State.OPEN],
        "timeline": case_timeline(case, clocks),
        "can_close": case.state == Case.State.OPEN and may_close(case, user),
        "can_assign": may_assign(case, user),
    }


@require_GET
def case_detail(request, pk):
    case, role = _case_for(request, pk)
    parts = case_page_parts(request.user, case)
    completable = access.completable(request.user, parts["clock_list"])
    return render(request, "obligations/case_detail.html", {
        **parts, "clocks": [(c, c.pk in completable) for c in parts["clock_list"]],
        "now": timezone.now(),
        "form": CompletionForm(), "close_form": CaseCloseForm(),
        "assign_form": CaseAssignForm(platform=case.platform, initial={"assignee": case.assignee_id})
        if parts["can_assign"] else None,
    })


@require_http_methods(["GET", "POST"])
def case_new(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, *WRITERS)
    initial = {"submission": uuid.uuid4().hex, "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
               "channel": DEFAULT_REGISTERED_CHANNEL}
    form = CaseForm(request.POST or None, platform=platform, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case, created = case_open(
                platform=platform, kind=d["kind"], description=d["description"], received_at=d["received_at"],
                now=timezone.now(), user=request.user, channel=d["channel"], reporter_name=d["reporter_name"],
                reporter_contact=d["reporter_contact"], severity=d["severity"], assignee=d["assignee"],
                submission_key=f"staff:{d['submission']}")
            if created:
                messages.success(request, _("已受理,编号 %(number)s,查询码 %(ref)s。") % {"number": case.number,
                                                                                   "ref": case.public_ref})
            else:
                messages.info(request, _("该表单已提交过,编号 %(number)s。") % {"number": case.number})
            return redirect("case-detail", pk=case.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "obligations/case_new.html", {"form": form, "platform": platform})


@require_POST
def case_assign_view(request, pk):
    case, role = _case_for(request, pk)
    if role != Role.OFFICER:
        raise PermissionDenied
    form = CaseAssignForm(request.POST, platform=case.platform)
    if not form.is_valid():
        messages.error(request, form.errors["assignee"][0])
        return redirect("case-detail", pk=case.pk)
    try:
        before = case.assignee_id
        case = case_assign(case=case, assignee=form.cleaned_data["assignee"], user=request.user, now=timezone.now())
        if case.assignee_id != before:
            messages.success(request, _("负责人已改为 %(name)s,已通知本人。") % {"name": person_name(case.platform_id, case.assignee)})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)


@require_POST
def case_close_view(request, pk):
    case, _role = _case_for(request, pk)
    if not may_close(case, request.user):
        raise PermissionDenied
    form = CaseCloseForm(request.POST)
    waivers = {int(k.removeprefix("waive-")): v for k, v in request.POST.items()
               if k.startswith("waive-") and k.removeprefix("waive-").isdigit()}
    if not form.is_valid():
        messages.error(request, form.errors["note"][0])
        return redirect("case-detail", pk=case.pk)
    try:
        case_close(case=case, user=request.user, note=form.cleaned_data["note"], waivers=waivers, now=timezone.now())
        messages.success(request, _("案件已办结。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("case-detail", pk=case.pk)
