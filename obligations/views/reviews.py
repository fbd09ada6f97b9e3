"""The supervisory group's quarterly review pages: the list of a platform's reviews and
one review's workspace, with its actions. Supervisors write and sign, officers explain,
auditors read; every POST goes through a service that checks the role again."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ..errors import DomainError
from ..forms.reviews import (
    ExceptionFilterForm,
    ExplanationForm,
    FindingForm,
    QuorumForm,
    RectificationForm,
    RefuseForm,
    SignForm,
)
from ..models import Membership, Occurrence, Platform, Review, ReviewFinding, Role
from ..oversight import reviews
from ..oversight.exception_list import ExceptionFilter, exception_panel, labelled
from ..oversight.period_status import as_of_text
from ..oversight.report_documents import case_list_rows, letter_basis, shows_pending
from ..oversight.review_snapshot import exceptions, review_snapshot
from ..oversight.seal import seal_name, seal_note
from ..trust import access

READERS = access.OVERSIGHT_ROLES


def _labelled(snapshot: dict) -> dict:
    """The snapshot with the names people read beside its codes (the stored one stays as is)."""
    severities = dict(ReviewFinding.Severity.choices)
    return {**snapshot,
            "exceptions": labelled(snapshot["exceptions"]),
            "findings": [{**f, "severity_label": severities.get(f["severity"], f["severity"])}
                         for f in snapshot["findings"]]}


def _filter(data) -> tuple[ExceptionFilterForm, ExceptionFilter]:
    """The list's filter from a query or a form; one that cannot be read filters nothing and says why."""
    form = ExceptionFilterForm(data)
    if not form.is_valid():
        return form, ExceptionFilter()
    d = form.cleaned_data
    return form, ExceptionFilter(obligation=d["obligation"], cause=d["cause"], day=d["day"], waiting=d["waiting"])


def _panel_context(request, review, role, rows, data, *, selected=None, explain_form=None, notice=None):
    """What the exceptions panel shows: the filtered rows, waiting first, and the form that explains the ticked ones."""
    filter_form, chosen = _filter(data)
    return {"review": review, "role": role, "tz": review.platform.tz, "is_open": review.state == Review.State.OPEN,
            "panel": exception_panel(labelled(rows), review.platform.tz, chosen, selected),
            "filter_form": filter_form, "explain_form": explain_form or ExplanationForm(), "notice": notice}


def _review_list(request, platform, *, quorum_form=None, status=200):
    role = access.require_page(request.user, platform.pk, "review-list")
    group = (Membership.objects.filter(platform=platform, role=Role.SUPERVISOR).select_related("user")
             .order_by("user__username"))
    return render(request, "obligations/reviews/review_list.html", {
        "platform": platform, "reviews": Review.objects.filter(platform=platform).order_by("-year", "-quarter"),
        "group": group, "quorum": reviews.platform_quorum(platform, size=len(group)),
        "quorum_form": (quorum_form or QuorumForm(initial={"quorum": platform.review_quorum}))
        if role == Role.OFFICER else None,
    }, status=status)


@require_GET
def review_list(request, slug):
    return _review_list(request, get_object_or_404(Platform, slug=slug))


@require_POST
def review_settings(request, slug):
    """The officer's settings of the platform's reviews: the quorum. A refusal keeps what was typed."""
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "review-list")
    form = QuorumForm(request.POST)
    if form.is_valid():
        try:
            platform = reviews.review_quorum_set(platform=platform, quorum=form.cleaned_data["quorum"],
                                                 user=request.user, now=timezone.now())
        except DomainError as exc:
            form.add_error("quorum", exc.message)
        else:
            messages.success(request, _("签署设置已保存。"))
            return redirect("review-list", slug=platform.slug)
    return _review_list(request, platform, quorum_form=form, status=400)


def _review(request, pk) -> tuple[Review, str]:
    review = get_object_or_404(Review.objects.select_related("platform", "task"), pk=pk)
    role = access.require_role(request.user, review.platform_id, *READERS)
    return review, role


@require_GET
def review_detail(request, pk):
    review, role = _review(request, pk)
    snapshot = review.snapshot if review.state == Review.State.CLOSED else review_snapshot(review, now=timezone.now())
    tz = review.platform.tz
    return render(request, "obligations/reviews/review_detail.html", {
        "review": review, "platform": review.platform, "snapshot": _labelled(snapshot), "role": role, "tz": tz,
        "case_list": case_list_rows(snapshot.get("case_list", []), tz),
        "is_open": review.state == Review.State.OPEN,
        "seal_name": seal_name(snapshot), "seal_note": seal_note(snapshot),
        "basis": letter_basis(snapshot.get("versions", [])), "as_of": as_of_text(snapshot["period"], tz),
        "show_pending": shows_pending(snapshot["period"], snapshot["obligations"]),
        "date_from": review.period_start.astimezone(tz).date(), "date_to": snapshot["period"]["end"],
        "quorum": reviews.quorum(review), "signed": reviews.signed_count(review),
        **_panel_context(request, review, role, snapshot["exceptions"], request.GET),
        "rectification_form": RectificationForm(platform=review.platform), "finding_form": FindingForm(),
        "sign_form": SignForm(user=request.user), "refuse_form": RefuseForm(),
    })


