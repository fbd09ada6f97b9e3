"""The supervisory group's quarterly review pages: the list of a platform's reviews and
one review's workspace, with its actions. Supervisors write and sign, officers explain,
auditors read; every POST goes through a service that checks the role again."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..errors import DomainError
from ..forms.reviews import ExplanationForm, FindingForm, RectificationForm, RefuseForm, SignForm
from ..models import Occurrence, Platform, Review, ReviewFinding
from ..oversight import reviews
from ..oversight.period_status import as_of_text
from ..oversight.report_documents import EXCEPTION_KINDS, case_list_rows, letter_basis, shows_pending
from ..oversight.review_snapshot import review_snapshot
from ..oversight.seal import seal_name, seal_note
from ..trust import access

READERS = access.OVERSIGHT_ROLES


def _labelled(snapshot: dict) -> dict:
    """The snapshot with the names people read beside its codes (the stored one stays as is)."""
    severities = dict(ReviewFinding.Severity.choices)
    return {**snapshot,
            "exceptions": [{**e, "kind_label": EXCEPTION_KINDS.get(e["kind"], e["kind"])} for e in snapshot["exceptions"]],
            "findings": [{**f, "severity_label": severities.get(f["severity"], f["severity"])}
                         for f in snapshot["findings"]]}


@require_GET
def review_list(request, slug):
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "review-list")
    return render(request, "obligations/reviews/review_list.html", {
        "platform": platform, "reviews": Review.objects.filter(platform=platform).order_by("-year", "-quarter"),
    })


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
        "basis": letter_basis(snapshot.get("versions", [])), "as_of": as_of_text(snapshot["period"]),
        "show_pending": shows_pending(snapshot["period"], snapshot["obligations"]),
        "date_from": review.period_start.astimezone(tz).date(), "date_to": snapshot["period"]["end"],
        "quorum": reviews.quorum(review), "signed": reviews.signed_count(review),
        "unexplained": sum(1 for e in snapshot["exceptions"] if not e["explanation"]),
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


@require_POST
def review_explain(request, pk):
    review, _role = _review(request, pk)
    reviews.require_writer(request.user, review, "explain")
    form = ExplanationForm(request.POST)
    if not form.is_valid():
        return _form_error(request, review, form)
    occurrence = get_object_or_404(Occurrence, pk=form.cleaned_data["occurrence"], platform=review.platform)
    return _act(request, review, lambda: reviews.review_explain(
        review=review, occurrence=occurrence, text=form.cleaned_data["text"], user=request.user, now=timezone.now()),
        _("说明已保存。"))


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
