"""The overdue and due-soon lists of the dashboard: one grouped query turned into lines, the
tasks of one obligation closing on one local day as one line ("安全检查 ×3 · 1 已完成"), and
each case clock as its own, with the link that lists exactly what a line counts.

Also the page's way of writing a time: without the year when it is the current year's."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case as Choose
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, IntegerField, JSONField, Min, Q, Value, When
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import Occurrence
from ..schedule import local_time

S = Occurrence.State
ONE_MICROSECOND = timedelta(microseconds=1)


def stamp(value, tz, now, *, time=True) -> str:
    """A local date (and time) without the year when it is the current year's, with it
    otherwise: "11-16 08:00", "2027-01-01 00:00". A date is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime) and (isinstance(value, local_time.OutOfRange) or not local_time.showable(value, tz)):
        return local_time.stamp(value, tz)  # names it as out of range
    local = value.astimezone(tz) if isinstance(value, datetime) else value
    this_year = local.year == now.astimezone(tz).year
    if time and isinstance(value, datetime):
        return local_time.stamp(value, tz, year=not this_year)
    return local.strftime("%m-%d" if this_year else "%Y-%m-%d")


_WEEKDAYS: dict[str, tuple[str, ...]] = {}


def weekdays() -> tuple[str, ...]:
    """周一 … 周日 in the active language (looked up once per language)."""
    language = get_language()
    if language not in _WEEKDAYS:
        _WEEKDAYS[language] = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))
    return _WEEKDAYS[language]


def weekday(d: date) -> str:
    return weekdays()[d.weekday()]


def belongs_to():
    """The instant that places a task in a day, month or quarter: a task due at midnight
    belongs to the day it closes, (start, end] as the drill-down selects."""
    return ExpressionWrapper(F("due_at") - ONE_MICROSECOND, output_field=DateTimeField())


@dataclass
class TaskLine:
    """One line of the overdue or due-soon list: the tasks of one obligation closing on
    one local day ("安全检查 ×3 · 1 已完成"), or one clock of a case ("TS-2026-000003 响应")."""

    day: date
    name: str  # clause number and obligation title, or case number and step
    detail: str  # what the tasks are: "×3 · 1 已完成", or the obligation of a clock
    when: str  # the day, or the due time of a single task
    href: str
    count: int
    drill: bool  # the link is a drill-down listing `count` rows (else one task's or one case's page)
    late: bool = False


def task_groups(platform, tz, now, soon):
    """The overdue and the due-soon lines from one grouped query, per obligation and local
    closing day and per case clock: every task still to do and past due, and every open task
    due from `now` to `soon`, both included, which the due-soon card counts. A line counts
    only what its figure counts, so the lines add up to the card (no done task, no time of
    the day outside the window)."""
    late = Q(state__in=Occurrence.TODO_STATES, due_at__lt=now)
    ahead = Q(state=S.OPEN, due_at__gte=now, due_at__lte=soon)
    step = Choose(When(case__isnull=True, then=Value(0)), default=F("sequence"), output_field=IntegerField())
    return (Occurrence.objects.filter(platform=platform, obligation__platform=platform)
            .filter(late | ahead)
            # A clock's steps are read for the case lines alone: no JSON decoded for the others.
            .annotate(day=TruncDate(belongs_to(), tzinfo=tz), step=step,
                      steps=Choose(When(case__isnull=False, then=F("obligation__deadlines")), default=None,
                                   output_field=JSONField()))
            .values("day", "obligation_id", "case_id", "step", "obligation__key", "obligation__title",
                    "obligation__clause__number", "steps", "case__number", "case__state")
            .annotate(late=Count("id", filter=late), ahead=Count("id", filter=ahead),
                      first_due=Min("due_at", filter=ahead), first_late=Min("due_at", filter=late),
                      ahead_id=Min("id", filter=ahead), late_id=Min("id", filter=late))
            .order_by())


class Lines:
    """Turns grouped rows into TaskLines, with the links of the page."""

    def __init__(self, now, tz, list_url):
        self.now, self.tz, self.list_url = now, tz, list_url
        self.case_url = reverse("case-detail", args=[0]).replace("/0/", "/{}/")
        self.occ_url = reverse("occurrence-detail", args=[0]).replace("/0/", "/{}/")
        self.due = _("到期 %(at)s")

    def line(self, r, *, overdue):
        """An overdue line counts the group's late tasks; a due-soon line its open tasks due in the window."""
        day, late = r["day"], r["late"]
        n, first, one = (late, r["first_late"], r["late_id"]) if overdue else (r["ahead"], r["first_due"], r["ahead_id"])
        if r["case_id"]:
            deadlines = r["steps"] or []
            key = deadlines[r["step"] - 1]["step"] if 0 < r["step"] <= len(deadlines) else ""
            label = Occurrence.STEP_LABELS.get(key, key)
            return TaskLine(day, f"{r['case__number']} {label}", r["obligation__title"],
                            self.due % {"at": stamp(first, self.tz, self.now)},
                            self.case_url.format(r["case_id"]), n, False, overdue)
        name = f"{r['obligation__clause__number']} {r['obligation__title']}"
        if n == 1:
            return TaskLine(day, name, "", self.due % {"at": stamp(first, self.tz, self.now)},
                            self.occ_url.format(one), 1, False, overdue)
        # The drill-down of the line selects what its figure does: the card's filter, the obligation, the day.
        query = {"overdue" if overdue else "due_soon": "on", "obligation": r["obligation__key"],
                 "date_from": day.isoformat(), "date_to": day.isoformat()}
        return TaskLine(day, name, f"×{n}", f"{stamp(day, self.tz, self.now)} {weekday(day)}",
                        f"{self.list_url}?{urlencode(query)}", n, True, overdue)
