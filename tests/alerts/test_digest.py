"""The daily digest (alerts/digest.py): after the digest hour, once a day per person."""


from django.core import mail

from obligations.models import Notification
from tests.alerts.test_notifications import H, check, planned, run  # noqa: F401
from tests.conftest import SIGNED_AT


def test_daily_digest_after_eight(team):
    run(SIGNED_AT)
    mail.outbox.clear()
    tuesday = Notification.objects.filter(kind="digest", digest_date=(SIGNED_AT + 24 * H).date())
    run(SIGNED_AT + 22 * H)  # Tuesday 07:00: no digest yet
    assert not tuesday.exists()
    run(SIGNED_AT + 23 * H)  # Tuesday 08:00
    digests = {n.recipient.username: n for n in tuesday}
    assert set(digests) == {"bob"}  # alice has nothing due today or overdue
    assert "三.2" in digests["bob"].body and "逾期" in digests["bob"].subject
    run(SIGNED_AT + 24 * H)
    assert tuesday.count() == 1
