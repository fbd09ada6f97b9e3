from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command

from obligations.errors import DomainError
from obligations.models import AuditEvent, CalendarDay, Obligation, Occurrence
from obligations.models.calendar import CalendarYear
from obligations.schedule.official_calendar import (
    calendar_load_days,
    complete_year,
    parse_calendar_lines,
    work_calendar,
)
from obligations.work.sweeps import obligations_materialize

SH = ZoneInfo("Asia/Shanghai")
NEW_YEAR_2027 = datetime(2026, 12, 28, 1, tzinfo=UTC)
JANUARY_2027 = datetime(2026, 12, 31, 16, tzinfo=UTC)  # 1 January 2027, 00:00 in Shanghai


def test_parse_refuses_bad_lines_with_their_numbers():
    with pytest.raises(DomainError, match="第2行"):
        parse_calendar_lines("2027-01-01 休 元旦\n2027-02-30 休\n")
    assert parse_calendar_lines("2027-01-01 休 元旦\n2027-02-07 班 春节调休") == {
        date(2027, 1, 1): (False, "元旦"), date(2027, 2, 7): (True, "春节调休")}


def test_parse_refuses_a_date_that_is_both_off_and_on_with_its_line_numbers():
    text = "2027-10-01 休 国庆节\n2027-10-09 班 国庆节调休\n# 注释\n2027-10-01 班\n2027-10-09 休 笔误\n2027-10-01 off"
    with pytest.raises(DomainError) as refused:
        parse_calendar_lines(text)
    assert refused.value.message.splitlines() == [
        "第1、4、6行矛盾:2027-10-01 既标为“休”又标为“班”。",
        "第2、5行矛盾:2027-10-09 既标为“休”又标为“班”。",
    ]


def test_a_date_listed_twice_with_the_same_meaning_is_fine():
    assert parse_calendar_lines("2027-10-01 休\n2027-10-01 off 国庆节\n2027-10-01 休 重复") == {
        date(2027, 10, 1): (False, "国庆节")}


def test_the_command_refuses_a_contradiction_and_stores_nothing(db, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text("2027-01-01 休 元旦\n2027-02-06 班\n2027-02-06 休 春节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2、3行矛盾:2027-02-06"):
        call_command("load_calendar", str(path), "--complete", "2027")
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar.load").exists()


def test_loading_a_single_day_of_2026_changes_no_other_day_of_2026(db):
    calendar_load_days(days={date(2026, 10, 9): (False, "调休")}, now=NEW_YEAR_2027)
    calendar = work_calendar()
    assert not calendar.is_workday(date(2026, 10, 9))
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day != date(2026, 10, 9):
            assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert calendar.is_known_year(2026)


def test_a_complete_mark_needs_days_of_that_year(db):
    with pytest.raises(DomainError, match="2028年没有载入任何日期"):
        calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, complete_years=[2028], now=NEW_YEAR_2027)
    assert not CalendarDay.objects.exists()
    assert complete_year({date(2027, 1, 1): (False, "")}) == 2027
    assert complete_year({date(2026, 12, 31): (True, ""), date(2027, 1, 1): (False, "")}, 2027) == 2027
    with pytest.raises(DomainError, match="跨越多个年度"):
        complete_year({date(2026, 12, 31): (True, ""), date(2027, 1, 1): (False, "")})


@pytest.fixture
def workday_duties(signed_letter):
    """The daily checks (三.2) and the monthly audit (三.3) on working days only, made
    up to the first days of 2027, a year chinese-calendar 1.11 does not know."""
    platform = signed_letter.platform
    Obligation.objects.filter(platform=platform, key__in=["三.2", "三.3"]).update(workdays_only=True)
    obligations_materialize(now=NEW_YEAR_2027, horizon=timedelta(days=10))
    return (Obligation.objects.get(platform=platform, key="三.2"), Obligation.objects.get(platform=platform, key="三.3"))


def january(obligation):
    return Occurrence.objects.filter(obligation=obligation, period_start=JANUARY_2027)


def due_days(rows):
    return {(o.due_at - timedelta(microseconds=1)).astimezone(SH).date() for o in rows}


