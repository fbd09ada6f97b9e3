"""After downtime, one catch-up message per person and day, telling of its late notices in the
transaction that marks their tasks told: counts per kind, the first lines by name, the link
to My tasks; no row per late notice."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse

from obligations.alerts import catch_up, notifications
from obligations.alerts.catch_up import CATCH_UP_LINES, OWED, create_owed, fold, summary_tasks
from obligations.alerts.outbox import json_rows
from obligations.models import Notification, Occurrence
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)
K = Notification.Kind


def named(owed):
    return {row: f"检查 {row[2]}" for row in owed}


def fold_late(user, occurrences, at, kind=K.ESCALATE_OFFICER):
    """Fold notices of `kind` about `occurrences` for `user`, lines 检查 <pk>, as a plan does."""
    rows = [{"recipient_id": user.pk, "kind": kind, "occurrence_id": o.pk, "created_at": o.due_at}
            for o in occurrences]
    source, params = json_rows(rows, ("recipient_id", "kind", "occurrence_id", "created_at"))
    with transaction.atomic(), connection.cursor() as cursor:
        create_owed(cursor)
        cursor.execute(f"INSERT INTO {OWED} (recipient_id, kind, occurrence_id, due_at) "
                       f"SELECT r.recipient_id, r.kind, r.occurrence_id, r.created_at FROM {source}", params)
        written = fold(cursor, at, named)
        cursor.execute(f"DROP TABLE {OWED}")
    return written


@pytest.fixture
def tasks(team):
    obligations_materialize(now=SIGNED_AT + 72 * H)
    return list(Occurrence.objects.order_by("due_at", "pk")[:40])


def told_of(message):
    return sorted(pk for _kind, pk in summary_tasks(message.summary))


def test_a_second_catch_up_the_same_day_joins_the_first_until_it_is_sent(team, tasks):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    assert fold_late(staff, tasks[:1], at) == 2  # the notice and its catch-up
    assert fold_late(staff, tasks[1:3], at + H) == 2  # merged: the notices only
    first = Notification.objects.get(kind=K.CATCH_UP)
    assert told_of(first) == sorted(o.pk for o in tasks[:3]) and " 3 " in first.subject
    assert first.body.split("\n")[1:-1] == ["逾期上报合规负责人:3 条"] + [f"检查 {o.pk}" for o in tasks[:3]]
    assert first.body.endswith("/tasks/")
    assert Notification.objects.count() == 1  # no row per notice
    notifications.claim(now=at + H)  # on its way: a later catch-up is a message of its own
    assert fold_late(staff, tasks[3:4], at + 2 * H) == 2
    # Another sweep catching up the same day joins that later message, while it waits.
    assert fold_late(staff, tasks[4:5], at + 3 * H, K.OPENED) == 1
    later = Notification.objects.filter(kind=K.CATCH_UP).exclude(pk=first.pk).get()
    assert told_of(later) == sorted(o.pk for o in tasks[3:5]) and " 2 " in later.subject
    assert "任务已开始:1 条" in later.body and "逾期上报合规负责人:1 条" in later.body
    first.refresh_from_db()
    assert " 3 " in first.subject
    assert fold_late(staff, tasks[5:6], at + 24 * H) == 2  # the next day starts afresh
    assert Notification.objects.filter(kind=K.CATCH_UP).count() == 3


def test_a_long_list_names_the_earliest_due_and_counts_the_rest(team, tasks):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    fold_late(staff, tasks[10:30], at)
    fold_late(staff, tasks[:10] + tasks[30:35], at, K.ESCALATE_GROUP)  # merged: the earliest due lead
    [message] = Notification.objects.filter(kind=K.CATCH_UP)
    lines = message.body.split("\n")
    assert [line for line in lines if line.startswith("检查 ")] == [f"检查 {o.pk}" for o in tasks[:CATCH_UP_LINES]]
    assert " 35 " in message.subject and len(told_of(message)) == 35
    assert "逾期上报合规负责人:20 条" in lines and "逾期上报监督小组:15 条" in lines
    assert any(line.startswith(f"……另有 {35 - CATCH_UP_LINES} 条,站内通知中列出全部:http") for line in lines)


def test_the_inbox_lists_every_task_a_catch_up_tells_of(client, team, tasks):
    """Beyond the lines a message names, the rest are listed where the reader can open each:
    My tasks need not show them (a task of the group's, one done since)."""
    staff, at = team["staff"], SIGNED_AT + 30 * H
    fold_late(staff, tasks[:35], at)
    Notification.objects.filter(kind=K.CATCH_UP).update(sent_at=at)
    client.force_login(staff)
    html = client.get(reverse("notifications")).content.decode()
    listed = re.findall(r'<li><a href="/occurrences/(\d+)/">', html.split('class="small mt-1 catch-up-tasks"')[1])
    assert listed == [str(o.pk) for o in sorted(tasks[:35], key=lambda o: (o.due_at, o.pk))]
    assert "全部 35 项任务" in html


def test_a_catch_up_is_worded_in_its_recipients_language(team, tasks):
    from obligations.models import UserPreferences

    UserPreferences.objects.create(user=team["staff"], language="en")
    fold_late(team["staff"], tasks[:2], SIGNED_AT + 30 * H)
    [message] = Notification.objects.filter(kind=K.CATCH_UP)
    assert "停机" not in message.subject and "条" not in message.body and "My tasks: http" in message.body


def test_a_plan_cut_short_while_folding_leaves_every_task_to_plan(team, monkeypatch):
    at = SIGNED_AT + 30 * H
    obligations_materialize(now=at)
    occurrences_close_out(now=at)

    def boom(*args):
        raise RuntimeError("cut short")  # as a time limit would, after the tasks were marked told

    monkeypatch.setattr(catch_up, "_reword", boom)
    with pytest.raises(RuntimeError):
        notifications._plan_late({k: q for k, q in notifications.candidate_querysets(now=at).items()}, at)
    assert not Notification.objects.exists() and not Occurrence.objects.exclude(told=0).exists()
    monkeypatch.undo()
    assert notifications.notifications_plan(now=at, digests=False) > 0  # and the next plan does it all
    told = {(m.recipient_id, *pair) for m in Notification.objects.filter(kind=K.CATCH_UP)
            for pair in summary_tasks(m.summary)}
    assert len(told) >= 6 and notifications.notifications_plan(now=at, digests=False) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_catching_up_after_the_first_went_out_write_one_more_message(team):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    obligations_materialize(now=SIGNED_AT + 72 * H)
    tasks = list(Occurrence.objects.order_by("due_at", "pk")[:3])
    fold_late(staff, tasks[:1], at)
    notifications.claim(now=at)
    parts = iter([tasks[1:2], tasks[2:3]])
    errors = run_at_once(2, lambda: fold_late(staff, next(parts), at + H))
    later = Notification.objects.filter(kind=K.CATCH_UP, digest_date__isnull=True)
    assert errors == [] and later.count() == 1 and told_of(later.get()) == sorted(o.pk for o in tasks[1:])
    assert " 2 " in later.get().subject
