"""My tasks: a user's occurrences in sections (today, overdue, this week, month,
quarter), each grouped by clause. One query, bucketed here."""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby

from ..models import Occurrence
from ..schedule.periods import PeriodKind, local_midnight, period_containing
from ..trust import access

OVERDUE_DAYS = 30


@dataclass
class Section:
    key: str
    title: str
    occurrences: list = field(default_factory=list)

    @property
    def groups(self):
        """[(clause, [occurrences])], in clause order."""
        ordered = sorted(self.occurrences, key=lambda o: (o.clause.ordinal, o.obligation.key, o.due_at, o.sequence))
        return [(clause, list(items)) for clause, items in groupby(ordered, key=lambda o: o.clause)]

    @property
    def open_count(self):
        return sum(1 for o in self.occurrences if o.state in Occurrence.TODO_STATES)


def my_tasks(user, *, now, tz, titles) -> list[Section]:
    today = period_containing(PeriodKind.DAILY, now, tz)
    week_end = period_containing(PeriodKind.WEEKLY, now, tz).end
    month_end = period_containing(PeriodKind.MONTHLY, now, tz).end
    quarter_end = period_containing(PeriodKind.QUARTERLY, now, tz).end
    since = local_midnight(today.start_date - timedelta(days=OVERDUE_DAYS), tz)
    rows = (access.task_occurrences(user)
            .filter(due_at__gt=since, due_at__lte=max(quarter_end, week_end))
            .select_related("obligation", "clause", "platform", "completed_by", "case")
            .order_by("due_at", "sequence"))
    sections = {key: Section(key, titles[key]) for key in ("today", "overdue", "week", "month", "quarter")}
    # Boundaries are (start, end]: a check due at midnight closes the day before.
    for occ in rows:
        if today.start < occ.due_at <= today.end:
            sections["today"].occurrences.append(occ)
        elif occ.due_at <= today.start:
            if occ.state in Occurrence.TODO_STATES:
                sections["overdue"].occurrences.append(occ)
        elif occ.state != Occurrence.State.OPEN:
            continue
        elif occ.due_at <= week_end:
            sections["week"].occurrences.append(occ)
        elif occ.due_at <= month_end:
            sections["month"].occurrences.append(occ)
        else:
            sections["quarter"].occurrences.append(occ)
    return list(sections.values())
