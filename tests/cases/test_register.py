"""The case register of a period: one line per case, its times local with their offset."""

from datetime import timedelta

from obligations.cases.register import case_register
from obligations.models import Case
from tests.cases.support import SH, at, clocks, open_case
from tests.oversight.export_support import complaint


def test_a_line_per_case_with_received_responded_decided_and_state(signed_letter, staff):
    platform = signed_letter.platform
    answered = complaint(platform, staff, at(2026, 11, 2, 23, 30), respond_minutes=45, decide_days=2)
    waiting = open_case(platform, received=at(2026, 11, 3, 9))
    rows = case_register(Case.objects.filter(platform=platform), SH)
    assert [r["number"] for r in rows] == [answered.number, waiting.number]  # in the order received
    first, second = rows
    assert first["received_at"] == "2026-11-02T23:30:00+08:00"
    assert first["responded_at"] == "2026-11-03T00:15:00+08:00"  # the next local day, as read in Beijing
    assert first["decided_at"] == "2026-11-04T23:30:00+08:00"
    assert (first["kind"], first["state"], first["late"]) == ("complaint", "open", False)
    assert second["responded_at"] is None and second["decided_at"] is None


def test_a_clock_answered_late_marks_the_line(signed_letter, staff):
    from obligations.work.occurrences import occurrence_complete

    case = open_case(signed_letter.platform, received=at(2026, 11, 2, 10))
    respond = clocks(case)["respond"]
    occurrence_complete(occurrence=respond, user=staff, note="迟复", now=respond.due_at + timedelta(hours=1))
    [row] = case_register(Case.objects.filter(pk=case.pk), SH)
    assert row["late"] is True
