"""After downtime: the messages that should have gone out long ago are written as delivered
in the app, and each person gets one catch-up message a day that lists them, however many
sweeps caught up at once."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Notification
from .outbox import insert_notifications


def _catch_up_text(subjects) -> tuple[str, str]:
    subjects = sorted(subjects)
    subject = _("停机期间未能按时发送的通知 %(n)d 条") % {"n": len(subjects)}
    body = (_("调度恢复后汇总如下,每条详情见站内通知:") + "\n" + "\n".join(subjects) + "\n"
            + _("站内通知:%(link)s") % {"link": absolute_url("notifications")})
    return subject, body


def catch_up(user_id, subjects: list[str], language: str, now) -> int:
    """One catch-up message per person and day: a concurrent sweep that caught up other late
    rows for the same person adds them to the message still unsent rather than write a
    second one. Once that message is claimed for sending, a new one is written beside it.
    Returns the messages written (0 when merged)."""
    day = timezone.localdate(now)
    with translation.override(language), transaction.atomic():
        subject, body = _catch_up_text(subjects)
        row = Notification(recipient_id=user_id, kind=Notification.Kind.CATCH_UP, digest_date=day, created_at=now,
                           subject=subject, body=body)
        if insert_notifications([row]):
            return 1
        earlier = (Notification.objects.select_for_update()
                   .filter(recipient_id=user_id, kind=Notification.Kind.CATCH_UP, digest_date=day,
                           claimed_at__isnull=True, sent_at__isnull=True, cancelled_at__isnull=True).first())
        if earlier is None:
            row.digest_date = None  # the day's message is on its way: this one goes out beside it
            return len(insert_notifications([row]))
        # The body lists one subject per line between its first line and the link (_catch_up_text).
        listed = earlier.body.split("\n")[1:-1]
        earlier.subject, earlier.body = _catch_up_text(listed + list(subjects))
        earlier.save(update_fields=["subject", "body"])
        return 0
