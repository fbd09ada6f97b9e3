"""The planner's wake (alerts/wake.py): a minute before it plans nothing in one statement, and
a task raised, reopened or moved behind it, or a doer who joins, wakes the planner: every
message is still planned exactly once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from obligations.alerts import candidates, notifications, wake
from obligations.models import Notification, Occurrence, PlannerWake, Role
from obligations.work.occurrences import occurrence_complete, occurrence_reopen
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT, make_user
from tests.dbroles import owner_connection

pytestmark = pytest.mark.postgres
H, M = timedelta(hours=1), timedelta(minutes=1)
K = Notification.Kind


def plan(at) -> int:
    occurrences_close_out(now=at)
    return notifications.notifications_plan(now=at, digests=False)


def wake_at():
    """The wake the planner settled on (its own row)."""
    return PlannerWake.objects.get(planned_at__isnull=False).at


def told_once(kind, occ) -> bool:
    """A message of `kind` about `occ` went to each of its people once: alone, or in one catch-up."""
    alone = list(Notification.objects.filter(kind=kind, occurrence=occ).values_list("recipient_id", flat=True))
    folded = [m.recipient_id for m in Notification.objects.filter(kind=K.CATCH_UP)
              if occ.pk in (m.summary or {}).get("tasks", {}).get(kind, [])]
    people = alone + folded
    return bool(people) and len(people) == len(set(people))


def quiet(at):
    """Plan at `at`, and return the wake it settled on, after it."""
    plan(at)
    assert wake_at() > at
    return wake_at()


def test_a_minute_before_the_wake_is_one_read_and_plans_nothing(team):
    obligations_materialize(now=SIGNED_AT + 24 * H)
    plan(SIGNED_AT)
    nxt = wake_at()
    assert nxt > SIGNED_AT
    with CaptureQueriesContext(connection) as queries:
        assert notifications.notifications_plan(now=nxt - M, digests=False) == 0
    assert len(queries) == 1, [q["sql"] for q in queries]
    # Nothing was due before the wake; at it, something is (the wake is exact, not merely early).
    for kind, queryset in candidates.candidate_querysets(now=nxt - timedelta(seconds=1)).items():
        assert not queryset.exists(), kind
    assert any(q.exists() for q in candidates.candidate_querysets(now=nxt).values())
    assert notifications.notifications_plan(now=nxt, digests=False) > 0


def test_a_task_raised_behind_the_wake_is_told_once(team):
    obligations_materialize(now=SIGNED_AT + 24 * H)
    at = SIGNED_AT + 1 * H
    quiet(at)
    occ = Occurrence.objects.filter(obligation__key="三.2", opens_at__gt=at).order_by("opens_at").first()
    # Raised by hand, already open at `at` (a case's clock, a schedule re-raised): behind the wake.
    twin = Occurrence.objects.create(obligation=occ.obligation, platform=occ.platform, clause=occ.clause,
                                     period_start=occ.period_start, period_end=occ.period_end, sequence=99,
                                     opens_at=at - 5 * M, due_at=at + 30 * M, close_at=at + 40 * M)
    assert not wake.asleep(at + M)
    plan(at + M)
    assert told_once(K.OPENED, twin) and told_once(K.DUE_SOON, twin)  # due within the hour's lead
    for minute in range(2, 5):
        plan(at + minute * M)
    assert told_once(K.OPENED, twin) and told_once(K.DUE_SOON, twin)


def test_a_task_reopened_behind_the_wake_is_escalated_once(team):
    at = SIGNED_AT + 7.6 * H  # 16:36 in Shanghai: check 2 of the day was due at 16:00, its grace ends at 17:00
    obligations_materialize(now=at)
    check = Occurrence.objects.get(obligation__key="三.2", sequence=2, period_start__lte=SIGNED_AT,
                                   period_end__gt=SIGNED_AT)
    occurrence_complete(occurrence=check, user=team["staff"], note="", now=check.due_at - M, evidence_count=1)
    assert quiet(at) > at + M  # done in time: nobody to tell of it, nor of anything else just now
    occurrence_reopen(occurrence=Occurrence.objects.get(pk=check.pk), user=team["officer"], reason="照片不清楚",
                      now=at)
    assert not wake.asleep(at + M)  # 36 minutes overdue again: the officer's escalation is due at once
    for minute in range(1, 4):
        plan(at + minute * M)
    assert told_once(K.ESCALATE_OFFICER, check)


def test_a_task_moved_behind_the_wake_is_reminded_once(team):
    obligations_materialize(now=SIGNED_AT + 24 * H)
    at = SIGNED_AT + 1 * H  # 10:00 in Shanghai: check 2 (08:00–16:00) is open, told of its opening
    quiet(at)
    occ = Occurrence.objects.get(obligation__key="三.2", sequence=2, opens_at__lte=at, due_at__gt=at)
    assert told_once(K.OPENED, occ) and not told_once(K.DUE_SOON, occ)
    # Its due time brought forward (a provisional working day settled): due within the hour at once.
    Occurrence.objects.filter(pk=occ.pk).update(due_at=at + 20 * M, close_at=at + 30 * M)
    assert not wake.asleep(at + M)
    plan(at + M)
    assert told_once(K.DUE_SOON, occ)
    plan(at + 2 * M)
    assert told_once(K.DUE_SOON, occ) and told_once(K.OPENED, occ)


def test_a_doer_who_joins_wakes_the_planner(signed_letter, officer, staff):
    """Without a supervisor nobody is due the group's escalation; one who joins is, at once."""
    at = SIGNED_AT + 24 * H
    obligations_materialize(now=at)
    plan(SIGNED_AT)
    plan(at)
    assert Occurrence.objects.filter(state="missed").exists()
    assert wake.asleep(at + M)
    make_user("sue", officer.memberships.first().platform, Role.SUPERVISOR)
    assert not wake.asleep(at + M)
    plan(at + M)
    missed = Occurrence.objects.filter(state="missed", due_at__gt=at + M - candidates.LOOKBACK)
    assert all(told_once(K.ESCALATE_GROUP, occ) for occ in missed)


