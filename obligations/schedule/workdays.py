"""Working days of the official mainland calendar, and deadlines measured in them.

Pure: the calendar is built from the chinese-calendar package plus the days an officer
loaded for years the package does not know (`overrides`: date -> is a working day).
For a year known to neither, Monday–Friday is assumed and the answer is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import chinese_calendar

from .periods import local_midnight


class DeadlineUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKDAYS = "workdays"


@dataclass
class WorkCalendar:
    overrides: dict[date, bool] = field(default_factory=dict)
    loaded_years: frozenset[int] = frozenset()

    def is_known_year(self, year: int) -> bool:
        return year in self.loaded_years or _package_knows(year)

    def is_workday(self, d: date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        if d.year in self.loaded_years:
            return d.weekday() < 5
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            return d.weekday() < 5


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


def step_deadline(step: dict, severity: str = "") -> tuple[int, DeadlineUnit]:
    """The amount and unit of one deadline step, shortened by its severity tier if any."""
    tier = step.get("tiers", {}).get(severity, step)
    return tier["amount"], DeadlineUnit(tier["unit"])
