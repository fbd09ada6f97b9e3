"""Completing, reopening and waiving one task: the states it may pass through, the
refusals worded for the user, and one audit record per change."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.db.models import F

from obligations.errors import DomainError
from obligations.models import AuditEvent, Completion, Obligation, Occurrence, Platform
from obligations.trust import membership as trust_membership
from obligations.work.occurrences import occurrence_complete, occurrence_reopen, occurrence_waive
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.cases.support import clocks, open_case
from tests.conftest import SIGNED_AT

NOW = SIGNED_AT + timedelta(hours=1)  # Monday 10:00 in Shanghai
MINUTE = timedelta(minutes=1)


@pytest.fixture
def checks(signed_letter):
    obligations_materialize(now=SIGNED_AT)
    return Occurrence.objects.filter(obligation__key="三.2").order_by("due_at")


@pytest.fixture
def check(checks):
    """The check running now (08:00–16:00); evidence is required for it."""
    return checks.get(opens_at__lte=NOW, due_at__gt=NOW)


@pytest.fixture
def later_check(checks, check):
    return checks.filter(opens_at__gt=NOW).first()


def events(occ, action):
    return list(AuditEvent.objects.filter(action=action, object_type="Occurrence", object_id=str(occ.pk)))


def complete(occ, user, at=NOW, **kw):
    return occurrence_complete(occurrence=occ, user=user, now=at, evidence_count=kw.pop("evidence_count", 1), **kw)


def reload(occ):
    return Occurrence.objects.get(pk=occ.pk)


def test_completion_marks_the_task_done_and_records_who_and_when(check, staff, platform):
    completion = complete(check, staff, note="巡检正常")
    check = reload(check)
    assert (check.state, check.completed_by, check.completed_at, check.state_changed_at) == ("done", staff, NOW, NOW)
    assert (completion.user, completion.note, completion.late, completion.corrects) == (staff, "巡检正常", False, None)
    [event] = events(check, "occurrence.complete")
    assert (event.actor, event.platform, event.at) == (staff, platform, NOW)
    assert event.data == {"state": "done", "completion": completion.pk, "late": False}


def test_second_completion_is_refused_naming_who_completed_it(check, staff, officer):
    complete(check, staff)
    with pytest.raises(DomainError, match="已由 bob 完成,无需重复提交"):
        complete(check, officer, at=NOW + MINUTE)
    assert Completion.objects.filter(occurrence=check).count() == 1
    assert reload(check).completed_by == staff
    assert len(events(check, "occurrence.complete")) == 1


def test_a_waived_task_cannot_be_completed(check, staff, officer):
    occurrence_waive(occurrence=check, user=officer, reason="系统停机维护", now=NOW)
    with pytest.raises(DomainError, match="已是“已豁免”状态"):
        complete(check, staff)
    assert reload(check).state == "waived" and not Completion.objects.exists()


def test_completion_before_the_task_opens_is_refused(later_check, staff):
    with pytest.raises(DomainError, match="尚未开始"):
        complete(later_check, staff, at=later_check.opens_at - MINUTE)
    assert reload(later_check).state == "open"
    assert not Completion.objects.exists() and not events(later_check, "occurrence.complete")


def test_completion_at_the_moment_the_task_opens_is_accepted(later_check, staff):
    complete(later_check, staff, at=later_check.opens_at)
    assert reload(later_check).state == "done"


def test_required_evidence_is_enforced(check, staff):
    with pytest.raises(DomainError, match=check.obligation.evidence_description) as refused:
        complete(check, staff, evidence_count=0)
    assert refused.value.field == "files"
    assert reload(check).state == "open"
    assert not Completion.objects.exists() and not events(check, "occurrence.complete")


def test_a_task_without_required_evidence_completes_with_a_note_alone(signed_letter, staff):
    respond = clocks(open_case(signed_letter.platform))["respond"]
    assert not respond.obligation.evidence_required
    complete(respond, staff, at=respond.opens_at + timedelta(hours=1), evidence_count=0, note="已电话回复")
    assert reload(respond).state == "done"


def test_a_failed_attachment_leaves_no_completion(check, staff):
    def attach(completion):
        raise DomainError("存储失败")

    with pytest.raises(DomainError, match="存储失败"):
        complete(check, staff, attach=attach)
    assert reload(check).state == "open"
    assert not Completion.objects.exists() and not events(check, "occurrence.complete")


@pytest.mark.parametrize("after_due,state", [(timedelta(0), "done"), (timedelta(seconds=1), "done_late"),
                                             (timedelta(minutes=30), "done_late")])
def test_completion_after_the_due_time_is_done_late(check, staff, after_due, state):
    completion = complete(check, staff, at=check.due_at + after_due)
    assert reload(check).state == state
    assert completion.late == (state == "done_late")
    [event] = events(check, "occurrence.complete")
    assert (event.data["state"], event.data["late"]) == (state, completion.late)


def test_a_missed_task_can_still_be_completed_late(check, staff):
    occurrences_close_out(now=check.close_at)
    assert reload(check).state == "missed"
    complete(check, staff, at=check.close_at + timedelta(hours=2))
    check = reload(check)
    assert check.state == "done_late" and check.completed_by == staff


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(check, staff, officer, reason):
    complete(check, staff)
    with pytest.raises(DomainError, match="必须填写理由") as refused:
        occurrence_reopen(occurrence=check, user=officer, reason=reason, now=NOW + MINUTE)
    assert refused.value.field == "reason"
    assert reload(check).state == "done"
    assert Completion.objects.get().reopened_at is None
    assert not events(check, "occurrence.reopen")


def test_only_a_completed_task_can_be_reopened(check, officer):
    with pytest.raises(DomainError, match="只有已完成的任务"):
        occurrence_reopen(occurrence=check, user=officer, reason="误操作", now=NOW)
    assert reload(check).state == "open" and not events(check, "occurrence.reopen")


def test_reopen_keeps_the_first_completion_and_the_next_one_corrects_it(check, staff, officer, platform):
    first = complete(check, staff, note="第一次")
    reopened_at = NOW + MINUTE
    occurrence_reopen(occurrence=check, user=officer, reason="记录不完整", now=reopened_at)
    check = reload(check)
    assert (check.state, check.completed_by, check.completed_at, check.state_changed_at) == (
        "open", None, None, reopened_at)
    first.refresh_from_db()
    assert (first.reopened_at, first.reopened_by, first.reopen_reason) == (reopened_at, officer, "记录不完整")
    assert (first.user, first.note) == (staff, "第一次")
    [event] = events(check, "occurrence.reopen")
    assert (event.actor, event.platform, event.data) == (officer, platform, {"reason": "记录不完整", "state": "open"})

    second = complete(check, staff, at=NOW + 2 * MINUTE, note="第二次")
    assert second.corrects == first
    assert list(Completion.objects.filter(occurrence=check, reopened_at__isnull=True)) == [second]
    assert Completion.objects.filter(occurrence=check).count() == 2


def test_reopening_after_the_close_time_leaves_the_task_missed(check, staff, officer):
    complete(check, staff)
    occurrence_reopen(occurrence=check, user=officer, reason="佐证材料有误", now=check.close_at)
    assert reload(check).state == "missed"
    [event] = events(check, "occurrence.reopen")
    assert event.data["state"] == "missed"


def test_reopening_a_late_completion_before_the_close_time_leaves_it_open(check, staff, officer):
    complete(check, staff, at=check.due_at + MINUTE)
    occurrence_reopen(occurrence=check, user=officer, reason="补录", now=check.close_at - MINUTE)
    assert reload(check).state == "open"


def test_waiving_records_the_reason(check, officer, platform):
    occurrence_waive(occurrence=check, user=officer, reason="系统停机维护", now=NOW)
    check = reload(check)
    assert (check.state, check.waived_reason, check.state_changed_at) == ("waived", "系统停机维护", NOW)
    [event] = events(check, "occurrence.waive")
    assert (event.actor, event.platform, event.data) == (officer, platform, {"reason": "系统停机维护"})


@pytest.mark.parametrize("reason", ["", " \n "])
def test_waiving_needs_a_reason(check, officer, reason):
    with pytest.raises(DomainError, match="必须填写理由") as refused:
        occurrence_waive(occurrence=check, user=officer, reason=reason, now=NOW)
    assert refused.value.field == "reason"
    assert reload(check).state == "open" and not events(check, "occurrence.waive")


def test_a_done_task_cannot_be_waived(check, staff, officer):
    complete(check, staff)
    with pytest.raises(DomainError, match="已是“已完成”状态,不能豁免"):
        occurrence_waive(occurrence=check, user=officer, reason="不需要", now=NOW + MINUTE)
    check = reload(check)
    assert (check.state, check.waived_reason) == ("done", "")
    assert not events(check, "occurrence.waive")


def test_a_missed_task_can_be_waived(check, officer):
    occurrences_close_out(now=check.close_at)
    occurrence_waive(occurrence=check, user=officer, reason="停电", now=check.close_at + MINUTE)
    assert reload(check).state == "waived"


# A complaint's decision (处理意见) is its completion note: it may not be empty.

def test_a_decision_needs_its_text_and_a_response_does_not(signed_letter, staff):
    case = open_case(signed_letter.platform)
    c = clocks(case)
    occurrence_complete(occurrence=c["respond"], user=staff, now=case.received_at + MINUTE)  # a note is optional here
    for empty in ("", "  \n "):
        with pytest.raises(DomainError, match="请填写处理意见") as refused:
            occurrence_complete(occurrence=c["decide"], user=staff, note=empty, now=case.received_at + MINUTE)
        assert refused.value.field == "note"
    c["decide"].refresh_from_db()
    assert c["decide"].state == "open" and not Completion.objects.filter(occurrence=c["decide"]).exists()
    occurrence_complete(occurrence=c["decide"], user=staff, note="退款已原路退回", now=case.received_at + MINUTE)
    c["decide"].refresh_from_db()
    assert c["decide"].state == "done"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_check_off_locks_its_task_alone_not_the_platform_or_the_obligation(check, staff):
    """A member change (which locks the platform row) or a sweep (which writes the
    obligation) in progress does not hold a check-off up."""
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                trust_membership.lock_platform(Platform.objects.get(pk=check.platform_id))
                Obligation.objects.filter(pk=check.obligation_id).update(materialized_until=F("materialized_until"))
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting on the held rows would fail here
            complete(check, staff)
        assert time.monotonic() - started < 2
    finally:
        release.set()
        holder.join()
    assert reload(check).state == "done"
