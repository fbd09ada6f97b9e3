"""The outbox counts the rows really written."""

import time_machine

from obligations.alerts import notifications
from obligations.alerts.outbox import insert_notifications
from obligations.models import Notification, Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT


def test_counts_are_the_rows_really_written(team):
    N = Notification
    row = N(recipient=team["staff"], kind=N.Kind.DIGEST, digest_date=SIGNED_AT.date(), subject="s", body="",
            created_at=SIGNED_AT)
    twin = N(recipient=team["staff"], kind=N.Kind.DIGEST, digest_date=SIGNED_AT.date(), subject="t", body="",
             created_at=SIGNED_AT)
    assert len(insert_notifications([row, twin])) == 1  # bulk_create said 2
    with time_machine.travel(SIGNED_AT, tick=False):
        obligations_materialize(now=SIGNED_AT)
        first = notifications.notifications_plan(now=SIGNED_AT)
        assert first == Notification.objects.count() - 1
        assert notifications.notifications_plan(now=SIGNED_AT) == 0  # nothing planned twice
        row = Notification.objects.filter(kind="opened").first()
        row.delete()
        Occurrence.objects.filter(pk=row.occurrence_id).update(told=0)  # as if never planned
        assert notifications.notifications_plan(now=SIGNED_AT) == 1
