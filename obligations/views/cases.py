import csv
import io
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Min, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..cases.services import case_close, case_open, may_close
from ..errors import DomainError
from ..forms.cases import CaseCloseForm, CaseForm
from ..forms.work import CompletionForm
from ..models import Case, CaseEvent, Occurrence, Platform, Role
from ..trust import access

WRITERS = (Role.OFFICER, Role.STAFF)


def _board_rows(request):
    platforms = access.roles_of(request.user).keys()
    cases = (Case.objects.filter(platform_id__in=platforms)
             .annotate(next_due=Min("clocks__due_at", filter=Q(clocks__state=Occurrence.State.OPEN)))
             .select_related("platform", "assignee"))
    g = request.GET
    if g.get("kind"):
        cases = cases.filter(kind=g["kind"])
    cases = cases.filter(state=g.get("state", Case.State.OPEN)) if g.get("state") != "all" else cases
    if g.get("severity"):
        cases = cases.filter(severity=g["severity"])
    if g.get("assignee"):
        cases = cases.filter(assignee__username=g["assignee"])
    return cases.order_by(F("next_due").asc(nulls_last=True), "received_at")


@require_GET
def case_board(request):
    cases = list(_board_rows(request))
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["platform", "number", "kind", "severity", "state", "channel", "received_at", "next_due",
                         "assignee"])
        for c in cases:
            tz = c.platform.tz
            writer.writerow([c.platform.slug, c.number, c.kind, c.severity, c.state, c.channel,
                             c.received_at.astimezone(tz).isoformat(),
                             c.next_due.astimezone(tz).isoformat() if c.next_due else "",
                             c.assignee.get_username() if c.assignee else ""])
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cases.csv"'
        return response
    clocks = (Occurrence.objects.filter(case__in=cases, state=Occurrence.State.OPEN)
              .select_related("obligation").order_by("due_at"))
    by_case = {}
    for clock in clocks:
        by_case.setdefault(clock.case_id, []).append(clock)
    writable = [p for p, r in access.roles_of(request.user).items() if r in WRITERS]
    return render(request, "obligations/case_board.html", {
        "rows": [(c, by_case.get(c.pk, [])) for c in cases], "now": timezone.now(),
        "kinds": Case.Kind.choices, "severities": Case.Severity.choices, "filters": request.GET,
        "new_platforms": Platform.objects.filter(pk__in=writable),
    })


def _case_for(request, pk):
    case = get_object_or_404(Case.objects.select_related("platform", "assignee"), pk=pk)
    return case, access.role_on(request.user, case.platform_id)


@require_GET
def case_detail(request, pk):
    case, role = _case_for(request, pk)
    clocks = list(case.clocks.select_related("obligation", "clause", "completed_by", "platform").order_by("due_at"))
    completions = [(c.completed_at, _("完成%(step)s") % {"step": c.step_label}, c.completed_by, "")
                   for c in clocks if c.is_completed]
    labels = {"opened": _("受理"), "closed": _("办结")}
    events = [(e.at, labels.get(e.action, e.action), e.actor, e.note)
              for e in CaseEvent.objects.filter(case=case).select_related("actor")]
    return render(request, "obligations/case_detail.html", {
        "case": case, "clocks": [(c, access.can_complete(request.user, c)) for c in clocks],
        "timeline": sorted(events + completions, key=lambda t: t[0]), "now": timezone.now(),
        "form": CompletionForm(), "close_form": CaseCloseForm(),
        "can_close": case.state == Case.State.OPEN and may_close(case, request.user),
    })


@require_http_methods(["GET", "POST"])
def case_new(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_role(request.user, platform.pk, *WRITERS)
    initial = {"submission": uuid.uuid4().hex, "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
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
                messages.success(request, _("已受理,编号 %(number)s。") % {"number": case.number})
            else:
                messages.info(request, _("该表单已提交过,编号 %(number)s。") % {"number": case.number})
            return redirect("case-detail", pk=case.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "obligations/case_new.html", {"form": form, "platform": platform})


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