def test_an_unknown_year_stays_provisional_until_loaded_complete(workday_duties, officer):
    checks, audit = workday_duties
    assert january(checks).count() == 3 and all(o.provisional for o in january(checks))  # Fri 1 Jan kept
    assert january(audit).exists() and all(o.provisional for o in january(audit))
    assert due_days(january(audit)) == {date(2027, 1, 29)}  # Sun 31 Jan -> Friday, by Mon–Fri

    # Some days of 2027: they count, but 2027 is not known whole.
    calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, user=officer, now=NEW_YEAR_2027)
    assert not work_calendar().is_workday(date(2027, 1, 1)) and not work_calendar().is_known_year(2027)
    assert all(o.provisional for o in january(checks)) and all(o.provisional for o in january(audit))
    obligations_materialize(now=NEW_YEAR_2027 + timedelta(hours=1), horizon=timedelta(days=10))
    assert Occurrence.objects.filter(obligation=checks, period_start__gte=JANUARY_2027, provisional=False).count() == 0

    # The whole year: final, and the provisional due times are placed again.
    changed = calendar_load_days(days={date(2027, 1, 1): (False, "元旦"), date(2027, 1, 29): (False, "假想的调休")},
                                 complete_years=[2027], user=officer, now=NEW_YEAR_2027)
    assert changed >= 4
    assert work_calendar().is_known_year(2027)
    assert january(checks).count() == 3 and not any(o.provisional for o in january(checks))  # never dropped
    audit_rows = list(january(audit))
    assert due_days(audit_rows) == {date(2027, 1, 28)} and not any(o.provisional for o in audit_rows)
    assert all(o.close_at == o.due_at + audit.grace for o in audit_rows)
    assert CalendarYear.objects.get(year=2027).complete
    event = AuditEvent.objects.filter(action="calendar.load").latest("id")
    assert event.data["complete"] == [2027]


def test_the_command_marks_a_year_complete(workday_duties, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text("2027-01-01 休 元旦\n2027-01-01 休\n", encoding="utf-8")
    call_command("load_calendar", str(path))
    assert not CalendarYear.objects.get(year=2027).complete
    assert all(o.provisional for o in january(workday_duties[1]))
    call_command("load_calendar", str(path), "--complete", "2027")
    assert CalendarYear.objects.get(year=2027).complete
    assert not any(o.provisional for o in january(workday_duties[1]))
    call_command("load_calendar", str(path))  # a later partial load keeps the year complete
    assert CalendarYear.objects.get(year=2027).complete


def test_a_recomputed_due_time_never_lands_in_the_past(workday_duties, officer):
    checks, audit = workday_duties
    row = january(audit).get()
    assert due_days([row]) == {date(2027, 1, 29)}
    # Loaded on 30 January: the official calendar would move the due time to 28 January,
    # already past; the announced due time stays, now final.
    late = datetime(2027, 1, 30, 2, tzinfo=UTC)
    calendar_load_days(days={date(2027, 1, 29): (False, "假想的调休")}, complete_years=[2027], user=officer, now=late)
    row.refresh_from_db()
    assert due_days([row]) == {date(2027, 1, 29)} and not row.provisional


def test_loading_a_year_recomputes_a_case_clock_with_its_severity_tier(signed_letter, officer):
    from obligations.cases.services import case_open

    received = datetime(2026, 12, 29, 10, tzinfo=SH)
    case, _ = case_open(platform=signed_letter.platform, kind="finding", severity="serious", description="弱口令",
                        received_at=received, now=received)
    fix = case.clocks.get()
    # Five working days, 1 January 2027 counted as one while 2027 is unknown.
    assert fix.provisional and fix.due_at == datetime(2027, 1, 6, tzinfo=SH)
    calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, user=officer, now=received)
    fix.refresh_from_db()
    assert fix.provisional and fix.due_at == datetime(2027, 1, 7, tzinfo=SH)  # still the tier, not 30 days
    calendar_load_days(days={date(2027, 1, 1): (False, "元旦")}, complete_years=[2027], user=officer, now=received)
    fix.refresh_from_db()
    assert not fix.provisional and fix.due_at == datetime(2027, 1, 7, tzinfo=SH)
