"""My tasks: a user's occurrences in sections (today, overdue, tomorrow, this week, month,
quarter), each grouped by clause. The counts come from one aggregate query; each section
loads at most a page of rows, so the page stays flat however many tasks a user has."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from ..models import Occurrence, Platform
from ..schedule.periods import PeriodKind, local_midnight, period_containing
from ..trust import access

OVERDUE_DAYS = 30
SECTION_KEYS = ("today", "overdue", "tomorrow", "week", "month", "quarter")


class Scope:
    """Whose tasks: the user's own (the default), or everything on the platforms the user
    is officer of (plus their own elsewhere)."""
    MINE = "mine"
    ALL = "all"


@dataclass
class Section:
    key: str
    title: str
    occurrences: list = field(default_factory=list)
    total: int = 0
    open_count: int = 0  # still to do: open or missed
    done_count: int = 0  # done, on time or late

    @property
    def groups(self):
        """[(clause, [occurrences])], in clause order."""
        ordered = sorted(self.occurrences, key=lambda o: (o.clause.ordinal, o.obligation.key, o.due_at, o.sequence))
        return [(clause, list(items)) for clause, items in groupby(ordered, key=lambda o: o.clause)]

    @property
    def waived_count(self):
        return self.total - self.open_count - self.done_count

    @property
    def more(self):
        """How many rows of the section are not shown."""
        return self.total - len(self.occurrences)


def day_filters(*, now, tz) -> dict[str, Q]:
    """Each section as a filter, in the zone `tz`. Boundaries are (start, end]: a check due at midnight closes
    the day before. Today keeps its done tasks; the other sections list only what is still
    to do; each later section starts where the one before it ended."""
    today = period_containing(PeriodKind.DAILY, now, tz)
    tomorrow_end = local_midnight(today.start_date + timedelta(days=2), tz)
    since = local_midnight(today.start_date - timedelta(days=OVERDUE_DAYS), tz)
    filters = {
        "today": Q(due_at__gt=today.start, due_at__lte=today.end),
        "overdue": Q(due_at__gt=since, due_at__lte=today.start, state__in=Occurrence.TODO_STATES),
    }
    lower = today.end
    for key, upper in (("tomorrow", tomorrow_end),
                       ("week", period_containing(PeriodKind.WEEKLY, now, tz).end),
                       ("month", period_containing(PeriodKind.MONTHLY, now, tz).end),
                       ("quarter", period_containing(PeriodKind.QUARTERLY, now, tz).end)):
        filters[key] = Q(due_at__gt=lower, due_at__lte=max(lower, upper), state=Occurrence.State.OPEN)
        lower = max(lower, upper)
    return filters


def section_filters(user, *, now) -> dict[str, Q]:
    """Each section as a filter, each platform's tasks by its own local days: a platform's
    "today" ends at its midnight, as its dashboard counts it."""
    zones = defaultdict(list)
    for pk, name in Platform.objects.filter(pk__in=list(access.roles_of(user))).values_list("pk", "timezone"):
        zones[name].append(pk)
    if len(zones) <= 1:  # one zone: the scope already holds the platforms
        return day_filters(now=now, tz=ZoneInfo(next(iter(zones), settings.TIME_ZONE)))
    filters: dict[str, Q] = {}
    for name, ids in zones.items():
        for key, q in day_filters(now=now, tz=ZoneInfo(name)).items():
            filters[key] = filters.get(key, Q(pk__in=[])) | (Q(platform_id__in=ids) & q)
    return filters


def task_scope(user, scope=Scope.MINE):
    """The occurrences on the user's list in a scope."""
    if scope == Scope.ALL:
        return access.task_occurrences(user)
    return Occurrence.objects.filter(access.assigned_to(user), platform_id__in=list(access.roles_of(user)))


def section_rows(user, key, *, now, scope=Scope.MINE):
    """One section's rows in due order, for a view to page."""
    return (task_scope(user, scope).filter(section_filters(user, now=now)[key])
            .select_related("obligation", "clause", "platform", "completed_by", "case")
            .order_by("due_at", "sequence", "pk"))


def my_tasks(user, *, now, titles, scope=Scope.MINE, limit=None, only=None, per_obligation=None) -> list[Section]:
    """The sections (or only the one named `only`), each with its counts and its first
    `limit` rows (all when None). With `per_obligation`, only the first so many rows of each
    obligation: three checks a day then do not bury a monthly audit or a one-time
    rectification further down."""
    filters = section_filters(user, now=now)
    keys = [only] if only else list(SECTION_KEYS)
    base = task_scope(user, scope)
    todo = Q(state__in=Occurrence.TODO_STATES)
    done = Q(state__in=Occurrence.DONE_STATES)
    counts = base.aggregate(**{f"{k}_total": Count("pk", filter=filters[k]) for k in keys},
                            **{f"{k}_open": Count("pk", filter=filters[k] & todo) for k in keys},
                            **{f"{k}_done": Count("pk", filter=filters[k] & done) for k in keys})
    sections = []
    for key in keys:
        section = Section(key, titles[key], total=counts[f"{key}_total"], open_count=counts[f"{key}_open"],
                          done_count=counts[f"{key}_done"])
        if section.total and limit != 0:
            rows = base.filter(filters[key])
            if per_obligation:
                rows = rows.annotate(nth=Window(RowNumber(), partition_by=F("obligation_id"),
                                                order_by=(F("due_at").asc(), F("sequence").asc()))
                                     ).filter(nth__lte=per_obligation)
            rows = (rows.select_related("obligation", "clause", "platform", "completed_by", "case")
                    .order_by("due_at", "sequence", "pk"))
            section.occurrences = list(rows[:limit] if limit is not None else rows)
        sections.append(section)
    return sections