def test_other_rules_or_an_earlier_instant_plan_again(team, settings):
    obligations_materialize(now=SIGNED_AT + 24 * H)
    quiet(SIGNED_AT + H)
    assert wake.asleep(SIGNED_AT + 2 * M + H)
    assert not wake.asleep(SIGNED_AT)  # computed for a later instant: says nothing of an earlier one
    settings.PLEDGE_REMINDER_LEAD = {**settings.PLEDGE_REMINDER_LEAD, "daily": 600}
    assert not wake.asleep(SIGNED_AT + 2 * M + H)  # another lead: the wake was computed by other rules


@pytest.mark.django_db(transaction=True)
def test_a_task_committed_while_the_planner_settles_is_not_lost(team):
    """Raised in a transaction that commits after the planner's settling statement took its
    snapshot: its trigger's row is invisible to that statement, so it is not deleted, and it
    wakes the next minute."""
    obligations_materialize(now=SIGNED_AT + 24 * H)
    at = SIGNED_AT + 1 * H
    quiet(at)
    occ = Occurrence.objects.filter(obligation__key="三.2", opens_at__gt=at).order_by("opens_at").first()
    with owner_connection() as owner, owner.cursor() as cursor:
        cursor.execute("INSERT INTO obligations_occurrence (obligation_id, platform_id, clause_id, period_start, "
                       "period_end, sequence, opens_at, due_at, close_at, provisional, state, waived_reason, "
                       "created_at) SELECT obligation_id, platform_id, clause_id, period_start, period_end, 98, "
                       "%s, %s, %s, false, 'open', '', %s FROM obligations_occurrence WHERE id = %s RETURNING id",
                       [at - 5 * M, at + 3 * H, at + 4 * H, at, occ.pk])
        twin = cursor.fetchone()[0]
        wake.settle(at + M)  # a plan finishing meanwhile
        assert wake.asleep(at + 2 * M)  # the uncommitted task is not seen yet, nor its row
    assert not wake.asleep(at + 2 * M)  # committed: its row wakes the planner
    plan(at + 2 * M)
    plan(at + 3 * M)
    assert told_once(K.OPENED, Occurrence.objects.get(pk=twin))


def test_a_transaction_that_plans_between_two_changes_wakes_for_the_second(team):
    """A transaction writes a wake row only below the earliest it wrote (migration 0032); a plan
    in that transaction deletes the row, and the transaction forgets it, so a change after the
    plan writes its own. (The test runs in one transaction.)"""
    obligations_materialize(now=SIGNED_AT + 24 * H)
    at = SIGNED_AT + 1 * H
    opened = Occurrence.objects.get(obligation__key="三.2", sequence=2, opens_at__lte=at, due_at__gt=at)
    Occurrence.objects.filter(pk=opened.pk).update(due_at=opened.due_at - M)  # a row, remembered
    quiet(at)
    assert told_once(K.OPENED, opened)
    Notification.objects.filter(occurrence=opened).delete()
    Occurrence.objects.filter(pk=opened.pk).update(told=0)  # its bits cleared: to tell again
    assert not wake.asleep(at + M)
    plan(at + M)
    assert told_once(K.OPENED, opened)
