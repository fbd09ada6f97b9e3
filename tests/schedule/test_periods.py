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


# A report on a period, due days after it ends (四.1: 每季度结束后15日内) ---------------------

def test_a_quarterly_report_opens_when_the_quarter_ends_and_is_due_fifteen_days_later():
    q3 = period_containing(PeriodKind.QUARTERLY, datetime(2026, 8, 15, tzinfo=SH), SH)
    slots = slots_in_period(q3, 2, SH, days_after_end=15)
    assert [s.sequence for s in slots] == [1, 2] and all(s.period == q3 for s in slots)
    assert {s.opens_at for s in slots} == {datetime(2026, 10, 1, tzinfo=SH)}
    assert {s.due_at for s in slots} == {datetime(2026, 10, 16, tzinfo=SH)}  # the close of 15 Oct, Beijing time
    q4 = period_containing(PeriodKind.QUARTERLY, datetime(2026, 12, 7, tzinfo=SH), SH)
    slot, = slots_in_period(q4, 1, SH, days_after_end=15)
    assert (slot.opens_at, slot.due_at) == (datetime(2027, 1, 1, tzinfo=SH), datetime(2027, 1, 16, tzinfo=SH))


@given(kind=kinds, instant=instants, tz=zones, days=st.integers(1, 120), count=st.integers(1, 4))
@settings(max_examples=400)
def test_a_slot_due_after_its_period_opens_at_its_end_and_is_due_at_a_local_midnight(kind, instant, tz, days, count):
    period = period_containing(kind, instant, tz)
    slots = slots_in_period(period, count, tz, days_after_end=days)
    end_day = period.end.astimezone(tz).date()
    for slot in slots:
        assert slot.period == period and slot.opens_at == period.end < slot.due_at
        assert slot.due_at == datetime.combine(end_day + timedelta(days=days), time(0), tzinfo=tz)
        # whole local days: 24 hours each, give or take a clock change
        assert abs(slot.due_at - slot.opens_at - timedelta(days=days)) <= timedelta(hours=2)
        assert slot.due_at.utcoffset() == timedelta(0)  # stored in UTC


@given(kind=kinds, instant=instants, tz=zones, days=st.integers(1, 40), cuts=st.lists(st.integers(1, 24 * 200),
                                                                                       min_size=1, max_size=6))
@settings(max_examples=300)
def test_windows_one_after_another_raise_each_report_once(kind, instant, tz, days, cuts):
    """The sweep asks for the slots opening in [since, until), window after window; a window
    that starts exactly when a period ends still gets that period's report."""
    bounds = [instant]
    for hours in cuts:
        bounds.append(bounds[-1] + timedelta(hours=hours))
    # Put a bound exactly on a period's end, where the report opens.
    bounds[1] = period_containing(kind, bounds[1], tz).start
    bounds = sorted(set(bounds))
    whole = [s for s in slots_between(kind, 1, bounds[0], bounds[-1], tz, days_after_end=days)
             if bounds[0] <= s.opens_at < bounds[-1]]
    pieces = [s for a, b in zip(bounds, bounds[1:], strict=False)
              for s in slots_between(kind, 1, a, b, tz, days_after_end=days) if a <= s.opens_at < b]
    assert pieces == whole
    assert len({s.period.start for s in pieces}) == len(pieces)


def test_a_window_starting_as_a_quarter_ends_holds_that_quarters_report():
    start = datetime(2026, 10, 1, tzinfo=SH)
    slots = list(slots_between(PeriodKind.QUARTERLY, 1, start, start + timedelta(days=14), SH, days_after_end=15))
    assert [(s.period.start_date, s.opens_at) for s in slots] == [(date(2026, 7, 1), start),
                                                                  (date(2026, 10, 1), datetime(2027, 1, 1, tzinfo=SH))]


def test_no_report_is_due_zero_days_after():
    q3 = period_containing(PeriodKind.QUARTERLY, datetime(2026, 8, 15, tzinfo=SH), SH)
    with pytest.raises(ValueError):
        slots_in_period(q3, 1, SH, days_after_end=0)


def test_a_report_due_on_a_day_off_moves_back_but_never_into_its_period():
    # Q2 2026 ends as 1 Jul begins; the 4th day after is Saturday 4 Jul: due at the close of Friday 3 Jul.
    q2 = datetime(2026, 5, 1, tzinfo=SH)
    slot, = slots_between(PeriodKind.QUARTERLY, 1, q2, q2 + timedelta(days=1), SH, days_after_end=4,
                          is_workday=chinese_calendar.is_workday)
    assert (slot.opens_at, slot.due_at) == (datetime(2026, 7, 1, tzinfo=SH), datetime(2026, 7, 4, tzinfo=SH))
    # Q3 ends as the 国庆 holidays begin: 1–4 Oct hold no working day, so the due time stays.
    q3 = datetime(2026, 8, 1, tzinfo=SH)
    slot, = slots_between(PeriodKind.QUARTERLY, 1, q3, q3 + timedelta(days=1), SH, days_after_end=4,
                          is_workday=chinese_calendar.is_workday)
    assert (slot.opens_at, slot.due_at) == (datetime(2026, 10, 1, tzinfo=SH), datetime(2026, 10, 5, tzinfo=SH))
