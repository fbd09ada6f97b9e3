"""Sign-in that resists guessing, without letting anyone lock an officer out: wrong
passwords lock a user name at one client address, or one address, for a while, and slow a
user name down everywhere; password-reset mails are counted.

django-axes keeps the counts (AccessAttempt rows per user name and address, in the
database so that every web process sees them and an administrator can lift them); the
login page and the admin's both go through `authenticate`, which asks `LockoutBackend`
first, and it refuses by `refusal_for`:

- a user name at one address, after PLEDGE_LOGIN_FAILURES wrong passwords there, for
  PLEDGE_LOCKOUT_MINUTES from the last of them: the guesser's address is locked, the
  officer at their own address is not;
- an address, after PLEDGE_LOGIN_FAILURES_PER_ADDRESS wrong passwords for any names;
- a user name from anywhere, past PLEDGE_LOGIN_FAILURES wrong passwords, for a delay after
  the last of them that doubles with each (1, 2, 4 … s, at most
  PLEDGE_LOGIN_DELAY_MAX_SECONDS): a slower guesser, never a lock.

A refused try is not checked and not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
off), so trying again never extends a wait. A new password (a reset by email, or set by an
administrator) forgets the user name's failures (`unlock`, from signins.py). Reset mails
are counted per hour in the cache (Redis when REDIS_URL is set): per client address, per
email address and per account."""

import hashlib
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import DomainError
from .ratelimit import client_address

HOUR = 3600
log = logging.getLogger(__name__)
PAIR, ADDRESS, NAME = "pair", "address", "name"  # what is refused: a name at an address, an address, a name


@dataclass(frozen=True)
class Refusal:
    reason: str
    until: datetime

    def seconds(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))


class LockoutBackend(AxesStandaloneBackend):
    """Refuses every password, the right one too, while `refusal_for` says so (before any
    backend checks it). Only sign-ins of a request are counted: code that authenticates
    without one (a test client's login, a management command) is not a visitor guessing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        AxesProxyHandler.update_request(request)
        refusal = refusal_for(client_ip(request), username, now=timezone.now())
        if refusal is None:
            return None
        request.pledge_refusal = refusal
        # For axes: the try is not counted, and its middleware answers with the lockout page.
        request.axes_locked_out = True
        request.axes_credentials = {"username": username}
        raise AxesBackendPermissionDenied("refused by trust.lockout.refusal_for")


def refusal_of(request) -> Refusal | None:
    """Why LockoutBackend refused this request's sign-in, if it did."""
    return getattr(request, "pledge_refusal", None) if request is not None else None


def name_delay(failures: int) -> timedelta:
    """The wait after the last failure of a user name with `failures` in the cool-off."""
    past = failures - settings.AXES_FAILURE_LIMIT
    if past < 0:
        return timedelta(0)
    return timedelta(seconds=min(settings.PLEDGE_LOGIN_DELAY_MAX_SECONDS, 2 ** min(past, 30)))


def refusal_for(address: str | None, name, *, now: datetime) -> Refusal | None:
    """Whether a sign-in of `name` from `address` is refused now, and until when (the
    longest of the rules in the module's docstring), from one aggregate of the failures
    counted in the cool-off."""
    name = str(name or "")
    pair, by_name, by_address = Q(username=name, ip_address=address), Q(username=name), Q(ip_address=address)
    figures = (AccessAttempt.objects.filter(attempt_time__gte=now - cool_off()).filter(by_name | by_address)
               .aggregate(pair_n=Sum("failures_since_start", filter=pair), pair_last=Max("attempt_time", filter=pair),
                          name_n=Sum("failures_since_start", filter=by_name),
                          name_last=Max("attempt_time", filter=by_name),
                          address_n=Sum("failures_since_start", filter=by_address),
                          address_last=Max("attempt_time", filter=by_address)))
    refusals = []
    if (figures["pair_n"] or 0) >= settings.AXES_FAILURE_LIMIT:
        refusals.append(Refusal(PAIR, figures["pair_last"] + cool_off()))
    if address is not None and (figures["address_n"] or 0) >= settings.PLEDGE_LOGIN_FAILURES_PER_ADDRESS:
        refusals.append(Refusal(ADDRESS, figures["address_last"] + cool_off()))
    if (figures["name_n"] or 0) >= settings.AXES_FAILURE_LIMIT:
        refusals.append(Refusal(NAME, figures["name_last"] + name_delay(figures["name_n"])))
    refusals = [r for r in refusals if r.until > now]
    return max(refusals, key=lambda r: r.until) if refusals else None


def name_failures(name, *, now: datetime) -> int:
    """Wrong passwords for a user name from any address in the cool-off (what its delay counts)."""
    total = (AccessAttempt.objects.filter(username=str(name or ""), attempt_time__gte=now - cool_off())
             .aggregate(n=Sum("failures_since_start"))["n"])
    return total or 0


def unlock(name) -> int:
    """Forget a user name's failures, at every address (a new password was set)."""
    deleted, _rows = AccessAttempt.objects.filter(username=str(name or "")).delete()
    return deleted


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
