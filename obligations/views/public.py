"""The public complaint page and status lookup of a platform: no sign-in, CSRF-protected,
rate-limited per client address."""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..cases.services import case_open, case_status, public_outcome, public_terms
from ..errors import DomainError
from ..forms.cases import PublicComplaintForm, StatusLookupForm
from ..models import Case, Platform
from ..trust import ratelimit


def _public_platform(slug):
    platform = get_object_or_404(Platform, slug=slug)
    if not platform.public_intake:
        raise Http404
    return platform


def _limited(request, scope, limit):
    return not ratelimit.allow(f"{scope}:{request.resolver_match.kwargs['slug']}", request, limit=limit,
                               window=settings.PLEDGE_PUBLIC_WINDOW_SECONDS)


@login_not_required
@require_http_methods(["GET", "POST"])
def complaint(request, slug):
    platform = _public_platform(slug)
    context = {"platform": platform, "terms": public_terms(platform)}
    if request.method == "GET":
        form = PublicComplaintForm(initial={"submission": uuid.uuid4().hex})
        return render(request, "public/complaint.html", {**context, "form": form})
    form = PublicComplaintForm(request.POST)
    if _limited(request, "complaint", settings.PLEDGE_PUBLIC_SUBMIT_LIMIT):
        form.add_error(None, _("提交过于频繁,请稍后再试。"))
        return render(request, "public/complaint.html", {**context, "form": form}, status=429)
    if form.is_valid():
        data, now = form.cleaned_data, timezone.now()
        try:
            case, _created = case_open(
                platform=platform, kind=Case.Kind.COMPLAINT, description=data["description"], received_at=now,
                now=now, channel=Case.Channel.PUBLIC, reporter_name=data["reporter_name"],
                reporter_contact=data["reporter_contact"], submission_key=f"public:{data['submission']}",
                consent_at=now if data["consent"] else None)
            return render(request, "public/complaint_done.html", {**context, "case": case})
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    text = request.POST.get("description", "")
    if len(text) > keep_chars():
        _keep_start(form, text)
        _say(form, "description", _("内容过长:共 %(count)d 字,最多 %(max)d 字。框中只保留了前 %(kept)d 字,其后未保留;"
                                    "请精简后再提交。") % {"count": len(text), "max": settings.PLEDGE_CASE_TEXT_MAX,
                                                     "kept": keep_chars()})
    return render(request, "public/complaint.html", {**context, "form": form}, status=400)


def keep_chars() -> int:
    """How much of a complaint too long the form gives back: the whole text up to five times the
    limit, for its writer to cut down; past that its start. The page stays small whatever was posted."""
    return 5 * settings.PLEDGE_CASE_TEXT_MAX


def _keep_start(form, text):
    form.data = form.data.copy()
    form.data["description"] = text[:keep_chars()]


def _say(form, field, message):
    """`message` as the field's only error, in place of the form's own word on it."""
    form.errors.pop(field, None)
    form.add_error(field, message)


def complaint_too_large(request, fitted, slug):
    """A complaint whose body is past what the site reads (compliance/too_large.py, DEBUG on or off):
    the form again with what fitted of what was typed, and truly how much that is. Nothing is
    written, so it answers without the CSRF token the unread rest of the body may hold."""
    platform = _public_platform(slug)
    form = PublicComplaintForm(fitted.fields)
    form.is_valid()
    values = {"size": filesizeformat(fitted.size), "max": settings.PLEDGE_CASE_TEXT_MAX}
    text = fitted.fields.get("description")
    if text and fitted.cut != "description" and len(text) <= keep_chars():
        form.add_error(None, _("提交的内容过大(%(size)s),超出可以接收的大小,未能受理。已填写的内容保留在下方,"
                               "请检查后再提交。") % values)
    elif text:
        _keep_start(form, text)
        _say(form, "description", _("提交的内容过大(%(size)s),超出可以接收的大小:投诉内容只保留了前 %(kept)d 字,"
                                    "其后未保留。请精简到 %(max)d 字以内后再提交。")
             % {**values, "kept": len(text[:keep_chars()])})
    else:
        _say(form, "description", _("提交的内容过大(%(size)s),超出可以接收的大小,投诉内容未能保留。请重新填写"
                                    "(最多 %(max)d 字)后再提交。") % values)
    context = {"platform": platform, "terms": public_terms(platform), "form": form}
    return render(request, "public/complaint.html", context, status=413)


complaint.too_large = complaint_too_large  # called by compliance/too_large.py


@login_not_required
@require_http_methods(["GET", "POST"])
def status(request, slug):
    platform = _public_platform(slug)
    form = StatusLookupForm(request.POST if request.method == "POST" else None)  # an empty POST is still a POST
    context = {"platform": platform, "form": form}
    if request.method == "POST":
        if _limited(request, "status", settings.PLEDGE_PUBLIC_LOOKUP_LIMIT):
            form.add_error(None, _("查询过于频繁,请稍后再试。"))
            return render(request, "public/status.html", context, status=429)
        if form.is_valid():
            case = case_status(platform, form.cleaned_data["number"], form.cleaned_data["contact"])
            if case is None:
                context["not_found"] = True
            else:
                # The state, the dates and the decision (written to be read here): nothing
                # of the description or the staff.
                context["result"] = {
                    "number": case.public_ref, "state": case.get_state_display(), "received_at": case.received_at,
                    **public_outcome(case),
                }
    return render(request, "public/status.html", context)
