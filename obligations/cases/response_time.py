"""Clause 三.4's measure: the first-response time of complaints, per month, against the
letter's promised average (response_minutes)."""

import math
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from ..letters.services import signed_letters
from ..models import Case, Completion, Obligation
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


def respond_steps(platform) -> dict[int, int]:
    """obligation id -> the sequence of its 'respond' step, for complaint obligations."""
    steps = {}
    for pk, deadlines in Obligation.objects.filter(platform=platform, kind=Obligation.Kind.EVENT,
                                                   trigger=Obligation.Trigger.COMPLAINT).values_list("pk", "deadlines"):
        for i, step in enumerate(deadlines, start=1):
            if step["step"] == "respond":
                steps[pk] = i
    return steps


def promised_minutes(platform) -> int | None:
    """The signed letter's promised average response time (its blank response_minutes), read
    alone: the letter's text is not loaded for one number."""
    return signed_letters(platform).values_list("values__response_minutes", flat=True).first()


def monthly_response_times(platform, *, now, months=12) -> list[MonthFigures]:
    tz = platform.tz
    limit = promised_minutes(platform)
    starts = month_starts(period_containing(PeriodKind.MONTHLY, now, tz).start_date, months)
    steps = respond_steps(platform)
    firsts = (Completion.objects.filter(occurrence__platform=platform, occurrence__case__kind=Case.Kind.COMPLAINT,
                                        occurrence__case__received_at__gte=local_midnight(starts[0], tz))
              .filter(occurrence__obligation_id__in=steps.keys())
              .values("occurrence_id", "occurrence__obligation_id", "occurrence__sequence",
                      "occurrence__case__received_at")
              .annotate(first=Min("completed_at")))
    per_month: dict[date, list[float]] = {}
    for row in firsts:
        if steps.get(row["occurrence__obligation_id"]) != row["occurrence__sequence"]:
            continue
        received = row["occurrence__case__received_at"]
        month = received.astimezone(tz).date().replace(day=1)
        per_month.setdefault(month, []).append((row["first"] - received).total_seconds() / 60)
    return [MonthFigures(d, len(values), sum(values) / len(values) if values else None, p90(values), limit)
            for d in starts for values in [per_month.get(d, [])]]
