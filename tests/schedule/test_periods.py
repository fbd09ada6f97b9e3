"""Property tests of the pure period math, over every period kind and two zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obligations.schedule.periods import (
    PeriodKind,
    month_end_date,
    month_starts,
    period_containing,
    periods_between,
    slots_between,
    slots_in_period,
)

ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
instants = st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2040, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC))
kinds = st.sampled_from(list(PeriodKind))
zones = st.sampled_from(ZONES)


@given(kind=kinds, instant=instants, tz=zones)
@settings(max_examples=600)
def test_each_instant_belongs_to_exactly_one_period(kind, instant, tz):
    period = period_containing(kind, instant, tz)
    assert period.start <= instant < period.end
    # The neighbours do not contain it: periods tile time without overlap or gap.
    before = period_containing(kind, period.start - timedelta(microseconds=1), tz)
    after = period_containing(kind, period.end, tz)
    assert before.end == period.start and after.start == period.end
    assert not (before.start <= instant < before.end) and not (after.start <= instant < after.end)


@given(kind=kinds, instant=instants, tz=zones, count=st.integers(1, 12), spread=st.booleans())
@settings(max_examples=400)
def test_n_slots_per_period_due_inside_it(kind, instant, tz, count, spread):
    period = period_containing(kind, instant, tz)
    slots = slots_in_period(period, count, tz, spread=spread)
    assert [s.sequence for s in slots] == list(range(1, count + 1))
    for slot in slots:
        assert period.start <= slot.opens_at <= slot.due_at <= period.end


@given(instant=instants, tz=zones, span=st.integers(1, 400))
@settings(max_examples=200)
def test_daily_slots_between_cover_each_day_three_times(instant, tz, span):
    end = instant + timedelta(days=span)
    slots = list(slots_between(PeriodKind.DAILY, 3, instant, end, tz, spread=True))
    periods = list(periods_between(PeriodKind.DAILY, instant, end, tz))
    assert len(slots) == 3 * len(periods)
    keys = {(s.period.start, s.sequence) for s in slots}
    assert len(keys) == len(slots)


@pytest.mark.parametrize(
    "kind,local,start,end",
    [
        (PeriodKind.DAILY, datetime(2024, 2, 29, 23, 59), date(2024, 2, 29), date(2024, 3, 1)),
        (PeriodKind.WEEKLY, datetime(2026, 1, 1, 12), date(2025, 12, 29), date(2026, 1, 5)),
        (PeriodKind.TENDAY, datetime(2024, 2, 25), date(2024, 2, 21), date(2024, 3, 1)),
        (PeriodKind.TENDAY, datetime(2026, 3, 11), date(2026, 3, 11), date(2026, 3, 21)),
        (PeriodKind.MONTHLY, datetime(2026, 12, 31, 23), date(2026, 12, 1), date(2027, 1, 1)),
        (PeriodKind.QUARTERLY, datetime(2026, 11, 29), date(2026, 10, 1), date(2027, 1, 1)),
        (PeriodKind.HALFYEAR, datetime(2026, 6, 30, 23, 59), date(2026, 1, 1), date(2026, 7, 1)),
        (PeriodKind.YEARLY, datetime(2028, 2, 29), date(2028, 1, 1), date(2029, 1, 1)),
        (PeriodKind.BIENNIAL, datetime(2027, 5, 1), date(2026, 1, 1), date(2028, 1, 1)),
    ],
)
def test_period_bounds_in_shanghai(kind, local, start, end):
    tz = ZoneInfo("Asia/Shanghai")
    period = period_containing(kind, local.replace(tzinfo=tz), tz, anchor_year=2026)
    assert period.start == datetime.combine(start, time(0), tzinfo=tz)
    assert period.end == datetime.combine(end, time(0), tzinfo=tz)
    assert period.start.utcoffset() == timedelta(0)  # stored in UTC


def test_a_dst_day_is_23_hours_and_its_three_checks_share_it():
    tz = ZoneInfo("America/New_York")
    day = period_containing(PeriodKind.DAILY, datetime(2026, 3, 8, 12, tzinfo=tz), tz)
    assert day.end - day.start == timedelta(hours=23)
    slots = slots_in_period(day, 3, tz, spread=True)
    assert slots[-1].due_at == day.end and all(s.due_at - s.opens_at == timedelta(hours=23) / 3 for s in slots)


def test_times_of_day_set_the_due_times():
    tz = ZoneInfo("Asia/Shanghai")
    day = period_containing(PeriodKind.DAILY, datetime(2026, 11, 29, 3, tzinfo=tz), tz)
    slots = slots_in_period(day, 3, tz, times_of_day=[time(9), time(14), time(20)])
    assert [s.due_at.astimezone(tz).hour for s in slots] == [9, 14, 20]
    assert slots[0].opens_at == day.start and slots[1].opens_at == slots[0].due_at


SH = ZoneInfo("Asia/Shanghai")


def due_day(slot, tz=SH):
    """The local day a due time closes (a due time at midnight ends the day before)."""
    return (slot.due_at - timedelta(microseconds=1)).astimezone(tz).date()


def test_a_monthly_working_day_duty_has_twelve_periods_in_2026_each_due_on_a_working_day():
    slots = list(slots_between(PeriodKind.MONTHLY, 1, datetime(2026, 1, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH),
                               SH, is_workday=chinese_calendar.is_workday))
    assert [s.period.start_date.month for s in slots] == list(range(1, 13))
    assert all(chinese_calendar.is_workday(due_day(s)) for s in slots)
    due = {s.period.start_date.month: due_day(s) for s in slots}
    assert due[1] == date(2026, 1, 30)  # Sat 31 Jan is off: due at the close of Friday
    assert due[2] == date(2026, 2, 28)  # Sat 28 Feb is a make-up working day: it stays
    assert due[5] == date(2026, 5, 29)  # Sun 31 May: back to Friday
    assert due[10] == date(2026, 10, 30)  # Sat 31 Oct: back to Friday
    assert due[12] == date(2026, 12, 31)  # Thursday, a working day: unchanged


def test_a_due_time_on_a_day_off_moves_back_to_the_close_of_the_last_working_day():
    week = datetime(2026, 11, 23, tzinfo=SH)  # a Monday
    slot, = slots_between(PeriodKind.WEEKLY, 1, week, week + timedelta(days=7), SH,
                          due_offset=timedelta(days=5, hours=12), is_workday=lambda d: d.weekday() < 5)
    assert slot.due_at == datetime(2026, 11, 28, tzinfo=SH)  # Saturday noon -> Friday's close
    assert slot.opens_at == week


def test_a_due_time_never_moves_before_its_slot_opens():
    # A week cut into seven one-day windows: the Saturday and Sunday windows hold no
    # working day, so they keep their due times; the others are due on their own day.
    week = datetime(2026, 11, 23, tzinfo=SH)
    slots = list(slots_between(PeriodKind.WEEKLY, 7, week, week + timedelta(days=7), SH, spread=True,
                               is_workday=lambda d: d.weekday() < 5))
    assert [s.due_at for s in slots] == [week + timedelta(days=n) for n in range(1, 8)]
    assert all(s.opens_at < s.due_at for s in slots)


def test_a_daily_working_day_duty_keeps_its_days_off_with_their_due_times():
    start = datetime(2026, 9, 28, tzinfo=SH)
    slots = list(slots_between(PeriodKind.DAILY, 1, start, start + timedelta(days=14), SH,
                               is_workday=lambda d: d.weekday() < 5))
    plain = list(slots_between(PeriodKind.DAILY, 1, start, start + timedelta(days=14), SH))
    assert slots == plain and len(slots) == 14


workdays = st.builds(
    lambda off, every: lambda d: d.weekday() not in off and d.toordinal() % every != 0,
    off=st.sets(st.integers(0, 6)), every=st.integers(2, 40),
)
placements = st.one_of(
    st.builds(dict, spread=st.booleans()),
    st.builds(lambda hours: {"due_offset": timedelta(hours=hours)}, st.integers(1, 24 * 400)),
)


@given(kind=kinds, instant=instants, tz=zones, count=st.integers(1, 5), span=st.integers(1, 800),
       is_workday=workdays, placement=placements)
@settings(max_examples=400)
def test_the_working_day_rule_never_drops_a_period(kind, instant, tz, count, span, is_workday, placement):
    end = instant + timedelta(days=span)
    plain = list(slots_between(kind, count, instant, end, tz, **placement))
    slots = list(slots_between(kind, count, instant, end, tz, is_workday=is_workday, **placement))
    assert len(slots) == count * len(list(periods_between(kind, instant, end, tz)))
    for before, slot in zip(plain, slots, strict=True):
        assert (slot.period, slot.sequence, slot.opens_at) == (before.period, before.sequence, before.opens_at)
        assert slot.opens_at <= slot.due_at <= before.due_at <= slot.period.end
        if slot.due_at != before.due_at:  # moved: onto a working day, after the slot opens
            assert is_workday(due_day(slot, tz)) and slot.opens_at < slot.due_at
            assert slot.due_at == datetime.combine(due_day(slot, tz) + timedelta(days=1), time(0), tzinfo=tz)
        elif not is_workday(due_day(before, tz)):  # kept on a day off: no working day to go back to
            opens, day = before.opens_at.astimezone(tz).date(), due_day(before, tz)
            assert not any(is_workday(opens + timedelta(days=n)) for n in range((day - opens).days))


def test_month_starts_reach_back_across_a_year_end():
    starts = month_starts(date(2026, 2, 17), 12)
    assert starts[0] == date(2025, 3, 1) and starts[-1] == date(2026, 2, 1)
    assert len(set(starts)) == 12 and all(d.day == 1 for d in starts) and starts == sorted(starts)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_month_end_date_is_the_day_before_the_next_month(d):
    end = month_end_date(d)
    assert (end.year, end.month) == (d.year, d.month)
    assert (end + timedelta(days=1)).day == 1
