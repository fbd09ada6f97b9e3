"""Pure period math: schedules to periods and due times.

No Django, no clock: every function takes the instant and the time zone it works in.
Periods follow the local calendar of the zone (a day runs from local midnight to local
midnight); the datetimes returned are aware and in UTC, ready to store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    TENDAY = "tenday"  # 旬: 1–10, 11–20, 21–end of month
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALFYEAR = "halfyear"
    YEARLY = "yearly"
    BIENNIAL = "biennial"


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, UTC, inclusive
    end: datetime  # aware, UTC, exclusive
    start_date: date  # local date the period starts on


@dataclass(frozen=True)
class Slot:
    """One due instance inside a period."""

    period: Period
    sequence: int  # 1-based
    opens_at: datetime
    due_at: datetime


def _month_add(d: date, months: int) -> date:
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def start_date_of(kind: PeriodKind, d: date, anchor_year: int = 2000) -> date:
    """The local date on which the period containing local date `d` starts."""
    match kind:
        case PeriodKind.DAILY:
            return d
        case PeriodKind.WEEKLY:
            return d - timedelta(days=d.weekday())
        case PeriodKind.TENDAY:
            return d.replace(day=1 if d.day <= 10 else 11 if d.day <= 20 else 21)
        case PeriodKind.MONTHLY:
            return d.replace(day=1)
        case PeriodKind.QUARTERLY:
            return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
        case PeriodKind.HALFYEAR:
            return date(d.year, 1 if d.month <= 6 else 7, 1)
        case PeriodKind.YEARLY:
            return date(d.year, 1, 1)
        case PeriodKind.BIENNIAL:
            return date(d.year - (d.year - anchor_year) % 2, 1, 1)
    raise ValueError(f"unknown period kind {kind!r}")


def next_start_date(kind: PeriodKind, start: date) -> date:
    """The start date of the period after the one starting on `start`."""
    match kind:
        case PeriodKind.DAILY:
            return start + timedelta(days=1)
        case PeriodKind.WEEKLY:
            return start + timedelta(days=7)
        case PeriodKind.TENDAY:
            return start.replace(day=start.day + 10) if start.day < 21 else _month_add(start, 1)
        case PeriodKind.MONTHLY:
            return _month_add(start, 1)
        case PeriodKind.QUARTERLY:
            return _month_add(start, 3)
        case PeriodKind.HALFYEAR:
            return _month_add(start, 6)
        case PeriodKind.YEARLY:
            return date(start.year + 1, 1, 1)
        case PeriodKind.BIENNIAL:
            return date(start.year + 2, 1, 1)
    raise ValueError(f"unknown period kind {kind!r}")


def month_starts(last: date, months: int) -> list[date]:
    """The first days of the `months` months that end with the month of `last`, oldest first."""
    first = _month_add(last.replace(day=1), 1 - months)
    return [_month_add(first, i) for i in range(months)]


def month_end_date(d: date) -> date:
    """The last day of the month of `d`."""
    return _month_add(d.replace(day=1), 1) - timedelta(days=1)


def local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def _period(kind: PeriodKind, start: date, tz: ZoneInfo) -> Period:
    return Period(local_midnight(start, tz), local_midnight(next_start_date(kind, start), tz), start)


def period_containing(kind: PeriodKind, instant: datetime, tz: ZoneInfo, anchor_year: int = 2000) -> Period:
    local = instant.astimezone(tz)
    period = _period(kind, start_date_of(kind, local.date(), anchor_year), tz)
    # A local midnight that falls in a DST gap maps to the instant after it; keep the
    # instant inside [start, end) even then.
    if instant < period.start:
        period = _period(kind, start_date_of(kind, local.date() - timedelta(days=1), anchor_year), tz)
    elif instant >= period.end:
        period = _period(kind, next_start_date(kind, period.start_date), tz)
    return period


def periods_between(
    kind: PeriodKind, start: datetime, end: datetime, tz: ZoneInfo, anchor_year: int = 2000
) -> Iterator[Period]:
    """Every period that overlaps [start, end), in order."""
    period = period_containing(kind, start, tz, anchor_year)
    while period.start < end:
        yield period
        period = _period(kind, next_start_date(kind, period.start_date), tz)


def slots_in_period(
    period: Period,
    count: int,
    tz: ZoneInfo,
    *,
    times_of_day: list[time] | None = None,
    spread: bool = False,
    due_offset: timedelta | None = None,
    days_after_end: int | None = None,
) -> list[Slot]:
    """The `count` due instances of one period.

    - times_of_day (daily only): the i-th instance is due at the i-th local time and
      opens when the previous one is due (the first at the period start);
    - spread: the period is cut into `count` equal windows, each due at its end;
    - due_offset: every instance opens at the period start and is due at start + offset;
    - days_after_end: every instance reports on the period once it is over: it opens
      when the period ends and is due at the close of the `days_after_end`-th local day
      after (每季度结束后15日内: a quarter ending 1 Oct 00:00 is due 16 Oct 00:00);
    - otherwise every instance opens at the start and is due at the end of the period.
    Due times never leave the period, except days_after_end's, which follow it.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if days_after_end is not None and days_after_end < 1:
        raise ValueError("days_after_end must be at least 1")
    if times_of_day:
        if len(times_of_day) != count:
            raise ValueError("one time of day per instance is needed")
        slots, opens = [], period.start
        for seq, t in enumerate(sorted(times_of_day), start=1):
            due = datetime.combine(period.start_date, t, tzinfo=tz).astimezone(UTC)
            due = min(max(due, period.start), period.end)
            slots.append(Slot(period, seq, opens, due))
            opens = due
        return slots
    if spread:
        length = period.end - period.start
        return [
            Slot(period, seq, period.start + length * (seq - 1) / count, period.start + length * seq / count)
            for seq in range(1, count + 1)
        ]
    opens, due = period.start, min(period.start + due_offset, period.end) if due_offset else period.end
    if days_after_end:
        opens, due = period.end, local_midnight(period.end.astimezone(tz).date() + timedelta(days=days_after_end), tz)
    return [Slot(period, seq, opens, due) for seq in range(1, count + 1)]


