from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from obligations.schedule.workdays import DeadlineUnit, WorkCalendar, deadline_after

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def test_hours_and_calendar_days():
    assert deadline_after(at(2026, 11, 29, 10), 24, DeadlineUnit.HOURS, SH).due_at == at(2026, 11, 30, 10)
    assert deadline_after(at(2026, 11, 29, 10), 7, DeadlineUnit.DAYS, SH).due_at == at(2026, 12, 6, 10)
    assert deadline_after(at(2026, 11, 29, 10), 30, DeadlineUnit.MINUTES, SH).due_at == at(2026, 11, 29, 10, 30)


def test_working_days_wait_out_national_day_and_count_the_makeup_saturday():
    # Received Wed 30 Sep 2026; 1–7 Oct are off, Sat 10 Oct is a make-up working day.
    deadline = deadline_after(at(2026, 9, 30, 15), 3, DeadlineUnit.WORKDAYS, SH)
    # Working days after receipt: Thu 8, Fri 9, Sat 10 (make-up) -> due at the close of 10 Oct.
    assert deadline.due_at == at(2026, 10, 11, 0, 0)
    assert not deadline.provisional


def test_unknown_year_falls_back_to_weekdays_and_is_provisional():
    deadline = deadline_after(at(2026, 12, 31, 9), 2, DeadlineUnit.WORKDAYS, SH)
    assert deadline.provisional  # 2027 is beyond chinese-calendar 1.11
    assert deadline.due_at == at(2027, 1, 5, 0, 0)  # Fri 1 Jan and Mon 4 Jan as weekdays


def test_a_complete_year_overrides_the_fallback_and_is_final():
    calendar = WorkCalendar(overrides={date(2027, 1, 1): False}, complete_years=frozenset({2027}))
    deadline = deadline_after(at(2026, 12, 31, 9), 2, DeadlineUnit.WORKDAYS, SH, calendar)
    assert not deadline.provisional
    assert deadline.due_at == at(2027, 1, 6, 0, 0)  # Mon 4, Tue 5


def test_some_days_of_an_unknown_year_count_but_leave_it_provisional():
    calendar = WorkCalendar(overrides={date(2027, 1, 1): False})
    deadline = deadline_after(at(2026, 12, 31, 9), 2, DeadlineUnit.WORKDAYS, SH, calendar)
    assert deadline.provisional  # 2027 is not loaded whole
    assert deadline.due_at == at(2027, 1, 6, 0, 0)
    assert calendar.is_workday(date(2027, 1, 4)) and not calendar.is_workday(date(2027, 1, 2))  # Mon–Fri around it


def every_day_of(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def test_loading_a_single_day_of_2026_changes_no_other_day_of_2026():
    national_day = date(2026, 10, 10)  # a make-up Saturday, loaded as a day off
    calendar = WorkCalendar(overrides={national_day: False})
    assert not calendar.is_workday(national_day) and chinese_calendar.is_workday(national_day)
    for day in every_day_of(2026):
        if day != national_day:
            assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
    assert calendar.is_known_year(2026)


def test_a_year_the_package_knows_is_final_without_being_loaded():
    assert WorkCalendar().is_known_year(2026) and not WorkCalendar().is_known_year(2027)
    assert WorkCalendar(complete_years=frozenset({2027})).is_known_year(2027)
    assert WorkCalendar().is_provisional(date(2026, 12, 28), date(2027, 1, 3))
    assert not WorkCalendar().is_provisional(date(2026, 1, 1), date(2026, 12, 31))
