"""The official working-day calendar as the database knows it, and loading the official
holidays and make-up days: corrections of single days, or whole years that the
chinese-calendar package does not know yet."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import CalendarDay, Obligation, Occurrence
from ..models.calendar import CalendarYear
from ..trust.audit import audit_record
from ..wording import enumeration
from .periods import Period, slot_on_workday, slots_in_period
from .workdays import DeadlineUnit, WorkCalendar, deadline_after, slot_is_provisional, step_deadline

KINDS = {"休": False, "off": False, "班": True, "work": True}


def work_calendar() -> WorkCalendar:
    days = dict(CalendarDay.objects.values_list("date", "is_workday"))
    complete = frozenset(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return WorkCalendar(overrides=days, complete_years=complete)


def parse_calendar_lines(text: str) -> dict[date, tuple[bool, str]]:
    """Lines like `2027-10-01 休 国庆节` or `2027-09-26 班 国庆节调休` (also off/work).

    A date may stand on several lines with the same meaning; a date that is both 休 and
    班 is refused with the numbers of its lines."""
    days, lines, errors = {}, defaultdict(lambda: defaultdict(list)), []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(",", " ").split(None, 2)
        try:
            day = date.fromisoformat(parts[0])
            is_workday = KINDS[parts[1].lower()]
        except (ValueError, IndexError, KeyError):
            errors.append(_("第%(n)d行无法识别:“%(line)s”(格式:2027-10-01 休 国庆节)") % {"n": lineno, "line": raw})
            continue
        lines[day][is_workday].append(lineno)
        note = parts[2] if len(parts) > 2 else ""
        if day not in days or not days[day][1]:
            days[day] = (is_workday, note)
    for day, by_kind in sorted(lines.items()):
        if len(by_kind) > 1:
            errors.append(_("第%(lines)s行矛盾:%(date)s 既标为“休”又标为“班”。") % {
                "lines": enumeration(str(n) for n in sorted(by_kind[False] + by_kind[True])),
                "date": day.isoformat()})
    if errors:
        raise DomainError("\n".join(errors), field="days")
    if not days:
        raise DomainError(_("没有填写任何日期。"), field="days")
    return days


def complete_year(days: dict[date, tuple[bool, str]], year: int | None = None) -> int:
    """The year a load marked complete names: the one given, else the only year of its days."""
    if year:
        return year
    years = sorted({d.year for d in days})
    if len(years) != 1:
        raise DomainError(_("所填日期跨越多个年度(%(years)s),请填写哪一年的安排是完整的。") % {
            "years": enumeration(map(str, years))}, field="year")
    return years[0]


@transaction.atomic
def calendar_load_days(*, days: dict[date, tuple[bool, str]], complete_years=(), user=None, now) -> int:
    """Store the official days, each overriding that one day, and mark `complete_years`
    as loaded whole. Then recompute the open deadlines that the load may move: the
    provisional ones and the working-day ones around the loaded days.
    Returns the number of occurrences whose due time or provisional mark changed."""
    years = {d.year for d in days}
    complete_years = set(complete_years)
    stored = set(CalendarYear.objects.values_list("year", flat=True))
    empty = sorted(complete_years - years - stored)
    if empty:
        raise DomainError(_("%(years)s年没有载入任何日期,不能标为完整的年度安排。") % {
            "years": enumeration(map(str, empty))}, field="complete")
    for day, (is_workday, note) in days.items():
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "note": note,
                                                                 "loaded_by": user})
    for year in sorted(years | complete_years):
        calendar_year, _created = CalendarYear.objects.get_or_create(year=year, defaults={"loaded_at": now})
        calendar_year.complete |= year in complete_years
        calendar_year.loaded_by, calendar_year.loaded_at = user, now
        calendar_year.save()
    changed = _recompute_provisional(now, min(days), max(days))
    audit_record(at=now, action="calendar.load", actor=user,
                 data={"years": sorted(years), "complete": sorted(complete_years), "days": len(days),
                       "recomputed": changed})
    return changed


def _recompute_provisional(now, first: date, last: date) -> int:
    """Place again every open deadline that is provisional or counted in working days
    across the loaded days `first`..`last` (with a day's margin for every time zone)."""
    calendar = work_calendar()
    around = Q(period_start__lt=datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC),
               due_at__gt=datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC))
    open_rows = Occurrence.objects.filter(state=Occurrence.State.OPEN).filter(Q(provisional=True) | around)
    # Event deadlines counted in working days: recompute from the receipt time, with the
    # case's severity tier, as when the case was opened.
    clocks = []
    for occ in (open_rows.filter(obligation__kind=Obligation.Kind.EVENT)
                .select_related("obligation", "platform", "case")):
        amount, unit = step_deadline(occ.obligation.deadlines[occ.sequence - 1], occ.case.severity if occ.case else "")
        if unit != DeadlineUnit.WORKDAYS and not occ.provisional:
            continue
        deadline = deadline_after(occ.period_start, amount, unit, occ.platform.tz, calendar)
        if _move(occ, deadline.due_at, deadline.provisional, now):
            clocks.append(occ)
    # Calendar duties on working days only: the working-day rule moves due times and
    # never drops a period, so each row keeps its period and sequence and gets its due
    # time placed again, as the materialize sweep would place it now.
    slots = []
    for occ in (open_rows.filter(obligation__kind=Obligation.Kind.CALENDAR, obligation__workdays_only=True)
                .select_related("obligation", "platform")):
        ob, tz = occ.obligation, occ.platform.tz
        period = Period(occ.period_start, occ.period_end, occ.period_start.astimezone(tz).date())
        try:
            placed = slots_in_period(period, ob.count, tz, **ob.placement)
        except ValueError:
            placed = []
        if not 0 < occ.sequence <= len(placed):
            continue  # the schedule changed since the row was made; leave the row as it is
        slot = slot_on_workday(placed[occ.sequence - 1], tz, calendar.is_workday)
        if _move(occ, slot.due_at, slot_is_provisional(slot, tz, calendar), now):
            slots.append(occ)
    Occurrence.objects.bulk_update(clocks + slots, ["due_at", "close_at", "provisional"], batch_size=1000)
    return len(clocks) + len(slots)


def _move(occ: Occurrence, due_at: datetime, provisional: bool, now) -> bool:
    """Give `occ` its recomputed due time; False when nothing changes.

    A later due time always applies. An earlier one applies unless it has passed
    already: nobody is made late after the fact by a calendar loaded later."""
    if due_at < occ.due_at and due_at < now:
        due_at = occ.due_at
    if (due_at, provisional) == (occ.due_at, occ.provisional):
        return False
    occ.due_at, occ.provisional = due_at, provisional
    occ.close_at = due_at + occ.obligation.grace
    return True