def _day_of(instant: datetime, tz: ZoneInfo) -> date:
    """The local day an instant closes: a due time at local midnight ends the day before."""
    return (instant - timedelta(microseconds=1)).astimezone(tz).date()


def slot_on_workday(slot: Slot, tz: ZoneInfo, is_workday: Callable[[date], bool]) -> Slot:
    """The slot with its due time on a working day (a 工作日 rule), per slot.

    A due time on a working day stays. A due time on a day off moves back to the end
    (local midnight) of the last working day between the day the slot opens and the day
    it was due: never before the slot opens, never out of its period (a slot due after
    its period: never back into it), and the order of the slots of a period is kept
    (each opens no later than the one before is due).

    When no working day lies in that window — a whole period of days off, such as a
    daily period on a Sunday or the 国庆 week of a weekly duty — the due time is kept.
    Moving it back would make it due before it opens; moving it forward would take it
    out of its period, where the next period's own slot stands, so two instances would
    be due together and the period's figures would count a task that is due in another
    period. The duty stays visible and due on its day off: done then, or waived with a
    reason. Dropping it instead is what lost whole months of monthly duties.
    """
    due_day = _day_of(slot.due_at, tz)
    if is_workday(due_day):
        return slot
    first = slot.opens_at.astimezone(tz).date()
    day = due_day - timedelta(days=1)
    while day >= first:
        if is_workday(day):
            return replace(slot, due_at=local_midnight(day + timedelta(days=1), tz))
        day -= timedelta(days=1)
    return slot


def slots_between(
    kind: PeriodKind,
    count: int,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    times_of_day: list[time] | None = None,
    spread: bool = False,
    due_offset: timedelta | None = None,
    days_after_end: int | None = None,
    is_workday: Callable[[date], bool] | None = None,
    anchor_year: int = 2000,
) -> Iterator[Slot]:
    """Slots of the periods overlapping [start, end). With `is_workday` (a 工作日 rule)
    every period still yields all its slots; each due time moves onto a working day as
    `slot_on_workday` says. With `days_after_end` the slots open when their period ends,
    so the period that ends at `start` is included too: its slots open at `start`."""
    first = start - timedelta(microseconds=1) if days_after_end else start
    for period in periods_between(kind, first, end, tz, anchor_year):
        slots = slots_in_period(period, count, tz, times_of_day=times_of_day, spread=spread, due_offset=due_offset,
                                days_after_end=days_after_end)
        if is_workday is not None:
            slots = [slot_on_workday(slot, tz, is_workday) for slot in slots]
        yield from slots
