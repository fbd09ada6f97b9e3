"""Each task's, case's and review's state against the state its audit trail gives: what
the services leave agrees; what is changed in the database with the guards off is named
by verify_audit (id, state now, state by the trail)."""

import importlib
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from obligations.cases.services import case_close
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.trust.trail_states import StateDifference, trail_differences
from obligations.work.adoption import letter_adopt
from obligations.work.occurrences import occurrence_complete, occurrence_reopen, occurrence_waive
from tests.cases.support import open_case
from tests.conftest import SIGNED_AT
from tests.trust.owner_sql import owner_execute

LATER = SIGNED_AT + timedelta(days=2)


def signed_three_days_back(platform, officer, past_periods):
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date() - timedelta(days=3)), user=officer,
                           now=SIGNED_AT)
    letter = letter_sign(letter=letter, user=officer, now=SIGNED_AT, past_periods=past_periods,
                         first_period=Letter.FirstPeriod.CURRENT)
    letter_adopt(letter=letter, user=officer, now=SIGNED_AT)
    return letter


def a_closed_case(platform, officer):
    case = open_case(platform, received=SIGNED_AT + timedelta(hours=1))
    waivers = {c.pk: "重复投诉" for c in case.clocks.filter(state="open")}
    return case_close(case=case, user=officer, note="重复", waivers=waivers, now=SIGNED_AT + timedelta(hours=2))


def verify_audit_output():
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", "--language", "en", stdout=out)
    return out.getvalue(), str(failed.value)


def test_every_state_the_services_leave_is_the_one_the_trail_gives(platform, officer, staff):
    signed_three_days_back(platform, officer, "not_applicable")  # past periods waived in bulk, on record
    assert Occurrence.objects.filter(state="waived").count() >= 10
    sweep(now=LATER)  # and the ones since, missed by the close-out sweep
    missed = list(Occurrence.objects.filter(state="missed", obligation__key="三.2").order_by("id")[:3])
    occurrence_complete(occurrence=missed[0], user=staff, now=LATER, evidence_count=1)
    occurrence_complete(occurrence=missed[1], user=staff, now=LATER, evidence_count=1)
    occurrence_reopen(occurrence=missed[1], user=officer, reason="照片不清", now=LATER)
    occurrence_waive(occurrence=missed[2], user=officer, reason="停电", now=LATER)
    a_closed_case(platform, officer)
    assert set(Occurrence.objects.values_list("state", flat=True)) == {"open", "missed", "done_late", "waived"}
    assert trail_differences() == []


def test_the_check_reads_each_table_once_however_many_rows(platform, officer, django_assert_max_num_queries):
    signed_three_days_back(platform, officer, "missed")
    sweep(now=LATER)
    assert Occurrence.objects.filter(state="missed").count() >= 20
    with django_assert_max_num_queries(4):  # the records, then tasks, cases and reviews
        assert trail_differences() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_waived_and_a_case_reopened_with_the_guards_off_are_named(platform, officer):
    signed_three_days_back(platform, officer, "missed")
    task = Occurrence.objects.filter(state="missed").order_by("id").first()
    case = a_closed_case(platform, officer)
    call_command("verify_audit", stdout=io.StringIO())  # all as recorded
    assert owner_execute("UPDATE obligations_occurrence SET state = 'waived', waived_reason = '补录' "
                         "WHERE id = %s", [task.pk]) == 1
    assert owner_execute("UPDATE obligations_case SET state = 'open', closed_at = NULL WHERE id = %s", [case.pk]) == 1
    out, failure = verify_audit_output()
    assert f"Occurrence #{task.pk}: state waived, by the audit trail missed" in out
    assert f"Case #{case.pk}: state open, by the audit trail closed" in out
    assert "2 row(s) differ from their audit trail" in failure
    assert set(trail_differences()) == {StateDifference("Occurrence", task.pk, "waived", "missed"),
                                        StateDifference("Case", case.pk, "open", "closed")}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_deleted_with_the_guards_off_is_named_gone(platform, officer):
    signed_three_days_back(platform, officer, "missed")
    task = Occurrence.objects.filter(state="missed").order_by("id").first()
    owner_execute("DELETE FROM obligations_occurrence WHERE id = %s", [task.pk])
    out, _failure = verify_audit_output()
    assert f"Occurrence #{task.pk}: state gone, by the audit trail missed" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_past_periods_waived_before_0014_are_named_by_the_migration(platform, officer):
    """Adoption used to waive past periods with only a count on record: the migration names
    those tasks, so their state follows from the trail (and nothing else is blessed)."""
    from django.apps import apps

    from obligations.trust.audit import audit_record, audit_verify

    migration = importlib.import_module("obligations.migrations.0014_state_guards")
    letter = signed_three_days_back(platform, officer, "missed")
    past = list(Occurrence.objects.filter(state="missed", obligation__key="三.2", due_at__lt=SIGNED_AT)
                .values_list("pk", flat=True))
    owner_execute("UPDATE obligations_occurrence SET state = 'waived', waived_reason = %s WHERE id = ANY(%s)",
                  [migration.PAST_REASONS[1], past])  # as the old adoption left them
    audit_record(at=SIGNED_AT, action="letter.adopt", obj=letter, actor=officer, platform=platform,
                 data={"created": 0, "waived": len(past), "missed": 0})
    tampered = Occurrence.objects.filter(state="missed").order_by("id").last()
    owner_execute("UPDATE obligations_occurrence SET state = 'waived', waived_reason = '补录' WHERE id = %s",
                  [tampered.pk])
    assert len(trail_differences()) == len(past) + 1
    migration.record_past_waivers(apps, None)
    assert trail_differences() == [StateDifference("Occurrence", tampered.pk, "waived", "missed")]
    assert audit_verify().ok
