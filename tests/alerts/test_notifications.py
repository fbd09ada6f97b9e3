"""Reminders and escalations at fixed times: the expected messages to the expected
people, once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from obligations.alerts import notifications
from obligations.models import Notification, Occurrence, Role
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from obligations.work.sweeps import obligations_materialize
from tests.concurrency import run_at_once
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user

H = timedelta(hours=1)


@pytest.fixture
def team(signed_letter, officer, staff, platform):
    sue = make_user("sue", platform, Role.SUPERVISOR)
    for user in (officer, staff, sue):
        user.email = f"{user.username}@example.com"
        user.save()
    return {"officer": officer, "staff": staff, "supervisor": sue}


def check(n, day=SIGNED_AT):
    start = day.replace(hour=16) - timedelta(days=1)  # local midnight of the day, in UTC
    return Occurrence.objects.get(obligation__key="三.2", period_start=start, sequence=n)


def run(at):
    with time_machine.travel(at, tick=False):
        return sweep(now=at)


def planned(kind):
    return {(n.occurrence.obligation.key, n.occurrence.sequence, n.recipient.username)
            for n in Notification.objects.filter(kind=kind).select_related("occurrence__obligation", "recipient")}


def test_reminders_and_escalations_reach_the_right_people_once(team):
    run(SIGNED_AT)  # 09:00: check 2 (08–16) has opened; three one-time duties open at signing
    assert planned("opened") == {("三.2", 2, "bob"), ("三.1", 1, "alice"), ("三.6", 1, "alice"), ("四.2", 1, "alice")}
    # ... and it is past eight: bob's digest lists today's checks.
    assert [n.recipient.username for n in Notification.objects.filter(kind="digest")] == ["bob"]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com"] * 3 + ["bob@example.com"] * 2

    mail.outbox.clear()
    run(SIGNED_AT + 6 * H)  # 15:00: check 2 is due within the hour
    assert planned("due_soon") == {("三.2", 2, "bob")}
    assert [m.to for m in mail.outbox] == [["bob@example.com"]] and "即将到期" in mail.outbox[0].subject

    mail.outbox.clear()
    run(SIGNED_AT + 7.5 * H)  # 16:30: 30 minutes overdue -> the officer; check 3 opened at 16:00
    assert planned("escalate_officer") == {("三.2", 2, "alice")}
    assert planned("escalate_group") == set()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]

    mail.outbox.clear()
    run(SIGNED_AT + 8 * H)  # 17:00: past the grace, missed -> the supervisory group
    assert check(2).state == "missed"
    assert planned("escalate_group") == {("三.2", 2, "sue")}
    assert [m.to for m in mail.outbox] == [["sue@example.com"]]

    mail.outbox.clear()
    again = run(SIGNED_AT + 8 * H)
    assert (again["planned"], again["sent"]) == (0, 0) and mail.outbox == []


def test_a_completed_task_gets_no_more_reminders(team):
    run(SIGNED_AT + 7.5 * H)
    mail.outbox.clear()
    completion_with_evidence(occurrence=check(3), user=team["staff"], note="", now=SIGNED_AT + 7.5 * H,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    run(SIGNED_AT + 14.5 * H)  # 23:30: check 3 would be due within the hour
    assert ("三.2", 3, "bob") not in planned("due_soon")
    assert not any("#3" in m.subject for m in mail.outbox)


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
