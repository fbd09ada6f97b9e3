"""What a draft letter will raise once signed, before it is: the tasks of the next days
and a count per month for a year, per obligation.

The obligations are built as the signing would build them (`letter_obligation_fields`,
starting at `obligations_start`) but never saved, and their slots come from the same
`obligation_slots` the materialize sweep uses, so the preview and the schedule cannot
disagree. A task counts in the month of its due time with the boundaries (start, end],
as on the dashboard: a check due at midnight belongs to the day it closes.
An obligation an amendment carries over keeps its start, as signing keeps it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from ..letters.services import (
    OBLIGATION_FIELDS,
    letter_obligation_fields,
    obligation_problem,
    obligations_start,
    schedule_start,
)
from ..letters.values import values_problems
from ..models import Clause, Letter, Obligation
from ..schedule.periods import PeriodKind, local_midnight, next_start_date, period_containing
from ..schedule.workdays import WorkCalendar
from .sweeps import obligation_slots

ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass
class PreviewTask:
    key: str
    title: str
    clause: str  # its number
    sequence: int
    opens_at: datetime  # aware, in the platform's zone
    due_at: datetime
    ordinal: int = 0  # the clause's place in the letter


@dataclass
class PreviewObligation:
    key: str
    title: str
    clause: str
    kind: str
    fields: dict  # the resolved fields, as signing would store them
    counts: list[int] = field(default_factory=list)  # per month, for the calendar and one-time kinds
    problem: str = ""  # why it cannot be scheduled (the letter cannot be signed so)
    # A new calendar or one-time duty's first due time per choice of Letter.first_period.
    first_due: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def owes_period_under_way(self) -> bool:
        """Whether the choice of Letter.first_period changes its first task."""
        return len(set(self.first_due.values())) > 1

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class LetterPreview:
    now: datetime
    start: datetime  # when new obligations start (aware, platform zone)
    until: datetime  # the end of the task list
    missing: list[str]  # labels of the blanks still empty or wrongly filled
    months: list[date] = field(default_factory=list)  # first days
    tasks: list[PreviewTask] = field(default_factory=list)
    scheduled: list[PreviewObligation] = field(default_factory=list)  # calendar and one-time
    events: list[PreviewObligation] = field(default_factory=list)  # raised by cases, with their deadlines
    unscheduled: list[PreviewObligation] = field(default_factory=list)  # with a problem
    first_period: str = Letter.FirstPeriod.FULL  # the letter's choice, which the tasks and counts follow

    @property
    def month_totals(self) -> list[int]:
        return [sum(col) for col in zip(*(o.counts for o in self.scheduled), strict=True)] if self.scheduled \
            else [0] * len(self.months)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unscheduled


def letter_preview(letter: Letter, *, now: datetime, days: int = 14, months: int = 12) -> LetterPreview:
    """The tasks opening before now + `days` and not yet due, and the tasks due in each of
    the `months` months from this one (nothing before a start to come). Missing blanks are named,
    and an obligation that cannot be scheduled says why, instead of failing."""
    tz = letter.platform.tz
    missing = values_problems(letter.blanks, letter.values)
    try:
        start = obligations_start(letter, now)
    except ValueError:  # a sign date that is no date: named among the missing blanks
        start = now
    preview = LetterPreview(now=now.astimezone(tz), start=start.astimezone(tz), until=(now + timedelta(days=days))
                            .astimezone(tz), missing=missing, first_period=letter.first_period)
    first = period_containing(PeriodKind.MONTHLY, now, tz).start_date
    preview.months = [first]
    while len(preview.months) < months:
        preview.months.append(next_start_date(PeriodKind.MONTHLY, preview.months[-1]))
    window_start = local_midnight(first, tz)
    window_end = local_midnight(next_start_date(PeriodKind.MONTHLY, preview.months[-1]), tz)
    index = {m: i for i, m in enumerate(preview.months)}

    carried = dict(Obligation.objects.filter(platform=letter.platform, ends_at__isnull=True)
                   .values_list("key", "starts_at"))
    wanted = letter_obligation_fields(letter)
    calendar = WorkCalendar()
    if any(fields.get("workdays_only") for _clause, fields in wanted):
        from ..schedule.official_calendar import work_calendar

        calendar = work_calendar()
    for clause, fields in wanted:
        item = PreviewObligation(fields["key"], fields["title"], clause.number, fields["kind"], fields,
                                 problem=_problem(fields, missing) or "")
        if item.problem:
            preview.unscheduled.append(item)
            continue
        if item.kind == Obligation.Kind.EVENT:
            preview.events.append(item)
            continue
        if fields["key"] in carried:
            ob = _transient(letter, clause, fields, carried[fields["key"]])
        else:
            by_choice = {choice: _transient(letter, clause, fields,
                                            schedule_start(fields, start, tz=tz, first_period=choice))
                         for choice in Letter.FirstPeriod.values}
            item.first_due = {choice: _first_due(o, calendar) for choice, o in by_choice.items()}
            ob = by_choice[letter.first_period]
        item.counts = [0] * months
        for slot in obligation_slots(ob, _since(ob, window_start), max(window_end, now + timedelta(days=days)),
                                     calendar):
            if slot.due_at > now and slot.opens_at < now + timedelta(days=days):
                preview.tasks.append(PreviewTask(ob.key, ob.title, clause.number, slot.sequence,
                                                 slot.opens_at.astimezone(tz), slot.due_at.astimezone(tz),
                                                 clause.ordinal))
            if window_start < slot.due_at <= window_end:
                item.counts[index[(slot.due_at - ONE_MICROSECOND).astimezone(tz).date().replace(day=1)]] += 1
        preview.scheduled.append(item)
    preview.tasks.sort(key=lambda t: (t.due_at, t.opens_at, t.ordinal, t.key, t.sequence))
    return preview


def _problem(fields: dict, missing: list[str]) -> str | None:
    """Empty blanks leave None where a number or a period should stand."""
    needed = ("period", "count") if fields["kind"] == Obligation.Kind.CALENDAR else \
        ("one_time_days",) if fields["kind"] == Obligation.Kind.ONE_TIME else ()
    if missing and (any(fields.get(f) in (None, "") for f in needed)
                    or any(s.get("amount") is None for s in fields.get("deadlines") or [])):
        return _("所依据的填空尚未填写。")
    return obligation_problem(fields)


def _transient(letter: Letter, clause: Clause, fields: dict, starts_at: datetime) -> Obligation:
    values = {f: fields[f] for f in OBLIGATION_FIELDS}
    values.update(period=values["period"] or "", trigger=values["trigger"] or "")
    return Obligation(platform=letter.platform, key=fields["key"], clause=clause, starts_at=starts_at, **values)


def _first_due(ob: Obligation, calendar) -> datetime | None:
    """The due time of its first task: within its first period or the one after."""
    if ob.kind == Obligation.Kind.ONE_TIME:
        return obligation_slots(ob, None, ob.starts_at, calendar)[0].due_at.astimezone(ob.platform.tz)
    kind, tz = PeriodKind(ob.period), ob.platform.tz
    until = period_containing(kind, period_containing(kind, ob.starts_at, tz, ob.anchor_year).end, tz,
                              ob.anchor_year).end
    slots = obligation_slots(ob, None, until, calendar)
    return slots[0].due_at.astimezone(tz) if slots else None


def _since(ob: Obligation, point: datetime) -> datetime | None:
    """The start of the period holding `point`: every slot due after it opens then or later.
    A carried-over obligation may have started years ago; its old periods are skipped."""
    if ob.kind != Obligation.Kind.CALENDAR or point <= ob.starts_at:
        return None
    return period_containing(PeriodKind(ob.period), point, ob.platform.tz, ob.anchor_year).start
