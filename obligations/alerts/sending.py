"""Sending the outbox: `notifications_send` claims unsent rows with one set-based UPDATE …
RETURNING per batch (locked rows skipped) and marks the delivered ones sent with another. A
claim whose worker died is retried once after PLEDGE_SEND_RETRY_MINUTES, marked as a repeat: a
message goes out at most twice. A mail server error releases the unsent rest of the batch and
raises, so the Celery task retries with backoff. Besides email, a row goes to its platform's group
robots and its person's SMS, each at most once (deliveries.py)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Notification, Occurrence
from .deliveries import Routes
from .outbox import placeholders

# Sending: claim, deliver, mark. Separate steps so a test can stop between them.

def claim(*, now, batch=200) -> list[Notification]:
    """Claim unsent rows (new ones, and stale claims once more) with one UPDATE …
    RETURNING; rows another sender holds are skipped. A row sent twice at worst already
    is cancelled rather than sent a third time."""
    table = Notification._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    retry_before = now - timedelta(minutes=settings.PLEDGE_SEND_RETRY_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # nosec B608 - table and column names from the model, values as parameters
            "attempts = CASE WHEN attempts >= 2 THEN attempts ELSE attempts + 1 END, "
            "repeat = CASE WHEN attempts >= 2 THEN repeat ELSE attempts >= 1 END, "
            "claimed_at = CASE WHEN attempts >= 2 THEN claimed_at ELSE %s END, "
            "cancelled_at = CASE WHEN attempts >= 2 THEN %s ELSE NULL END "
            f"WHERE id IN (SELECT id FROM {table} WHERE sent_at IS NULL AND cancelled_at IS NULL "
            "AND (claimed_at IS NULL OR claimed_at < %s) "
            f"ORDER BY created_at, id LIMIT %s{lock}) "
            "RETURNING id, cancelled_at",  # (SQLite got "cancelled_at IS NULL" wrong here)
            [adapt(now), adapt(now), adapt(retry_before), batch],
        )
        ids = [pk for pk, cancelled in cursor.fetchall() if cancelled is None]
    if not ids:
        return []
    return list(Notification.objects.filter(pk__in=ids).select_related("recipient", "occurrence", "case")
                .order_by("created_at", "id"))


def deliver(n: Notification, routes: Routes | None = None) -> bool:
    """Send one claimed row to its channels (deliveries.py): its platform's group robots, its
    person's SMS, and email when they chose it or a channel failed; False if its task no
    longer needs it."""
    occ = n.occurrence
    if occ is not None and occ.state not in Occurrence.TODO_STATES:
        return False

    def mail():
        if n.recipient.email:
            prefix = _("[重复] ") if n.repeat else ""
            send_mail(f"【Pledge】{prefix}{n.subject}", n.body, None, [n.recipient.email])

    (routes or Routes([n])).deliver(n, mail)
    return True


def _update_ids(sql_set: str, params: list, ids: list[int]) -> int:
    """Update a batch's rows, locking them in id order: a planner folding into catch-ups locks
    them in that order too (catch_up.fold_late), so a sender and a planner never wait on each
    other in a circle (a deadlock)."""
    if not ids:
        return 0
    table = Notification._meta.db_table
    rows = f"id IN ({placeholders(ids)}) AND sent_at IS NULL"
    if connection.vendor == "postgresql":
        rows = f"id IN (SELECT id FROM {table} WHERE {rows} ORDER BY id FOR UPDATE)"  # nosec B608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sql_set} WHERE {rows} AND sent_at IS NULL RETURNING id",  # nosec B608 - table and column names from the model, values as parameters
                       [*params, *ids])
        return len(cursor.fetchall())


def mark_sent(ids: list[int], now) -> int:
    """One UPDATE … RETURNING for a batch: how many were really marked (not by another sender)."""
    return _update_ids("sent_at = %s", [connection.ops.adapt_datetimefield_value(now)], ids)


def notifications_cancel(ids: list[int], now) -> int:
    return _update_ids("cancelled_at = %s", [connection.ops.adapt_datetimefield_value(now)], ids)


def notifications_release(ids: list[int]) -> int:
    """Give back claims that were never delivered (the mail server failed): they are
    sent on the next try as if new, not marked as a repeat."""
    return _update_ids("claimed_at = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
                       "repeat = %s", [False], ids)


def send_batch(rows: list[Notification], now) -> int:
    """Deliver a claimed batch, then mark it in one statement; on a mail error the
    delivered ones are marked, the rest released, and the error raised."""
    delivered, cancelled, tried = [], [], set()
    routes = Routes(rows)  # the rows' channels, and their people's languages
    languages = routes.languages
    try:
        for n in rows:
            with translation.override(languages[n.recipient_id]):  # the recipient's language
                (delivered if deliver(n, routes) else cancelled).append(n.pk)
            tried.add(n.pk)
    except Exception:
        notifications_release([n.pk for n in rows if n.pk not in tried])
        raise
    finally:
        sent = mark_sent(delivered, now)
        notifications_cancel(cancelled, now)
    return sent


def notifications_send(*, now, batch=200) -> int:
    sent = 0
    while True:
        rows = claim(now=now, batch=batch)
        if not rows:
            return sent
        sent += send_batch(rows, now)
