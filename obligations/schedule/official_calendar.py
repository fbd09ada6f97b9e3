"""The official working-day calendar as the database knows it, and loading a year
that the chinese-calendar package does not know yet."""

from datetime import date

from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import CalendarDay, Obligation, Occurrence
from ..trust.audit import audit_record
from .workdays import WorkCalendar, deadline_after, step_deadline


def work_calendar() -> WorkCalendar:
    days = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return WorkCalendar(overrides=days, loaded_years=frozenset(d.year for d in days))


def parse_calendar_lines(text: str) -> dict[date, tuple[bool, str]]:
    """Lines like `2027-10-01 休 国庆节` or `2027-09-26 班 国庆节调休` (also off/work)."""
    days, errors = {}, []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(",", " ").split(None, 2)
        try:
            day = date.fromisoformat(parts[0])
            kind = parts[1].lower()
            if kind not in {"休", "班", "off", "work"}:
                raise ValueError
        except (ValueError, IndexError):
            errors.append(_("第%(n)d行无法识别:“%(line)s”(格式:2027-10-01 休 国庆节)") % {"n": lineno, "line": raw})
            continue
        days[day] = (kind in {"班", "work"}, parts[2] if len(parts) > 2 else "")
    if errors:
        raise DomainError("\n".join(errors), field="days")
    if not days:
        raise DomainError(_("没有填写任何日期。"), field="days")
    return days


@transaction.atomic
def calendar_load_days(*, days: dict[date, tuple[bool, str]], user=None, now) -> int:
    """Store the official days and recompute what was provisional in those years.
    Returns the number of occurrences whose due time was recomputed or dropped."""
    years = {d.year for d in days}
    for day, (is_workday, note) in days.items():
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "note": note,
                                                                 "loaded_by": user})
    changed = _recompute_provisional(now)
    audit_record(at=now, action="calendar.load", actor=user, data={"years": sorted(years), "days": len(days), "recomputed": changed})
    return changed


def _recompute_provisional(now) -> int:
    calendar = work_calendar()
    provisional = Occurrence.objects.filter(provisional=True, state=Occurrence.State.OPEN)
    # Event deadlines counted in working days: recompute from the receipt time, with the
    # case's severity tier, as when the case was opened.
    clocks = list(provisional.filter(obligation__kind=Obligation.Kind.EVENT)
                  .select_related("obligation", "platform", "case"))
    for occ in clocks:
        amount, unit = step_deadline(occ.obligation.deadlines[occ.sequence - 1], occ.case.severity if occ.case else "")
        deadline = deadline_after(occ.period_start, amount, unit, occ.platform.tz, calendar)
        occ.due_at, occ.provisional = deadline.due_at, deadline.provisional
        occ.close_at = occ.due_at + occ.obligation.grace
    Occurrence.objects.bulk_update(clocks, ["due_at", "close_at", "provisional"])
    changed = len(clocks)
    # Calendar duties on working days only: drop the unopened provisional rows and let
    # the materialize sweep make them again from the official calendar.
    unopened = provisional.filter(obligation__kind=Obligation.Kind.CALENDAR, opens_at__gt=now,
                                  completions__isnull=True)
    earliest = dict(unopened.values("obligation").annotate(m=Min("opens_at")).values_list("obligation", "m"))
    changed += unopened.delete()[0]
    for obligation_id, opens in earliest.items():
        Obligation.objects.filter(pk=obligation_id, materialized_until__gt=opens).update(materialized_until=opens)
    return changed
