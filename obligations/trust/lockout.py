"""Sign-in that resists guessing: wrong passwords lock a user name or a client address
for a while, and password-reset mails are counted.

Locking is django-axes' (settings AXES_*: PLEDGE_LOGIN_FAILURES wrong passwords lock for
PLEDGE_LOCKOUT_MINUTES, counted per user name and per client address on their own, kept
in the database so that every web process sees them and an administrator can lift them);
the login page and the admin's both go through `authenticate`, which asks
`LockoutBackend` first. Reset mails are counted per hour in the cache (Redis when
REDIS_URL is set): per client address, per email address and per account."""

import hashlib
import logging
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from ..errors import DomainError
from .ratelimit import client_address

HOUR = 3600
log = logging.getLogger(__name__)


class LockoutBackend(AxesStandaloneBackend):
    """Refuses every password of a locked user name or address (before any backend checks
    it). Only sign-ins of a request are counted: code that authenticates without one (a
    test client's login, a management command) is not a visitor guessing passwords."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The client address as the rate limits know it (settings.AXES_CLIENT_IP_CALLABLE);
    None when a request has none (a test client's or a command's)."""
    address = client_address(request)
    return None if address == "unknown" else address


def cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def cool_off_minutes() -> int:
    return max(1, int(cool_off().total_seconds() // 60))


def _count(scope: str, subject: str, window: int = HOUR) -> int:
    """Count one more event of `subject` in a fixed window and return the count (0 when the
    cache is down: like the public pages' rate limit, the reset page then keeps working)."""
    key = f"pledge-signin:{scope}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            return 1
    except Exception:  # noqa: BLE001 - any cache backend failure (redis.ConnectionError, OSError …)
        log.warning("sign-in counter cache unavailable; not counting %s", scope, exc_info=True)
        return 0


def reset_mail_allowed(request, email: str) -> None:
    """One more password-reset request from this client for this email address, or a
    DomainError once either has asked too often this hour. Counted whether or not the
    address belongs to an account, so the answer reveals nothing about accounts."""
    if _count("reset-address", client_address(request)) > settings.PLEDGE_RESET_MAILS_PER_ADDRESS:
        raise DomainError(_("找回密码的申请过于频繁,请一小时后再试。"))
    if _count("reset-email", email.strip().casefold()) > settings.PLEDGE_RESET_MAILS_PER_ACCOUNT:
        raise DomainError(_("该邮箱一小时内已申请过 %(n)d 次找回密码,请查看已收到的邮件,或一小时后再试。")
                          % {"n": settings.PLEDGE_RESET_MAILS_PER_ACCOUNT}, field="email")


def reset_mail_to_account_allowed(user) -> bool:
    """One more reset mail to this account this hour (an account is reached through any
    spelling of its address): False once it had its share."""
    return _count("reset-account", str(user.pk)) <= settings.PLEDGE_RESET_MAILS_PER_ACCOUNT
