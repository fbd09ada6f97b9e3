"""Sending the outbox (alerts/sending.py): each message once, at most twice after a worker dies, a
batch claimed and marked in one statement each, a mail server error giving back what did not go."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from obligations.alerts import notifications, sending
from obligations.models import Notification
from obligations.work.sweeps import obligations_materialize
from tests.alerts.test_notifications import H, check, planned, run  # noqa: F401
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT


def test_a_worker_killed_after_sending_sends_at_most_once_more_marked_repeat(team):
    with time_machine.travel(SIGNED_AT, tick=False):
        obligations_materialize(now=SIGNED_AT)
        notifications.notifications_plan(now=SIGNED_AT)
        [first, *_] = notifications.claim(now=SIGNED_AT)
        first.recipient  # noqa: B018
        notifications.deliver(first)  # sent... and the worker dies before marking it
    assert len([m for m in mail.outbox if m.subject.endswith(first.subject)]) == 1
    run(SIGNED_AT + timedelta(minutes=5))  # the claim is fresh: nobody resends yet
    assert len([m for m in mail.outbox if m.subject.endswith(first.subject)]) == 1
    run(SIGNED_AT + timedelta(minutes=11))
    resent = [m for m in mail.outbox if m.subject.endswith(first.subject)]
    assert len(resent) == 2 and "[重复]" in resent[1].subject
    first.refresh_from_db()
    assert first.repeat and first.sent_at is not None
    run(SIGNED_AT + timedelta(minutes=30))
    assert len([m for m in mail.outbox if m.subject.endswith(first.subject)]) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_once(team):
    with time_machine.travel(SIGNED_AT, tick=False):
        obligations_materialize(now=SIGNED_AT)
        sweep_rows = notifications.notifications_plan(now=SIGNED_AT)  # nothing sent yet
    errors = run_at_once(2, lambda: notifications.notifications_send(now=SIGNED_AT))
    assert errors == [] and len(mail.outbox) == sweep_rows
    assert Notification.objects.filter(sent_at__isnull=False, repeat=False).count() == sweep_rows


# At scale: the tests in SQL, the counts of rows really written, one UPDATE per batch.

def test_claim_and_mark_sent_are_one_update_each_per_batch(team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for hours in (0, 24, 48):
        with time_machine.travel(SIGNED_AT + hours * H, tick=False):
            obligations_materialize(now=SIGNED_AT + hours * H)
            notifications.notifications_plan(now=SIGNED_AT + hours * H)
    unsent = Notification.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True).count()
    assert unsent > 5
    with CaptureQueriesContext(connection) as ctx:
        sent = notifications.notifications_send(now=SIGNED_AT + 48 * H, batch=4)
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    batches = -(-unsent // 4)
    assert sent + Notification.objects.filter(cancelled_at__isnull=False).count() == unsent
    assert all("RETURNING" in sql for sql in updates)
    assert len(updates) <= 3 * batches  # claim, mark sent (and cancel, if any) per batch: not one per row
    assert len(ctx.captured_queries) <= 6 * batches + 1  # and one for the robots of the batch's platforms


def test_a_mail_server_error_marks_what_went_and_gives_back_the_rest(team, monkeypatch):
    import smtplib

    with time_machine.travel(SIGNED_AT, tick=False):
        obligations_materialize(now=SIGNED_AT)
        notifications.notifications_plan(now=SIGNED_AT)
    rows = notifications.claim(now=SIGNED_AT)
    real, calls = sending.send_mail, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "send_mail", flaky)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.send_batch(rows, SIGNED_AT)
    assert Notification.objects.filter(sent_at__isnull=False).count() == 1
    released = Notification.objects.filter(sent_at__isnull=True, claimed_at__isnull=True)
    assert released.count() == len(rows) - 1 and set(released.values_list("attempts", flat=True)) == {0}
    monkeypatch.setattr(sending, "send_mail", real)
    mail.outbox.clear()
    assert notifications.notifications_send(now=SIGNED_AT) == len(rows) - 1  # the retry sends them, not as repeats
    assert not any("[重复]" in m.subject for m in mail.outbox)


# A message about a case's clock names the case and the step.
