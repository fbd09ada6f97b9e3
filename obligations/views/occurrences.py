from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..errors import DomainError
from ..forms.work import CompletionForm, EvidenceAddForm, ReasonForm
from ..models import Occurrence, Role
from ..trust import access
from ..work.evidence import completion_with_evidence, evidence_add
from ..work.history import occurrence_history
from ..work.occurrences import occurrence_reopen, occurrence_waive
from .cases import case_page_parts
from .tasks import counters_after_check_off


def _row(request, occ, form=None, notice=None, status=200, can_complete=None, fresh=False):
    """A task's row as it stands now: `occ` itself when it is `fresh` (just read, or just
    completed here), else read again in one query (a refused check-off: someone else's may
    have changed it)."""
    if not fresh:
        occ = Occurrence.objects.select_related("obligation", "platform", "completed_by", "case").get(pk=occ.pk)
    if can_complete is None:
        can_complete = access.can_complete(request.user, occ)
    context = {"occ": occ, "form": form or CompletionForm(), "notice": notice, "now": timezone.now(),
               "can_complete": can_complete}
    if occ.case_id and request.POST.get("in_case"):
        # Completed on its case's page: the row without a link to that case, and the
        # close form's waivers and the timeline refreshed beside it (out of band).
        parts = case_page_parts(request.user, occ.case)
        return render(request, "obligations/partials/case_task_row.html", {**parts, **context}, status=status)
    response = render(request, "obligations/partials/task_row.html", context, status=status)
    if request.method == "POST":  # a check-off moves the page's counters with the row
        response.content += counters_after_check_off(request).encode()
    return response


def _detail(request, occ, form=None, status=200):
    completions = occ.completions.select_related("user", "reopened_by").prefetch_related("evidence")
    return render(request, "obligations/occurrence_detail.html", {
        "occ": occ, "completions": completions, "history": occurrence_history(occ),
        "can_complete": access.can_complete(request.user, occ), "now": timezone.now(),
        "is_officer": access.roles_of(request.user).get(occ.platform_id) == Role.OFFICER,
        "form": form or CompletionForm(), "reason_form": ReasonForm(), "evidence_form": EvidenceAddForm(occurrence=occ),
    }, status=status)


@require_GET
def occurrence_detail(request, pk):
    return _detail(request, access.occurrence_for(request.user, pk))


@require_http_methods(["GET", "POST"])
def occurrence_complete(request, pk):
    occ = access.occurrence_for(request.user, pk)
    access.require_complete(request.user, occ)
    if request.method == "GET":  # a row of My tasks opened: its form (the detail page has it too)
        return _row(request, occ, can_complete=True, fresh=True) if request.htmx else redirect("occurrence-detail",
                                                                                             pk=occ.pk)
    form = CompletionForm(request.POST, request.FILES)
    notice = None
    if form.is_valid():
        try:
            completion_with_evidence(occurrence=occ, user=request.user, note=form.cleaned_data["note"],
                                     files=form.cleaned_data["files"], now=timezone.now())
            notice = _("已完成。")
            form = None
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if request.htmx:
        return _row(request, occ, form, notice, can_complete=True, fresh=notice is not None)
    if form is not None and form.errors:
        occ.refresh_from_db()
        if occ.state in Occurrence.TODO_STATES and not form.non_field_errors():
            # The page again with the form as sent and the errors beside its fields: the note typed stays.
            return _detail(request, occ, form, status=400)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("occurrence-detail", pk=occ.pk)
    messages.success(request, notice)
    if occ.case_id and request.POST.get("in_case"):
        return redirect("case-detail", pk=occ.case_id)
    return redirect("occurrence-detail", pk=occ.pk)


@require_POST
def occurrence_evidence_add(request, pk):
    occ = access.occurrence_for(request.user, pk)
    access.require_complete(request.user, occ)
    form = EvidenceAddForm(request.POST, request.FILES, occurrence=occ)
    try:
        if not form.is_valid():
            raise DomainError(" ".join(e for errors in form.errors.values() for e in errors))
        added = evidence_add(occurrence=occ, user=request.user, files=form.cleaned_data["files"],
                             corrects=form.cleaned_data["corrects"], now=timezone.now())
        messages.success(request, _("已补充 %(n)d 个文件。") % {"n": len(added)})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("occurrence-detail", pk=occ.pk)


def _officer_decision(request, pk, service, success):
    """Reopen or waive: the officer's, with a reason."""
    occ = access.occurrence_for(request.user, pk)
    access.require_role(request.user, occ.platform_id, Role.OFFICER)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(form.errors["reason"][0])
        service(occurrence=occ, user=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
        messages.success(request, success)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("occurrence-detail", pk=occ.pk)


@require_POST
def occurrence_reopen_view(request, pk):
    return _officer_decision(request, pk, occurrence_reopen, _("任务已重新打开,原完成记录与佐证材料保留。"))


@require_POST
def occurrence_waive_view(request, pk):
    return _officer_decision(request, pk, occurrence_waive, _("任务已豁免。"))
