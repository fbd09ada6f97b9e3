"""The history of one task: its own times, then every change from the audit trail, in order."""

from datetime import timedelta

import pytest

from obligations.models import Occurrence
from obligations.work.history import occurrence_history
from obligations.work.occurrences import occurrence_complete, occurrence_reopen, occurrence_waive
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT

MINUTE = timedelta(minutes=1)


@pytest.fixture
def checks(signed_letter):
    obligations_materialize(now=SIGNED_AT)
    return Occurrence.objects.filter(obligation__key="三.2").order_by("due_at")


@pytest.fixture
def evening_check(checks):
    """Monday's 16:00–24:00 check: made at signing (09:00), before it opens."""
    occ = checks.filter(opens_at__gt=SIGNED_AT).first()
    assert occ.created_at == SIGNED_AT < occ.opens_at
    return occ


def history(occ):
    return [(s.at, s.label, s.actor, s.detail) for s in occurrence_history(Occurrence.objects.get(pk=occ.pk))]


def test_an_untouched_task_shows_when_it_was_made_opens_and_is_due(evening_check):
    assert history(evening_check) == [
        (SIGNED_AT, "生成", None, ""),
        (evening_check.opens_at, "开始", None, ""),
        (evening_check.due_at, "到期", None, ""),
    ]


def test_late_completion_reopen_and_completion_again_follow_in_time_order(evening_check, staff, officer):
    late, reopened, again = (evening_check.due_at + 10 * MINUTE, evening_check.due_at + 20 * MINUTE,
                             evening_check.due_at + 30 * MINUTE)
    occurrence_complete(occurrence=evening_check, user=staff, now=late, evidence_count=1)
    occurrence_reopen(occurrence=evening_check, user=officer, reason="记录不完整", now=reopened)
    occurrence_complete(occurrence=evening_check, user=staff, now=again, evidence_count=1)
    assert history(evening_check) == [
        (SIGNED_AT, "生成", None, ""),
        (evening_check.opens_at, "开始", None, ""),
        (evening_check.due_at, "到期", None, ""),
        (late, "完成", staff, "逾期完成"),
        (reopened, "重新打开", officer, "记录不完整"),
        (again, "完成", staff, "逾期完成"),
    ]


def test_an_on_time_completion_comes_before_the_due_time_and_is_not_marked_late(evening_check, staff):
    done = evening_check.opens_at + 5 * MINUTE
    occurrence_complete(occurrence=evening_check, user=staff, now=done, evidence_count=1)
    steps = history(evening_check)
    assert [label for _, label, _, _ in steps] == ["生成", "开始", "完成", "到期"]
    assert steps[2] == (done, "完成", staff, "")


def test_a_missed_and_waived_task_shows_both_with_the_reason(evening_check, officer):
    occurrences_close_out(now=evening_check.close_at)
    waived = evening_check.close_at + 5 * MINUTE
    occurrence_waive(occurrence=evening_check, user=officer, reason="机房停电", now=waived)
    assert history(evening_check)[-2:] == [
        (evening_check.close_at, "判定为未完成", None, ""),
        (waived, "豁免", officer, "机房停电"),
    ]


def test_the_history_holds_only_this_task(checks, evening_check, staff):
    other = checks.exclude(pk=evening_check.pk).filter(opens_at__lte=SIGNED_AT).first()
    occurrence_complete(occurrence=other, user=staff, now=SIGNED_AT, evidence_count=1)
    assert [label for _, label, _, _ in history(evening_check)] == ["生成", "开始", "到期"]
    assert "完成" in [label for _, label, _, _ in history(other)]


def test_the_steps_are_always_in_time_order(checks, staff, officer):
    occ = checks.filter(opens_at__lte=SIGNED_AT).first()  # opened 08:00, before it was made at 09:00
    occurrence_complete(occurrence=occ, user=staff, now=occ.due_at + MINUTE, evidence_count=1)
    occurrence_reopen(occurrence=occ, user=officer, reason="重做", now=occ.due_at + 2 * MINUTE)
    steps = occurrence_history(Occurrence.objects.get(pk=occ.pk))
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert [s.label for s in steps][:2] == ["开始", "生成"]
