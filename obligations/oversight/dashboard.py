"""What the compliance officer sees: per-clause figures for this month and quarter, what
is overdue, what is due in the next seven days, open cases, a 90-day heat map and a
12-month trend.

A fixed number of queries whatever the platform's size: every figure is an aggregate.
An occurrence counts in the day (month, quarter) of its due time, with the boundaries
(start, end]: a check due at midnight belongs to the day it closes, as the drill-down
selects it (drilldown.due_on_days).

Every figure the page shows links to the rows behind it, and the link selects exactly
the rows the figure counts: `dashboard_page` builds the figures with their links, the
rows of the lists and the labels, ready to render, so the template only places them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case as Choose
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..models import Case, Occurrence
from ..schedule.local_time import zoned
from ..schedule.periods import (
    PeriodKind,
    local_midnight,
    month_starts,
    period_containing,
)
from ..wording import enumeration
from ..work.sweeps import unraised_slots
from .drilldown import SOON_DAYS
from .period_status import as_of_text, period_status
from .task_lines import Lines, TaskLine, belongs_to, stamp, task_groups

S = Occurrence.State
STATES = ("done", "done_late", "missed", "open", "waived")
LIST_LIMIT = 20  # overdue task lines shown (and every late case clock); the card links to all


@dataclass
class Figures:
    due: int = 0  # what the schedule makes due: the rows of every state and the slots not raised yet
    done: int = 0
    done_late: int = 0
    missed: int = 0
    open: int = 0
    waived: int = 0
    pending: int = 0  # due in the window by the schedule, not raised yet (the sweep raises 14 days ahead)

    @property
    def decided(self):
        """What has been decided: done, done late or missed (open and waived are not)."""
        return self.done + self.done_late + self.missed

    @property
    def rate(self):
        """Completed share of what has been decided: (done + done late) ÷ (done + done late + missed)."""
        decided = self.decided
        return (self.done + self.done_late) / decided if decided else None


@dataclass
class ClauseRow:
    number: str
    title: str  # the titles of the clause's obligations, not its cut-off text
    month: Figures = field(default_factory=Figures)
    quarter: Figures = field(default_factory=Figures)


def _quarter_rows(platform, quarter, month):
    """One grouped query (obligation × state) over the quarter. The join to the
    obligations is restricted to the platform's own, so the planner reads a handful of
    obligations by index, not every platform's."""
    return (Occurrence.objects.filter(platform=platform, obligation__platform=platform,
                                      due_at__gt=quarter.start, due_at__lte=quarter.end)
            .values("obligation__clause__number", "obligation__clause__ordinal", "obligation__key",
                    "obligation__title", "state")
            .annotate(n=Count("id"), in_month=Count("id", filter=Q(due_at__gt=month.start, due_at__lte=month.end)))
            .order_by("obligation__clause__ordinal", "obligation__key", "state"))


def clause_figures(platform, *, now, tz) -> tuple[list[ClauseRow], object, object]:
    """Per clause, for this month and this quarter: due by the schedule, each state, the
    tasks not raised yet, and the rate; the clause named by its obligations' titles."""
    month = period_containing(PeriodKind.MONTHLY, now, tz)
    quarter = period_containing(PeriodKind.QUARTERLY, now, tz)
    result: dict[str, ClauseRow] = {}
    titles: dict[str, list[str]] = {}
    ordinals: dict[str, int] = {}
    for row in _quarter_rows(platform, quarter, month):
        number = row["obligation__clause__number"]
        ordinals.setdefault(number, row["obligation__clause__ordinal"])
        item = result.setdefault(number, ClauseRow(number, ""))
        names = titles.setdefault(number, [])
        if row["obligation__title"] not in names:
            names.append(row["obligation__title"])
        for figures, n in ((item.quarter, row["n"]), (item.month, row["in_month"])):
            figures.due += n
            setattr(figures, row["state"], getattr(figures, row["state"]) + n)
    for ob, slot in unraised_slots(platform, after=quarter.start, until=quarter.end):
        number = ob.clause.number
        ordinals.setdefault(number, ob.clause.ordinal)
        item = result.setdefault(number, ClauseRow(number, ""))
        names = titles.setdefault(number, [])
        if ob.title not in names:
            names.append(ob.title)
        in_month = month.start < slot.due_at <= month.end
        for figures in (item.quarter, item.month) if in_month else (item.quarter,):
            figures.due += 1
            figures.pending += 1
    for number, item in result.items():
        item.title = enumeration(titles[number])
    return sorted(result.values(), key=lambda row: ordinals[row.number]), month, quarter


