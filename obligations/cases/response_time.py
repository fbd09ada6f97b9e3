"""Clause 三.4's measure: the first-response time of complaints, per month, against the
promised average (response_minutes) of the letter version in force."""

import math
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from ..letters.in_force import LetterInForce, letter_in_force
from ..models import Case, Completion
from ..schedule.periods import (
    PeriodKind,
    local_midnight,
    month_starts,
    period_containing,
)


@dataclass
class MonthFigures:
    month: date
    count: int
    average: float | None  # minutes
    p90: float | None  # minutes, nearest rank
    limit: int | None

    @property
    def breached(self):
        return self.limit is not None and self.average is not None and self.average > self.limit


def p90(values: list[float]) -> float | None:
    """The nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def first_responses(platform, *, since, until, in_force: LetterInForce) -> dict[date, list[float]]:
    """Per local month of receipt, the minutes from receipt to the first completion of the
    respond step of the complaints received in [since, until); the respond step is the one
    the version in force at the receipt names. One query."""
    # Each table joined is restricted to the platform, so the planner reads its rows by index.
    firsts = (Completion.objects.filter(occurrence__platform=platform, occurrence__case__platform=platform,
                                        occurrence__obligation__platform=platform,
                                        occurrence__case__kind=Case.Kind.COMPLAINT,
                                        occurrence__case__received_at__gte=since,
                                        occurrence__case__received_at__lt=until)
              .values("occurrence_id", "occurrence__obligation__key", "occurrence__sequence",
                      "occurrence__case__received_at")
              .annotate(first=Min("completed_at"), version=in_force.number_at("occurrence__case__received_at"))
              .order_by())
    tz = platform.tz
    per_month: dict[date, list[float]] = {}
    for row in firsts:
        term = in_force.term(row["version"], row["occurrence__obligation__key"])
        if term is None or term.trigger != Case.Kind.COMPLAINT or term.step(row["occurrence__sequence"]) != "respond":
            continue
        received = row["occurrence__case__received_at"]
        month = received.astimezone(tz).date().replace(day=1)
        per_month.setdefault(month, []).append((row["first"] - received).total_seconds() / 60)
    return per_month


def promised_limit(in_force: LetterInForce, first_day: date, *, since, tz) -> int | None:
    """The promised average (blank response_minutes) a month or a period starting on
    `first_day` is held to: the one in force when it began (at `since` at the earliest), so
    an amendment binds from the next month on and never rewrites a month already begun."""
    return in_force.value(max(local_midnight(first_day, tz), since), "response_minutes")


def response_times(platform, *, months: list[date], since, until, in_force: LetterInForce) -> list[MonthFigures]:
    """The figures of each month (its first day in `months`) of the complaints received in
    [since, until), each month against the promise it began under."""
    per_month = first_responses(platform, since=since, until=until, in_force=in_force)
    return [MonthFigures(d, len(values), sum(values) / len(values) if values else None, p90(values),
                         promised_limit(in_force, d, since=since, tz=platform.tz))
            for d in months for values in [per_month.get(d, [])]]


def monthly_response_times(platform, *, now, months=12) -> list[MonthFigures]:
    tz = platform.tz
    this = period_containing(PeriodKind.MONTHLY, now, tz)
    starts = month_starts(this.start_date, months)
    since = local_midnight(starts[0], tz)
    return response_times(platform, months=starts, since=since, until=this.end,
                          in_force=letter_in_force(platform, since=since, until=this.end))
