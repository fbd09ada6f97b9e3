"""Failed sign-ins are counted, not each written to the permanent chain.

One row (models.FailedSignIns) per client address, user name and fixed window of
PLEDGE_SIGNIN_WINDOW_MINUTES counts the wrong passwords, and the tries refused unchecked
(a locked address, a user name's wait not over). Once the window has passed, one audit
record `auth.login_failed` says how many there were: the chain grows by at most one record
per address and name per window however fast a script tries (issue 22: 30 tries from a
locked address had written 30 permanent records in 3.8 s). Closed windows are written by
the next failed sign-in and by the `signin_audit` task every minute."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import FailedSignIns
from .audit import audit_record
from .ratelimit import client_address

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
KEEP = timedelta(days=7)  # written windows stay this long for the admin, then go


def window_length() -> timedelta:
    return timedelta(minutes=max(1, settings.PLEDGE_SIGNIN_WINDOW_MINUTES))


def window_of(at: datetime) -> datetime:
    """The start of the fixed window holding `at` (windows counted from 2000-01-01 UTC)."""
    length = window_length()
    return EPOCH + ((at - EPOCH) // length) * length


def tried_name(name) -> str:
    """The user name as typed, as a row can hold it (PostgreSQL takes no NUL character)."""
    return str(name or "").replace("\x00", "")[:150]


def failure_count(request, name, *, refused: bool, now: datetime) -> None:
    """Count one failed sign-in of `name` from the request's client address."""
    address = client_address(request) if request is not None else "unknown"
    key = {"address": address[:64], "username": tried_name(name), "window_start": window_of(now)}
    more = {"count": F("count") + 1, "refused": F("refused") + int(refused), "last_at": now}
    with transaction.atomic():
        if FailedSignIns.objects.filter(**key).update(**more):
            return
        agent = request.META.get("HTTP_USER_AGENT", "")[:200].replace("\x00", "") if request is not None else ""
        try:
            with transaction.atomic():
                FailedSignIns.objects.create(**key, count=1, refused=int(refused), first_at=now, last_at=now,
                                             agent=agent)
        except IntegrityError:  # a concurrent first failure of the same window made the row
            FailedSignIns.objects.filter(**key).update(**more)


def failures_audit(*, now: datetime, batch: int = 500) -> int:
    """Write each window that has passed to the audit chain, once, with its counts;
    returns how many were written. Safe to run concurrently (rows another writer holds
    are skipped) and twice (a written window is marked)."""
    closed = (FailedSignIns.objects.filter(audited_at__isnull=True, window_start__lte=now - window_length())
              .order_by("window_start", "id"))
    written = 0
    with transaction.atomic():
        rows = list(closed.select_for_update(skip_locked=True)[:batch])
        User = get_user_model()
        # The account tried, when the name is one: its platforms' officers then read the record.
        accounts = User._default_manager.in_bulk({r.username for r in rows}, field_name=User.USERNAME_FIELD)
        for row in rows:
            audit_record(at=row.last_at, action="auth.login_failed", obj=accounts.get(row.username), data={
                "user": row.username, "ip": row.address, "agent": row.agent, "count": row.count,
                "refused": row.refused, "first_at": row.first_at.isoformat(), "last_at": row.last_at.isoformat(),
                "window": [row.window_start.isoformat(), (row.window_start + window_length()).isoformat()],
            })
            written += 1
        FailedSignIns.objects.filter(pk__in=[r.pk for r in rows]).update(audited_at=now)
        FailedSignIns.objects.filter(audited_at__isnull=False, window_start__lt=now - KEEP).delete()
    return written
