"""What the compliance officer sees: per-clause figures for this month and quarter, what
is overdue, what is due in the next seven days, a 90-day heat map and a 12-month trend.

A fixed number of queries whatever the platform's size: every figure is an aggregate.
An occurrence counts in the day (month, quarter) of its due time, with the boundaries
(start, end]: a check due at midnight belongs to the day it closes.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate, TruncMonth

from ..models import Occurrence
from ..schedule.periods import (
    PeriodKind,
    local_midnight,
    month_starts,
    period_containing,
)

S = Occurrence.State
ONE_MICROSECOND = timedelta(microseconds=1)
STATES = ("done", "done_late", "missed", "open", "waived")


@dataclass
class Figures:
    due: int = 0
    done: int = 0
    done_late: int = 0
    missed: int = 0
    open: int = 0
    waived: int = 0

    @property
    def rate(self):
        """Completed share of what has been decided (done, done late or missed)."""
        decided = self.done + self.done_late + self.missed
        return (self.done + self.done_late) / decided if decided else None


@dataclass
class ClauseRow:
    number: str
    title: str
    month: Figures = field(default_factory=Figures)
    quarter: Figures = field(default_factory=Figures)


def stamp(value, tz, now, *, time=True) -> str:
    """A local date (and time) without the year when it is the current year's,
    with it otherwise: "11-16 08:00", "2027-01-01 00:00"."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    pattern = ("%m-%d" if local.year == now.astimezone(tz).year else "%Y-%m-%d") + (" %H:%M" if time else "")
    return local.strftime(pattern)


def clause_figures(platform, *, now, tz) -> tuple[list[ClauseRow], object, object]:
    """Per clause, for this month and this quarter: due, each state, and the rate.
    One grouped query (clause × state), pivoted here."""
    month = period_containing(PeriodKind.MONTHLY, now, tz)
    quarter = period_containing(PeriodKind.QUARTERLY, now, tz)
    rows = (Occurrence.objects.filter(platform=platform, due_at__gt=quarter.start, due_at__lte=quarter.end)
            .values("obligation__clause__number", "obligation__clause__ordinal", "obligation__clause__text", "state")
            .annotate(n=Count("id"), in_month=Count("id", filter=Q(due_at__gt=month.start, due_at__lte=month.end)))
            .order_by("obligation__clause__ordinal"))
    result: dict[str, ClauseRow] = {}
    for row in rows:
        number = row["obligation__clause__number"]
        item = result.setdefault(number, ClauseRow(number, row["obligation__clause__text"]))
        for figures, n in ((item.quarter, row["n"]), (item.month, row["in_month"])):
            figures.due += n
            setattr(figures, row["state"], getattr(figures, row["state"]) + n)
    return list(result.values()), month, quarter


def overdue(platform, *, now):
    """Open or missed, past due: oldest first."""
    return (Occurrence.objects.filter(platform=platform, state__in=Occurrence.TODO_STATES, due_at__lt=now)
            .select_related("obligation", "clause").prefetch_related("obligation__assignees")
            .order_by("due_at", "id"))


def due_soon(platform, *, now, days=7):
    return (Occurrence.objects.filter(platform=platform, state=S.OPEN, due_at__gte=now,
                                      due_at__lte=now + timedelta(days=days))
            .select_related("obligation", "clause").order_by("due_at", "id"))


def _belongs_to():
    return ExpressionWrapper(F("due_at") - ONE_MICROSECOND, output_field=DateTimeField())


def _series(platform, trunc, since, until):
    rows = (Occurrence.objects.filter(platform=platform, due_at__gt=since, due_at__lte=until)
            .annotate(bucket=trunc).values("bucket")
            .annotate(due=Count("id"), done=Count("id", filter=Q(state__in=(S.DONE, S.DONE_LATE))),
                      missed=Count("id", filter=Q(state=S.MISSED)))
            .order_by("bucket"))
    return {(r["bucket"].date() if hasattr(r["bucket"], "date") else r["bucket"]): r for r in rows}


@dataclass
class Cell:
    day: date
    due: int
    done: int
    missed: int

    @property
    def rate(self):
        decided = self.done + self.missed
        return self.done / decided if decided else None


def heatmap(platform, *, now, tz, days=90) -> list[Cell]:
    today = period_containing(PeriodKind.DAILY, now, tz)
    first = today.start_date - timedelta(days=days - 1)
    data = _series(platform, TruncDate(_belongs_to(), tzinfo=tz), local_midnight(first, tz), today.end)
    cells = []
    for i in range(days):
        d = first + timedelta(days=i)
        r = data.get(d, {"due": 0, "done": 0, "missed": 0})
        cells.append(Cell(d, r["due"], r["done"], r["missed"]))
    return cells


def trend(platform, *, now, tz, months=12) -> list[Cell]:
    month = period_containing(PeriodKind.MONTHLY, now, tz)
    starts = month_starts(month.start_date, months)
    data = _series(platform, TruncMonth(_belongs_to(), tzinfo=tz), local_midnight(starts[0], tz), month.end)
    empty = {"due": 0, "done": 0, "missed": 0}
    return [Cell(d, r["due"], r["done"], r["missed"]) for d in starts for r in [data.get(d, empty)]]
