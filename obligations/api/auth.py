"""Who calls: `Authorization: Bearer <token>` (trust/api_tokens.py), the scope each view needs, and the
rate per token (trust/ratelimit.py). The request's user is the token's maker; request.auth the token."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from ..models import ApiToken
from ..trust import ratelimit
from ..trust.api_tokens import TokenRefused, token_for_secret
from ..wording import enumeration


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # then 401 "not_authenticated" from the permission check
        kind, _space, secret = header.partition(" ")
        if kind.lower() != "bearer" or not secret.strip():
            raise exceptions.AuthenticationFailed(_("请以“Authorization: Bearer <令牌>”提供接口令牌。"))
        try:
            token = token_for_secret(secret.strip(), now=timezone.now())
        except TokenRefused as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        return token.created_by, token

    def authenticate_header(self, request):
        return 'Bearer realm="pledge"'  # so a missing or bad token is a 401, not a 403


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "docs/api.md: API tokens"}


def token_of(request) -> ApiToken:
    return request.auth


class HasScope(BasePermission):
    """One of the view's `scopes` must be the token's."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(_("缺少接口令牌:请以“Authorization: Bearer <令牌>”提供。"))
        scopes = getattr(view, "scopes", ())
        if not set(scopes) & set(token.scope_list):
            names = enumeration(str(ApiToken.Scope(s).label) for s in scopes)
            raise exceptions.PermissionDenied(_("此令牌没有所需的权限范围(%(scopes)s)。") % {"scopes": names})
        return True


class TokenRateLimit(BaseThrottle):
    """PLEDGE_API_RATE requests per PLEDGE_API_RATE_WINDOW seconds per token, the window aligned on the clock."""

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        # Counted by the secret's hash, unique to the token in any database (a restored copy, a test's) sharing the cache.
        self.seconds = ratelimit.wait_for("api", token.secret_hash, limit=settings.PLEDGE_API_RATE,
                                          window=settings.PLEDGE_API_RATE_WINDOW)
        return self.seconds == 0

    def wait(self):
        return self.seconds
