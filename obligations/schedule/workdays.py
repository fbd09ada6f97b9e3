"""Working days of the official mainland calendar, and deadlines measured in them.

Pure: the calendar is the chinese-calendar package plus the days a site administrator
loaded (`overrides`: date -> is a working day). A loaded day overrides that one day and
nothing else: the package still answers every other day of a year it knows, and a year
it does not know falls back to Monday–Friday around the loaded days.

An answer is final for a year the package knows or whose whole official calendar has
been loaded (`complete_years`); for any other year it is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

from .periods import Slot, local_midnight


class DeadlineUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKDAYS = "workdays"


@dataclass
class WorkCalendar:
    overrides: dict[date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()

    def is_known_year(self, year: int) -> bool:
        """Whether answers for `year` are final rather than provisional."""
        return year in self.complete_years or _package_knows(year)

    def is_workday(self, d: date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            return d.weekday() < 5

    def is_provisional(self, first: date, last: date) -> bool:
        """Whether an answer that looked at days from `first` to `last` is provisional."""
        return not all(self.is_known_year(year) for year in range(first.year, last.year + 1))


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # aware, UTC
    provisional: bool  # computed over a year whose official calendar is not loaded


def deadline_after(
    received: datetime, amount: int, unit: DeadlineUnit, tz: ZoneInfo, calendar: WorkCalendar | None = None
) -> Deadline:
    """When something received at `received` is due, `amount` units later.

    Calendar days keep the local wall time (7 days after 10:00 is 10:00). Working days
    count from the day after receipt and end at the close (local midnight) of the N-th
    working day: received on the eve of a holiday, the clock waits it out.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    match unit:
        case DeadlineUnit.MINUTES:
            return Deadline(received + timedelta(minutes=amount), False)
        case DeadlineUnit.HOURS:
            return Deadline(received + timedelta(hours=amount), False)
        case DeadlineUnit.DAYS:
            local = received.astimezone(tz).replace(tzinfo=None) + timedelta(days=amount)
            return Deadline(local.replace(tzinfo=tz).astimezone(UTC), False)
        case DeadlineUnit.WORKDAYS:
            calendar = calendar or WorkCalendar()
            day, left, provisional = received.astimezone(tz).date(), amount, False
            while left > 0:
                day += timedelta(days=1)
                provisional |= not calendar.is_known_year(day.year)
                if calendar.is_workday(day):
                    left -= 1
            return Deadline(local_midnight(day + timedelta(days=1), tz), provisional)
    raise ValueError(f"unknown unit {unit!r}")


def slot_is_provisional(slot: Slot, tz: ZoneInfo, calendar: WorkCalendar) -> bool:
    """Whether a slot placed by the working-day rule may still move: the rule looks at
    days between the slot's opening and the end of its period, so the slot is provisional
    while any of their years is."""
    last_day = (slot.period.end - timedelta(microseconds=1)).astimezone(tz).date()
    return calendar.is_provisional(slot.opens_at.astimezone(tz).date(), last_day)


def step_deadline(step: dict, severity: str = "") -> tuple[int, DeadlineUnit]:
    """The amount and unit of one deadline step, shortened by its severity tier if any."""
    tier = step.get("tiers", {}).get(severity, step)
    return tier["amount"], DeadlineUnit(tier["unit"])
