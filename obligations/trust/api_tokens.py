"""API tokens of a platform (docs/api.md): made and revoked by its officer, audited; the secret is
shown once and only its SHA-256 kept (it is random, 256 bits: no slow hash needed to resist guessing).

A token acts as the officer who made it, on its own platform only, within its scopes: what it does is
recorded as that officer's, each audit record naming the token (audit.acting_through). If its maker is
no longer an officer of the platform, the token stops working (the officer's power it borrowed is gone).
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import ApiToken, Role
from .access import roles_of
from .audit import audit_record

PREFIX = "plg_"
MAX_DAYS = 366  # a token lives at most a year: a forgotten one does not work for ever
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last use written at most once a minute per token


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def via(token: ApiToken) -> dict:
    """How an audit record names a token."""
    return {"api_token": token.pk, "name": token.name, "prefix": token.prefix}


@transaction.atomic
def token_create(*, platform, user, name: str, scopes, expires_at, now) -> tuple[ApiToken, str]:
    """A new token and its secret, which the caller shows once and never again."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写令牌名称。"), field="name")
    scopes = [s for s in ApiToken.Scope.values if s in set(scopes or ())]
    if not scopes:
        raise DomainError(_("请至少选择一项权限范围。"), field="scopes")
    if expires_at <= now:
        raise DomainError(_("过期时间必须晚于现在。"), field="expires_at")
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise DomainError(_("令牌有效期最长 %(days)d 天。") % {"days": MAX_DAYS}, field="expires_at")
    secret = PREFIX + secrets.token_hex(32)  # lower case: its prefix reads as a code on the pages
    token = ApiToken.objects.create(platform=platform, name=name, prefix=secret[:12], secret_hash=secret_hash(secret),
                                    scopes=" ".join(scopes), created_by=user, created_at=now, expires_at=expires_at)
    audit_record(at=now, action="api_token.create", obj=token, actor=user, platform=platform,
                 data={"name": name, "prefix": token.prefix, "scopes": scopes, "expires_at": expires_at.isoformat()})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, user, now) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise DomainError(_("该令牌已撤销。"))
    token.revoked_at, token.revoked_by = now, user
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(at=now, action="api_token.revoke", obj=token, actor=user, platform=token.platform,
                 data={"name": token.name, "prefix": token.prefix})
    return token


class TokenRefused(Exception):
    """A bearer secret that opens nothing, with the reason worded for the caller."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def token_for_secret(secret: str, *, now) -> ApiToken:
    """The live token of a secret, its maker loaded, its last use noted; else TokenRefused."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        raise TokenRefused(_("令牌无效。"))
    token = (ApiToken.objects.select_related("platform", "created_by")
             .filter(secret_hash=secret_hash(secret)).first())
    if token is None:
        raise TokenRefused(_("令牌无效。"))
    if token.revoked_at is not None:
        raise TokenRefused(_("该令牌已撤销。"))
    if now >= token.expires_at:
        raise TokenRefused(_("该令牌已过期。"))
    maker = token.created_by
    if not maker.is_active or roles_of(maker).get(token.platform_id) != Role.OFFICER:
        raise TokenRefused(_("令牌的创建人已不是本平台的合规负责人,令牌已失效。"))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
