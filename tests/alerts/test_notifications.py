"""Reminders and escalations at fixed times: the expected messages to the expected
people, once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from obligations.alerts import notifications
from obligations.alerts.catch_up import summary_tasks
from obligations.alerts.told import BITS
from obligations.models import Notification, Occurrence, Role, UserPreferences
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from obligations.work.sweeps import obligations_materialize
from tests.concurrency import run_at_once
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user

H = timedelta(hours=1)


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


def test_each_recipient_reads_in_their_own_language(team):
    UserPreferences.objects.create(user=team["staff"], language="en")  # bob chose English; alice never chose
    run(SIGNED_AT)
    bob = Notification.objects.get(kind="opened", recipient=team["staff"])
    assert bob.subject.startswith("Task opened: ") and "Details: http" in bob.body and "条款" not in bob.body
    alice = Notification.objects.filter(kind="opened", recipient=team["officer"]).first()
    assert alice.subject.startswith("任务已开始:") and "详情:" in alice.body
    [digest] = Notification.objects.filter(kind="digest")  # bob's
    assert "tasks due today" in digest.subject and "My tasks: " in digest.body
    mails = {m.to[0]: [] for m in mail.outbox}
    for m in mail.outbox:
        mails[m.to[0]].append(m)
    assert all("Task opened" in m.subject or "due today" in m.subject for m in mails["bob@example.com"])
    assert all("任务已开始" in m.subject for m in mails["alice@example.com"])
    mail.outbox.clear()
    UserPreferences.objects.update_or_create(user=team["supervisor"], defaults={"language": "en"})
    run(SIGNED_AT + 8 * H)  # missed: the supervisory group hears, in sue's English
    [group] = Notification.objects.filter(kind="escalate_group")
    assert group.subject.startswith("For the supervisory group: ")
    assert [m.subject for m in mail.outbox if m.to == ["sue@example.com"]] == [f"【Pledge】{group.subject}"]


def test_a_message_is_worded_once_per_language_not_per_person(team, monkeypatch):
    worded = []
    real = notifications.message
    monkeypatch.setattr(notifications, "message", lambda kind, occ: worded.append((kind, occ.pk)) or real(kind, occ))
    other = make_user("bea", team["staff"].memberships.get().platform, Role.STAFF)  # a second doer of check 2
    UserPreferences.objects.create(user=other, language="en")
    run(SIGNED_AT)
    opened = {(n.recipient.username, n.subject[:4]) for n in Notification.objects.filter(
        kind="opened", occurrence__obligation__key="三.2").select_related("recipient")}
    assert opened == {("bob", "任务已开始"[:4]), ("bea", "Task")}
    assert len(worded) == len(set(worded)) + 1  # check 2: once in Chinese, once in English


def test_a_completed_task_gets_no_more_reminders(team):
    run(SIGNED_AT + 7.5 * H)
    mail.outbox.clear()
    completion_with_evidence(occurrence=check(3), user=team["staff"], note="", now=SIGNED_AT + 7.5 * H,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    run(SIGNED_AT + 14.5 * H)  # 23:30: check 3 would be due within the hour
    assert ("三.2", 3, "bob") not in planned("due_soon")
    assert not any("#3" in m.subject for m in mail.outbox)


def python_candidates(now):
    """The rules as the Python functions say them, on every open or overdue task."""
    from obligations.trust.access import Doers

    K, S = Notification.Kind, Occurrence.State
    todo = list(Occurrence.objects.filter(state__in=Occurrence.TODO_STATES).select_related("obligation"))
    doers = Doers(todo)
    sent = {(pk, kind) for pk, told in Occurrence.objects.values_list("pk", "told") for kind, bit in BITS.items()
            if told & bit}  # planned already: alone, or in a catch-up
    out = {k: set() for k in (K.OPENED, K.DUE_SOON, K.ESCALATE_OFFICER, K.ESCALATE_GROUP)}
    for o in todo:
        ob, overdue = o.obligation, o.due_at <= now and o.due_at > now - notifications.LOOKBACK
        if o.state == S.OPEN and o.opens_at <= now < o.due_at and doers.doers(o):
            if o.opens_at > now - timedelta(days=1):
                out[K.OPENED].add(o.pk)
            if o.due_at - notifications.reminder_lead(ob) <= now:
                out[K.DUE_SOON].add(o.pk)
        if overdue and now >= o.due_at + notifications.officer_threshold(ob) and doers.role(o, Role.OFFICER):
            out[K.ESCALATE_OFFICER].add(o.pk)
        if overdue and notifications.group_due(o, now) and doers.role(o, Role.SUPERVISOR):
            out[K.ESCALATE_GROUP].add(o.pk)
    return {k: {pk for pk in v if (pk, k) not in sent} for k, v in out.items()}


def test_the_sql_tests_select_what_the_python_rules_say(team, settings):
    from obligations.models import Obligation

    settings.PLEDGE_REMINDER_LEAD = {**settings.PLEDGE_REMINDER_LEAD, "daily": 90}
    ob = Obligation.objects.get(key="三.2")
    ob.grace_minutes, ob.escalate_group_minutes = 20, 45
    ob.save()
    obligations_materialize(now=SIGNED_AT + 72 * H)
    for hours in (0, 5.5, 6.5, 7.4, 7.6, 8, 30, 50, 71):
        now = SIGNED_AT + hours * H
        found = {k: {o.pk for o in v} for k, v in notifications.plan_candidates(now=now).items()}
        assert found == python_candidates(now), hours
        notifications.notifications_plan(now=now, digests=False)


def test_a_platform_without_a_supervisor_reloads_no_group_candidates(signed_letter, officer, staff):
    for hours in (0, 24, 48, 72):
        sweep(now=SIGNED_AT + hours * H)
    assert Occurrence.objects.filter(state="missed").count() > 5
    candidates = notifications.plan_candidates(now=SIGNED_AT + 72 * H)
    assert candidates[Notification.Kind.ESCALATE_GROUP] == []  # nobody to tell: nothing loaded, every minute
    assert not Notification.objects.filter(kind="escalate_group").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_count_each_row_once(team):
    obligations_materialize(now=SIGNED_AT + 30 * H)
    counts = []
    errors = run_at_once(2, lambda: counts.append(notifications.notifications_plan(now=SIGNED_AT + 30 * H)))
    catch_ups = Notification.objects.filter(kind=Notification.Kind.CATCH_UP)
    told = [(m.recipient_id, *pair) for m in catch_ups for pair in summary_tasks(m.summary)]
    assert errors == [] and sum(counts) == Notification.objects.count() + len(told) > 0
    # Both caught up late notices: each person has one catch-up, telling of each once, and no row of its own.
    assert sorted(catch_ups.values_list("recipient__username", flat=True)) == ["alice", "bob"]  # sue: none late
    assert len(told) == len(set(told)) and not Notification.objects.filter(catch_up__isnull=False).exists()
    for message in catch_ups:
        tasks = summary_tasks(message.summary)
        lines = [line[3] for line in message.summary["lines"]]
        assert len(lines) == min(len(tasks), 20) and all(line in message.body.split("\n") for line in lines)
        assert f" {len(tasks)} " in message.subject
    alone = set(Notification.objects.exclude(kind=Notification.Kind.CATCH_UP).values_list("kind", "occurrence_id"))
    assert not alone & {(kind, pk) for _user, kind, pk in told}  # a task's kind told alone or in a catch-up, not both
