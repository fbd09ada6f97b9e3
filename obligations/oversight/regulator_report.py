"""The operating report to the regulator (clause 四.4) for any period: 服务数据 (the tasks
and the complaints), 安全状况 (security checks and assessments, incidents and findings),
合规自查结果 (the closed quarterly reviews of the period).

A period is a pair of local dates, the end inclusive. A task counts in the period of its
due time, with the boundaries (start, end] as the dashboard counts; a case counts in the
period it was received in. Clauses, titles, deadline steps and the promised minutes are
those of the letter version in force then (letters/in_force.py): a later amendment leaves
the report of a past period as it was. A fixed number of queries whatever the data: every
figure is an aggregate, pivoted here. The result is a JSON-able dict, ready for the documents.
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..cases.register import case_register
from ..cases.response_time import first_responses, p90, promised_limit
from ..errors import DomainError
from ..letters.in_force import letter_in_force
from ..letters.services import current_letter
from ..models import Case, Obligation, Occurrence, Review
from ..schedule.local_time import local_iso
from ..schedule.periods import PeriodKind, local_midnight, month_starts, period_containing
from ..trust.audit_head import audit_head
from ..work.sweeps import unraised_slots
from .period_status import period_status
from .seal import seal_name, seal_note
from .task_figures import FIGURES, obligation_figures

# An obligation belongs to 安全状况 when its title names security (安全检查, 第三方安全评估,
# 应急预案, 漏洞整改) or when incidents or findings trigger it.
SECURITY_WORDS = ("安全", "漏洞", "应急", "突发")
SECURITY_TRIGGERS = (Case.Kind.INCIDENT, Case.Kind.FINDING)
DEFAULT_CADENCE = PeriodKind.QUARTERLY


def _cadence(platform, letter) -> PeriodKind:
    """How often the letter promises the report: its 四.4 blank, else the period of the
    obligation reporting to the regulator, else quarterly."""
    value = (letter.values.get("regulator_report_period") if letter else None) or (
        Obligation.objects.filter(platform=platform, key="四.4", kind=Obligation.Kind.CALENDAR)
        .values_list("period", flat=True).first())
    try:
        return PeriodKind(value)
    except ValueError:
        return DEFAULT_CADENCE


def default_period(platform, *, now: datetime) -> tuple[date, date]:
    """The letter's reporting period that ended last before `now`: (first day, last day)."""
    kind = _cadence(platform, current_letter(platform))
    tz = platform.tz
    this = period_containing(kind, now, tz)
    last = period_containing(kind, this.start - timedelta(microseconds=1), tz)
    return last.start_date, this.start_date - timedelta(days=1)


def check_period(start: date, end: date) -> None:
    if start > end:
        raise DomainError(_("开始日期不能晚于结束日期。"), field="end")
    if (end - start).days > 3 * 366:
        raise DomainError(_("报告期最长三年。"), field="end")


def _empty(**fields) -> dict:
    return {**fields, "due": 0, **dict.fromkeys(FIGURES, 0)}


def _rate(row) -> float | None:
    decided = row["done"] + row["done_late"] + row["missed"]
    return round((row["done"] + row["done_late"]) / decided, 4) if decided else None


def _tasks(platform, since, until, in_force, pending) -> list[dict]:
    """Per obligation: due in (since, until] by the schedule, each state and what is not
    raised yet, named as the version in force at the due time names it."""
    rows = obligation_figures(Occurrence.objects.filter(platform=platform, due_at__gt=since, due_at__lte=until),
                              in_force=in_force, pending=pending)
    for item in rows:
        trigger = item.pop("trigger")
        item["security"] = trigger in SECURITY_TRIGGERS or any(word in item["title"] for word in SECURITY_WORDS)
        item["rate"] = _rate(item)
    return rows


def _total(rows) -> dict:
    total = _empty()
    for row in rows:
        for name in ("due", *FIGURES):
            total[name] += row[name]
    total["rate"] = _rate(total)
    return total