def overdue(platform, *, now):
    """Open or missed, past due: oldest first."""
    return (Occurrence.objects.filter(platform=platform, state__in=Occurrence.TODO_STATES, due_at__lt=now)
            .select_related("obligation", "clause").prefetch_related("obligation__assignees")
            .order_by("due_at", "id"))


def due_soon(platform, *, now, days=SOON_DAYS):
    """Open and due from now to seven days (7 × 24 hours) from now."""
    return (Occurrence.objects.filter(platform=platform, state=S.OPEN, due_at__gte=now,
                                      due_at__lte=now + timedelta(days=days))
            .select_related("obligation", "clause").order_by("due_at", "id"))


def late_clocks(now):
    """A case's clocks past their deadline and still to do (missed, or open past due)."""
    return Occurrence.objects.filter(case=OuterRef("pk"), state__in=Occurrence.TODO_STATES, due_at__lt=now)


def _series(platform, trunc, since, until):
    rows = (Occurrence.objects.filter(platform=platform, due_at__gt=since, due_at__lte=until)
            .annotate(bucket=trunc).values("bucket")
            .annotate(due=Count("id"), done=Count("id", filter=Q(state__in=Occurrence.DONE_STATES)),
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
    data = _series(platform, TruncDate(belongs_to(), tzinfo=tz), local_midnight(first, tz), today.end)
    cells = []
    for i in range(days):
        d = first + timedelta(days=i)
        r = data.get(d, {"due": 0, "done": 0, "missed": 0})
        cells.append(Cell(d, r["due"], r["done"], r["missed"]))
    return cells


def trend(platform, *, now, tz, months=12) -> list[Cell]:
    month = period_containing(PeriodKind.MONTHLY, now, tz)
    starts = month_starts(month.start_date, months)
    data = _series(platform, TruncMonth(belongs_to(), tzinfo=tz), local_midnight(starts[0], tz), month.end)
    empty = {"due": 0, "done": 0, "missed": 0}
    return [Cell(d, r["due"], r["done"], r["missed"]) for d in starts for r in [data.get(d, empty)]]


def heatmap_and_trend(platform, *, now, tz, days=90, months=12) -> tuple[list[Cell], list[Cell]]:
    """Both charts from one query of about a hundred rows: a count per local day over
    the heat map's days and per month before them; the trend's months are the month
    rows plus the days of theirs."""
    today = period_containing(PeriodKind.DAILY, now, tz)
    month = period_containing(PeriodKind.MONTHLY, now, tz)  # the trend counts the whole of this month
    starts = month_starts(today.start_date, months)
    first_day = today.start_date - timedelta(days=days - 1)
    heat_start = local_midnight(first_day, tz)
    belongs = belongs_to()
    by_day = Q(due_at__gt=heat_start)
    bucket = Choose(When(by_day, then=TruncDate(belongs, tzinfo=tz)), default=TruncMonth(belongs, tzinfo=tz),
                    output_field=DateTimeField())
    rows = (Occurrence.objects.filter(platform=platform, due_at__gt=min(local_midnight(starts[0], tz), heat_start),
                                      due_at__lte=max(month.end, today.end))
            .annotate(bucket=bucket, daily=Choose(When(by_day, then=Value(1)), default=Value(0),
                                                  output_field=IntegerField()))
            .values("bucket", "daily")
            .annotate(due=Count("id"), done=Count("id", filter=Q(state__in=Occurrence.DONE_STATES)),
                      missed=Count("id", filter=Q(state=S.MISSED)))
            .order_by())
    per_day = {}
    months_sum = {d: [0, 0, 0] for d in starts}
    for r in rows:
        d = r["bucket"]
        d = d.date() if isinstance(d, datetime) else d  # the CASE of a date and a month may read as a timestamp
        if r["daily"]:
            per_day[d] = r
        total = months_sum.get(d.replace(day=1))
        if total is not None:
            total[0] += r["due"]
            total[1] += r["done"]
            total[2] += r["missed"]
    cells = []
    for i in range(days):
        d = first_day + timedelta(days=i)
        r = per_day.get(d)
        cells.append(Cell(d, r["due"], r["done"], r["missed"]) if r else Cell(d, 0, 0, 0))
    return cells, [Cell(d, *months_sum[d]) for d in starts]


# The page: figures with the links that select their rows, and the lines of the lists.


@dataclass
class Figure:
    """A number on the page and the drill-down that lists exactly the rows it counts."""

    key: str
    label: str
    count: int
    href: str
    title: str = ""
    danger: bool = False


@dataclass
class Dashboard:
    platform: object
    now: datetime
    generated: str
    overdue: Figure
    due_soon: Figure
    cases: Figure
    case_parts: list[Figure]  # open cases per severity, and those with a clock past its deadline
    rows: list[ClauseRow]
    windows: list[dict]
    overdue_lines: list[TaskLine]
    overdue_more: int
    soon_lines: list[TaskLine]
    soon_until: str
    heatmap: list[Cell]
    trend: list[Cell]
    list_url: str


def _cases(platform, board_url, late_cases):
    """Open cases by severity (one query), and how many of them have a clock past its
    deadline (`late_cases`, from the overdue lines' query)."""
    counts = dict(Case.objects.filter(platform=platform, state=Case.State.OPEN).values("severity")
                  .annotate(n=Count("id")).order_by().values_list("severity", "n"))
    base = {"platform": platform.slug}
    severities = [Figure(f"cases-{value}", str(label), counts.get(value, 0),
                         f"{board_url}?{urlencode({**base, 'severity': value})}",
                         danger=value == Case.Severity.CRITICAL and bool(counts.get(value)))
                  for value, label in Case.Severity.choices]
    total = Figure("cases", _("处理中案件"), sum(counts.values()), f"{board_url}?{urlencode(base)}",
                   title=_("投诉、突发事件和发现问题,尚未办结的"))
    breached = Figure("cases-late", _("已超时"), late_cases, f"{board_url}?{urlencode({**base, 'breached': 'on'})}",
                      title=_("有时限已过仍未完成的案件"), danger=bool(late_cases))
    return total, severities + [breached]


def dashboard_page(platform, *, now) -> Dashboard:
    tz = platform.tz
    list_url = reverse("occurrence-list", args=[platform.slug])
    rows, month, quarter = clause_figures(platform, now=now, tz=tz)
    lines = Lines(now, tz, list_url)

    soon = now + timedelta(days=SOON_DAYS)
    groups = list(task_groups(platform, tz, now, soon))
    late_rows = [r for r in groups if r["late"]]
    overdue_count = sum(r["late"] for r in late_rows)
    # Case clocks first (few, and each a promise to a person), then the tasks, oldest first.
    clock_rows = sorted((r for r in late_rows if r["case_id"]), key=lambda r: (r["first_late"], r["case_id"]))
    task_rows = sorted((r for r in late_rows if not r["case_id"]),
                       key=lambda r: (r["first_late"], r["obligation__key"]))
    overdue_lines = [lines.line(r, overdue=True) for r in clock_rows + task_rows[:LIST_LIMIT]]
    soon_rows = sorted((r for r in groups if r["ahead"]),
                       key=lambda r: (r["day"], r["first_due"], r["obligation__key"], r["case_id"] or 0, r["step"]))
    soon_count = sum(r["ahead"] for r in soon_rows)  # what the lines add up to

    late_cases = len({r["case_id"] for r in clock_rows if r["case__state"] == Case.State.OPEN})
    cases_total, case_parts = _cases(platform, reverse("case-board"), late_cases)
    heat, months = heatmap_and_trend(platform, now=now, tz=tz)
    windows = []
    for title, key, period in ((_("本月"), "m", month), (_("本季度"), "q", quarter)):
        first, last = period.start_date, period.end.astimezone(tz).date() - timedelta(days=1)
        windows.append({"title": title, "key": key, "first": first, "last": last,
                        "label": f"{stamp(first, tz, now)} – {stamp(last, tz, now)}",
                        "status": as_of_text(period_status(period.end, now, tz), tz),
                        "query": urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})})
    return Dashboard(
        platform=platform, now=now, generated=zoned(now, tz),
        overdue=Figure("overdue", _("当前逾期"), overdue_count, f"{list_url}?overdue=on",
                       title=_("待办或未完成,且已过到期时间"), danger=bool(overdue_count)),
        due_soon=Figure("due-soon", _("未来7天到期"), soon_count, f"{list_url}?due_soon=on",
                        title=_("待办,从现在起 7 天(7×24 小时)内到期")),
        cases=cases_total, case_parts=case_parts, rows=rows, windows=windows, overdue_lines=overdue_lines,
        overdue_more=max(len(task_rows) - LIST_LIMIT, 0), soon_lines=[lines.line(r, overdue=False) for r in soon_rows],
        soon_until=stamp(soon, tz, now), heatmap=heat, trend=months, list_url=list_url,
    )