def _act(request, review, action, success):
    try:
        action()
        messages.success(request, success)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("review-detail", pk=review.pk)


def _form_error(request, review, form):
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("review-detail", pk=review.pk)


@require_GET
def review_exceptions(request, pk):
    """The exceptions panel alone, filtered: what the filter's form loads in place of the whole page."""
    review, role = _review(request, pk)
    rows = review.snapshot["exceptions"] if review.state == Review.State.CLOSED else exceptions(review)
    return render(request, "obligations/reviews/exception_panel.html",
                  _panel_context(request, review, role, rows, request.GET))


@require_POST
def review_explain(request, pk):
    """One explanation for the ticked exceptions. From the page's script the panel comes back
    in place, the filter kept; a refusal keeps the ticks and the text typed."""
    review, role = _review(request, pk)
    reviews.require_writer(request.user, review, "explain")
    form = ExplanationForm(request.POST)
    notice = error = None
    if form.is_valid():
        ids = form.cleaned_data["occurrence"]
        try:
            done = reviews.review_explain_many(review=review, occurrence_ids=ids, text=form.cleaned_data["text"],
                                               user=request.user, now=timezone.now())
            notice = ngettext("已为 %(n)d 项异常保存说明。", "已为 %(n)d 项异常保存说明。", len(done)) % {"n": len(done)}
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if not request.htmx:
        (messages.success if notice else messages.error)(request, notice or error)
        _form, chosen = _filter(request.POST)
        query = urlencode(chosen.query())
        return redirect(reverse("review-detail", args=[review.pk]) + (f"?{query}" if query else "") + "#exceptions")
    # htmx swaps only a 2xx answer: a refusal comes back as 200 with the reason in the panel.
    review.refresh_from_db()
    rows = review.snapshot["exceptions"] if review.state == Review.State.CLOSED else exceptions(review)
    selected = {int(v) for v in request.POST.getlist("occurrence") if v.isdigit()} if error else None
    return render(request, "obligations/reviews/exception_panel.html", {
        **_panel_context(request, review, role, rows, request.POST, selected=selected,
                         explain_form=form if error else None, notice=notice), "error": error})


@require_POST
def review_rectify(request, pk):
    review, _role = _review(request, pk)
    reviews.require_writer(request.user, review, "rectify")
    form = RectificationForm(request.POST, platform=review.platform)
    if not form.is_valid():
        return _form_error(request, review, form)
    d = form.cleaned_data
    occurrence = (Occurrence.objects.filter(pk=d["occurrence"], platform=review.platform).first()
                  if d.get("occurrence") else None)
    return _act(request, review, lambda: reviews.rectification_open(
        review=review, title=d["title"], owner=d["owner"], due_date=d["due_date"], occurrence=occurrence,
        user=request.user, now=timezone.now()), _("整改措施已建立,并已作为任务分派给责任人。"))


@require_POST
def review_finding(request, pk):
    review, _role = _review(request, pk)
    reviews.require_writer(request.user, review, "finding")
    form = FindingForm(request.POST)
    if not form.is_valid():
        return _form_error(request, review, form)
    return _act(request, review, lambda: reviews.finding_add(
        review=review, text=form.cleaned_data["text"], severity=form.cleaned_data["severity"], user=request.user,
        now=timezone.now()), _("风险排查结果已记录。"))


@require_POST
def review_sign(request, pk):
    review, _role = _review(request, pk)
    reviews.require_writer(request.user, review, "sign")
    form = SignForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_error(request, review, form)
    return _act(request, review, lambda: reviews.review_sign(
        review=review, user=request.user, password=form.cleaned_data["password"],
        otp_code=form.cleaned_data.get("otp"), now=timezone.now()), _("已签署。"))


@require_POST
def review_refuse(request, pk):
    review, _role = _review(request, pk)
    reviews.require_writer(request.user, review, "sign")
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _form_error(request, review, form)
    return _act(request, review, lambda: reviews.review_refuse(
        review=review, user=request.user, reason=form.cleaned_data["reason"], now=timezone.now()),
        _("已拒绝签署;此前的签署作废,待讨论后重新签署。"))