def _cases(platform, since, until, in_force) -> list[dict]:
    """Per case kind: received, by severity, still open; per deadline step of the cases'
    clocks: in time, late, missed, waived, running, each step named as the version in force
    at the case's receipt names it. Two grouped queries."""
    kinds = {kind: {"kind": kind, "label": str(label), "received": 0, "open": 0, "closed": 0,
                    "severity": {s: 0 for s in Case.Severity.values}, "steps": {}}
             for kind, label in Case.Kind.choices}
    received = Q(received_at__gte=since, received_at__lt=until)
    for row in (Case.objects.filter(received, platform=platform).values("kind", "severity", "state")
                .annotate(n=Count("id")).order_by()):
        item = kinds[row["kind"]]
        item["received"] += row["n"]
        item["severity"][row["severity"]] += row["n"]
        item["open" if row["state"] == Case.State.OPEN else "closed"] += row["n"]
    for row in (Occurrence.objects.filter(platform=platform, case__received_at__gte=since,
                                          case__received_at__lt=until)
                .values("case__kind", "obligation__key", "sequence", "state")
                .annotate(n=Count("id"), version=in_force.number_at("case__received_at")).order_by()):
        term = in_force.term(row["version"], row["obligation__key"])
        step = term.step(row["sequence"]) if term else ""
        item = kinds[row["case__kind"]]["steps"].setdefault(step, _empty(
            step=step, label=str(Occurrence.STEP_LABELS.get(step, step))))
        item["due"] += row["n"]
        item[row["state"]] += row["n"]
    result = []
    for item in kinds.values():
        item["steps"] = sorted(item["steps"].values(), key=lambda s: list(Occurrence.STEP_LABELS).index(s["step"])
                               if s["step"] in Occurrence.STEP_LABELS else 99)
        by_step = {s["step"]: s for s in item["steps"]}
        item["responded_in_time"] = by_step.get("respond", {}).get("done", 0)
        item["decided_in_time"] = by_step.get("decide", {}).get("done", 0)
        result.append(item)
    return result


def _month_list(start: date, end: date) -> list[date]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return month_starts(end, months)


def _figures(values: list[float], limit) -> dict:
    average = sum(values) / len(values) if values else None
    return {"count": len(values), "average": round(average, 2) if average is not None else None,
            "p90": round(p90(values), 2) if values else None, "limit": limit,
            "breached": limit is not None and average is not None and average > limit}


def _response_times(platform, since, until, start, end, in_force) -> dict:
    """Clause 三.4's measure for complaints received in the period, per month and for the
    whole period, each against the promise in force when it began."""
    per_month = first_responses(platform, since=since, until=until, in_force=in_force)
    months = [{"month": f"{m:%Y-%m}", **_figures(per_month.get(m, []), promised_limit(in_force, m, since=since,
                                                                                     tz=platform.tz))}
              for m in _month_list(start, end)]
    overall = _figures([v for vs in per_month.values() for v in vs],
                       promised_limit(in_force, start, since=since, tz=platform.tz))
    return {"months": months, "overall": overall}


def _self_check(platform, since, until) -> list[dict]:
    """The closed reviews whose quarter lies inside the period, from their sealed snapshots."""
    reviews = (Review.objects.filter(platform=platform, state=Review.State.CLOSED, period_start__gte=since,
                                     period_end__lte=until).order_by("year", "quarter"))
    result = []
    for review in reviews:
        snapshot = review.snapshot or {}
        result.append({
            "label": review.label, "closed_at": local_iso(review.closed_at, platform.tz),
            "seal": review.seal, "seal_name": seal_name(snapshot), "seal_note": seal_note(snapshot),
            "exceptions": snapshot.get("exceptions", []),
            "findings": snapshot.get("findings", []), "rectifications": snapshot.get("rectifications", []),
            "signatures": [s for s in snapshot.get("signatures", []) if s.get("decision") == "sign"],
        })
    return result


def regulator_report(platform, *, start: date, end: date, now: datetime) -> dict:
    """The report's figures for the local dates start..end (inclusive), each read from the
    letter version in force at the time; while the period runs, the tasks the schedule
    still owes it count as due (`pending`), and the report says the period is not over."""
    check_period(start, end)
    tz = platform.tz
    since, until = local_midnight(start, tz), local_midnight(end + timedelta(days=1), tz)
    in_force = letter_in_force(platform, since=since, until=until)
    letter = in_force.at(until - timedelta(microseconds=1))
    tasks = _tasks(platform, since, until, in_force, unraised_slots(platform, after=since, until=until))
    cases = _cases(platform, since, until, in_force)
    by_kind = {c["kind"]: c for c in cases}
    security_tasks = [t for t in tasks if t["security"]]
    reviews = _self_check(platform, since, until)
    return {
        "platform": {"slug": platform.slug, "name": platform.name},
        "letter": {"title": letter.title, "version": letter.number} if letter else None,
        "versions": in_force.cited(tz),
        "period": {"start": start.isoformat(), "end": end.isoformat(), **period_status(until, now, tz)},
        "timezone": platform.timezone,
        "generated_at": local_iso(now.replace(microsecond=0), tz),
        "service": {
            "tasks": tasks,
            "tasks_total": _total(tasks),
            "complaints": by_kind[Case.Kind.COMPLAINT],
            "response_times": _response_times(platform, since, until, start, end, in_force),
            "case_list": case_register(Case.objects.filter(platform=platform, received_at__gte=since,
                                                           received_at__lt=until), tz),
        },
        "security": {
            "tasks": security_tasks,
            "tasks_total": _total(security_tasks),
            "cases": [by_kind[Case.Kind.INCIDENT], by_kind[Case.Kind.FINDING]],
        },
        "self_check": {"reviews": reviews},
        # The audit chain's head as the report is made, witnessed outside the database (trust/audit_head.py).
        "audit_head": audit_head().as_dict(),
    }
