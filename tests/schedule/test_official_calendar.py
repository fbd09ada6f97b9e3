from datetime import UTC, date, datetime, timedelta

import pytest

from obligations.errors import DomainError
from obligations.models import Obligation, Occurrence
from obligations.schedule.official_calendar import (
    calendar_load_days,
    parse_calendar_lines,
    work_calendar,
)
from obligations.work.sweeps import obligations_materialize

NEW_YEAR_2027 = datetime(2026, 12, 28, 1, tzinfo=UTC)


def test_parse_refuses_bad_lines_with_their_numbers():
    with pytest.raises(DomainError, match="第2行"):
        parse_calendar_lines("2027-01-01 休 元旦\n2027-02-30 休\n")
    assert parse_calendar_lines("2027-01-01 休 元旦\n2027-02-07 班 春节调休") == {
        date(2027, 1, 1): (False, "元旦"), date(2027, 2, 7): (True, "春节调休")}


def test_loading_a_year_recomputes_provisional_workday_tasks(signed_letter, officer):
    checks = Obligation.objects.get(platform=signed_letter.platform, key="三.2")
    checks.workdays_only = True
    checks.save()
    obligations_materialize(now=NEW_YEAR_2027)
    def jan1():
        return Occurrence.objects.filter(obligation=checks, period_start=datetime(2026, 12, 31, 16, tzinfo=UTC))

    assert jan1().count() == 3 and all(o.provisional for o in jan1())  # Friday, Mon–Fri fallback

    changed = calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, user=officer, now=NEW_YEAR_2027)
    assert changed >= 3 and not jan1().exists()
    assert not work_calendar().is_workday(date(2027, 1, 1))
    obligations_materialize(now=NEW_YEAR_2027 + timedelta(minutes=1))
    assert not jan1().exists()
    jan4 = Occurrence.objects.filter(obligation=checks, period_start=datetime(2027, 1, 3, 16, tzinfo=UTC))
    assert jan4.count() == 3 and not any(o.provisional for o in jan4)


def test_loading_a_year_recomputes_a_case_clock_with_its_severity_tier(signed_letter, officer):
    from zoneinfo import ZoneInfo

    from obligations.cases.services import case_open

    sh = ZoneInfo("Asia/Shanghai")
    received = datetime(2026, 12, 29, 10, tzinfo=sh)
    case, _ = case_open(platform=signed_letter.platform, kind="finding", severity="serious", description="弱口令",
                        received_at=received, now=received)
    fix = case.clocks.get()
    # Five working days, 1 January 2027 counted as one while 2027 is unknown.
    assert fix.provisional and fix.due_at == datetime(2027, 1, 6, tzinfo=sh)
    calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, user=officer, now=received)
    fix.refresh_from_db()
    assert not fix.provisional and fix.due_at == datetime(2027, 1, 7, tzinfo=sh)  # still the tier, not 30 days
