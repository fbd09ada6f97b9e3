"""The public complaint page and status lookup of a platform: no sign-in, CSRF-protected,
rate-limited per client address."""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
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
    if len(request.POST.get("description", "")) > settings.PLEDGE_CASE_TEXT_MAX:
        # An oversized text is refused, not sent back: the page stays small whatever was posted.
        form.data = form.data.copy()
        form.data["description"] = ""
    return render(request, "public/complaint.html", {**context, "form": form}, status=400)


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
