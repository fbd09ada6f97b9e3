"""After downtime, one catch-up message per person and day, folding its late rows in the
same transaction: counts per kind, the first lines by name, the inbox link."""

from datetime import timedelta

import pytest

from obligations.alerts import notifications
from obligations.alerts.catch_up import CATCH_UP_LINES, fold_late
from obligations.alerts.outbox import json_rows
from obligations.models import Notification, Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)
K = Notification.Kind
COLUMNS = ("recipient_id", "kind", "occurrence_id", "subject", "body")


def late(user, occurrences, kind=K.ESCALATE_OFFICER):
    """A source of late rows for `user`, one per occurrence, subjects 检查 <pk>."""
    rows = [{"recipient_id": user.pk, "kind": kind, "occurrence_id": o.pk, "subject": f"检查 {o.pk}", "body": "b"}
            for o in occurrences]
    source, params = json_rows(rows, COLUMNS)
    return (f"SELECT r.recipient_id, r.kind, r.occurrence_id, r.subject, r.body FROM {source} WHERE true", params)


@pytest.fixture
def tasks(team):
    obligations_materialize(now=SIGNED_AT + 72 * H)
    return list(Occurrence.objects.order_by("due_at", "pk")[:40])


def folded(message):
    return sorted(message.folded.values_list("occurrence_id", flat=True))


def test_a_second_catch_up_the_same_day_joins_the_first_until_it_is_sent(team, tasks):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    assert fold_late([late(staff, tasks[:1])], at) == 2  # the row and its catch-up
    assert fold_late([late(staff, tasks[1:3])], at + H) == 2  # merged: the rows only
    first = Notification.objects.get(kind=K.CATCH_UP)
    assert folded(first) == sorted(o.pk for o in tasks[:3]) and " 3 " in first.subject
    assert first.body.split("\n")[1:-1] == ["逾期上报合规负责人:3 条"] + [f"检查 {o.pk}" for o in tasks[:3]]
    assert first.body.endswith("/notifications/")
    rows = Notification.objects.exclude(kind=K.CATCH_UP)
    assert set(rows.values_list("sent_at", flat=True)) == {at, at + H}  # delivered in the app, with the catch-up
    notifications.claim(now=at + H)  # on its way: a later catch-up is a message of its own
    assert fold_late([late(staff, tasks[3:4])], at + 2 * H) == 2
    # Another sweep catching up the same day joins that later message, while it waits.
    assert fold_late([late(staff, tasks[4:5], K.OPENED)], at + 3 * H) == 1
    later = Notification.objects.filter(kind=K.CATCH_UP).exclude(pk=first.pk).get()
    assert folded(later) == sorted(o.pk for o in tasks[3:5]) and " 2 " in later.subject
    assert "任务已开始:1 条" in later.body and "逾期上报合规负责人:1 条" in later.body
    first.refresh_from_db()
    assert " 3 " in first.subject
    # The next day starts afresh; a row planned already is not folded twice.
    assert fold_late([late(staff, tasks[5:6] + tasks[:1])], at + 24 * H) == 2
    assert Notification.objects.filter(kind=K.CATCH_UP).count() == 3
    assert Notification.objects.exclude(kind=K.CATCH_UP).filter(catch_up__isnull=True).count() == 0


def test_a_long_list_names_the_first_rows_and_counts_the_rest(team, tasks):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    fold_late([late(staff, tasks[:30]), late(staff, tasks[:5], K.ESCALATE_GROUP)], at)
    [message] = Notification.objects.filter(kind=K.CATCH_UP)
    lines = message.body.split("\n")
    named = [line for line in lines if line.startswith("检查 ")]
    assert len(named) == CATCH_UP_LINES and " 35 " in message.subject
    assert "逾期上报合规负责人:30 条" in lines and "逾期上报监督小组:5 条" in lines
    assert f"……另有 {35 - CATCH_UP_LINES} 条,见站内通知" in lines


def test_a_catch_up_is_worded_in_its_recipients_language(team, tasks):
    from obligations.models import UserPreferences

    UserPreferences.objects.create(user=team["staff"], language="en")
    fold_late([late(team["staff"], tasks[:2])], SIGNED_AT + 30 * H)
    [message] = Notification.objects.filter(kind=K.CATCH_UP)
    assert "停机" not in message.subject and "条" not in message.body


def test_a_failure_while_folding_leaves_neither_rows_nor_catch_up(team, tasks, monkeypatch):
    from obligations.alerts import catch_up

    def boom(cursor):
        raise RuntimeError("cut short")  # as a time limit would, after the rows went in

    monkeypatch.setattr(catch_up, "_reword", boom)
    with pytest.raises(RuntimeError):
        fold_late([late(team["officer"], tasks[:2])], SIGNED_AT + 30 * H)
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert fold_late([late(team["officer"], tasks[:2])], SIGNED_AT + 30 * H) == 3  # and the next try does it all


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_catching_up_after_the_first_went_out_write_one_more_message(team):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    obligations_materialize(now=SIGNED_AT + 72 * H)
    tasks = list(Occurrence.objects.order_by("due_at", "pk")[:3])
    fold_late([late(staff, tasks[:1])], at)
    notifications.claim(now=at)
    sources = iter([late(staff, tasks[1:2]), late(staff, tasks[2:3])])
    errors = run_at_once(2, lambda: fold_late([next(sources)], at + H))
    later = Notification.objects.filter(kind=K.CATCH_UP, digest_date__isnull=True)
    assert errors == [] and later.count() == 1 and folded(later.get()) == sorted(o.pk for o in tasks[1:])
    assert " 2 " in later.get().subject
