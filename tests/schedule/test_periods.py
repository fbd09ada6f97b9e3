"""Property tests of the pure period math, over every period kind and two zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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


def test_workday_rule_skips_days_off():
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 9, 28, tzinfo=tz)
    slots = list(slots_between(PeriodKind.DAILY, 1, start, start + timedelta(days=14), tz,
                               is_workday=lambda d: d.weekday() < 5))
    assert all(s.period.start_date.weekday() < 5 for s in slots) and len(slots) == 10


def test_month_starts_reach_back_across_a_year_end():
    starts = month_starts(date(2026, 2, 17), 12)
    assert starts[0] == date(2025, 3, 1) and starts[-1] == date(2026, 2, 1)
    assert len(set(starts)) == 12 and all(d.day == 1 for d in starts) and starts == sorted(starts)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_month_end_date_is_the_day_before_the_next_month(d):
    end = month_end_date(d)
    assert (end.year, end.month) == (d.year, d.month)
    assert (end + timedelta(days=1)).day == 1
