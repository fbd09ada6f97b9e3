"""The officer's API tokens page: make one (its secret shown on this answer only), see each one's last use,
revoke one. The rules are trust/api_tokens.py's; the API itself is obligations/api/ (docs/api.md)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..errors import DomainError
from ..forms.api_tokens import ApiTokenForm
from ..models import ApiToken, Platform
from ..schedule.periods import local_midnight
from ..trust import access
from ..trust.api_tokens import token_create, token_revoke
from ..wording import enumeration

DEFAULT_DAYS = 90


def _platform(request, slug) -> Platform:
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "api-tokens")
    return platform


@never_cache  # the answer that shows a new secret is kept by no cache
@require_http_methods(["GET", "POST"])
def api_tokens(request, slug):
    platform = _platform(request, slug)
    now = timezone.now()
    default_day = (now.astimezone(platform.tz) + timedelta(days=DEFAULT_DAYS)).date()
    form = ApiTokenForm(request.POST or None, initial={"expires_on": default_day, "scopes": ["read"]})
    new, secret = None, None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # Valid through the day chosen, in the platform's local time.
            new, secret = token_create(platform=platform, user=request.user, name=d["name"], scopes=d["scopes"],
                                       expires_at=local_midnight(d["expires_on"] + timedelta(days=1), platform.tz),
                                       now=now)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "expires_on" if exc.field else None, exc.message)
        else:
            form = ApiTokenForm(initial={"expires_on": default_day, "scopes": ["read"]})
    tokens = list(ApiToken.objects.filter(platform=platform).select_related("created_by", "revoked_by")
                  .order_by("-created_at", "-id"))
    for token in tokens:
        token.scope_text = enumeration(token.scope_labels())
    return render(request, "obligations/api_tokens.html", {
        "platform": platform, "form": form, "tokens": tokens, "new": new, "secret": secret, "now": now,
    }, status=400 if form.errors else 200)


@require_POST
def api_token_revoke(request, slug, pk):
    platform = _platform(request, slug)
    token = get_object_or_404(ApiToken, pk=pk, platform=platform)
    try:
        token_revoke(token=token, user=request.user, now=timezone.now())
        messages.success(request, _("已撤销令牌“%(name)s”,使用它的请求将被拒绝。") % {"name": token.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("api-tokens", slug=platform.slug)
