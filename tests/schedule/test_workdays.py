from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def test_loaded_year_overrides_the_fallback():
    calendar = WorkCalendar(overrides={date(2027, 1, 1): False}, loaded_years=frozenset({2027}))
    deadline = deadline_after(at(2026, 12, 31, 9), 2, DeadlineUnit.WORKDAYS, SH, calendar)
    assert not deadline.provisional
    assert deadline.due_at == at(2027, 1, 6, 0, 0)  # Mon 4, Tue 5
