"""After downtime: the messages that should have gone out long ago are written as delivered
in the app, and each person gets one catch-up message that lists them, however many sweeps
caught up at once: one a day, and one more only for rows caught up after it went out."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Notification
from ..schedule.periods import local_midnight
from .outbox import insert_notifications

UNSENT = {"claimed_at__isnull": True, "sent_at__isnull": True, "cancelled_at__isnull": True}


def _catch_up_text(subjects) -> tuple[str, str]:
    subjects = sorted(" ".join(s.split()) for s in subjects)  # one line each: the body lists them by line
    subject = _("停机期间未能按时发送的通知 %(n)d 条") % {"n": len(subjects)}
    body = (_("调度恢复后汇总如下,每条详情见站内通知:") + "\n" + "\n".join(subjects) + "\n"
            + _("站内通知:%(link)s") % {"link": absolute_url("notifications")})
    return subject, body


def catch_up(user_id, subjects: list[str], language: str, now) -> int:
    """One catch-up message at a time per person and day. The day's first is keyed by (person,
    day) in the database; a sweep that finds it written already locks it, so sweeps catching up
    for the same person take turns, and adds its rows to the day's message not yet claimed for
    sending (the first, or the one written after it went out), or writes that next one.
    Returns the messages written (0 when merged)."""
    day = timezone.localdate(now)
    mine = Notification.objects.filter(recipient_id=user_id, kind=Notification.Kind.CATCH_UP)
    with translation.override(language), transaction.atomic():
        subject, body = _catch_up_text(subjects)
        row = Notification(recipient_id=user_id, kind=Notification.Kind.CATCH_UP, digest_date=day, created_at=now,
                           subject=subject, body=body)
        if insert_notifications([row]):
            return 1
        first = mine.select_for_update().get(digest_date=day)  # the turn of this person's catch-ups
        waiting = first.claimed_at is None and first.sent_at is None and first.cancelled_at is None
        pending = first if waiting else (
            mine.select_for_update().filter(digest_date__isnull=True, **UNSENT,
                                            created_at__gte=local_midnight(day, timezone.get_default_timezone()))
            .order_by("-pk").first())
        if pending is None:
            row.digest_date = None  # the day's first is on its way: this one goes out after it
            return len(insert_notifications([row]))
        # The body lists one subject per line between its first line and the link (_catch_up_text).
        listed = pending.body.split("\n")[1:-1]
        pending.subject, pending.body = _catch_up_text(listed + list(subjects))
        pending.save(update_fields=["subject", "body"])
        return 0
