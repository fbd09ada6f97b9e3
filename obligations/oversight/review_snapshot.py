"""The figures of a quarter's review, as one JSON-able snapshot: per obligation, per case
kind, response times, evidence, exceptions with their explanations, rectifications,
findings and signatures. Computed live while the review is open; frozen when it closes.

A task belongs to the quarter of its due time, boundaries (start, end] as on the
dashboard. The review's own 四.1 task is left out: closing the review completes it.
A constant number of queries whatever the number of tasks. Times are stored in the
platform's local time with their offset (2026-12-08T00:00:00+08:00); snapshots sealed
before kept UTC, which the readers (schedule/local_time.py) show in local time alike.
"""

from datetime import timedelta

from django.db.models import Q

from ..cases.register import case_register
from ..cases.response_time import response_times
from ..letters.in_force import LetterInForce, letter_in_force
from ..models import (
    Case,
    Completion,
    Evidence,
    Occurrence,
    Rectification,
    Review,
    ReviewExplanation,
)
from ..schedule.local_time import local, local_iso
from ..schedule.periods import month_starts
from ..trust.membership import member_names, member_titles
from ..work.sweeps import unraised_slots
from .period_status import period_status
from .task_figures import obligation_figures

S = Occurrence.State


def quarter_occurrences(review: Review):
    qs = Occurrence.objects.filter(platform_id=review.platform_id, due_at__gt=review.period_start,
                                   due_at__lte=review.period_end)
    return qs.exclude(pk=review.task_id) if review.task_id else qs


def _iso(value, review):
    return local_iso(value, review.platform.tz)


def _user(user):
    """A person as the seal's rows identify them (completions, evidence): the username."""
    return user.get_username() if user else ""


def _person(user, review) -> str:
    """A person as readers of the review see them: their full name on the platform, else the
    username (the names read once per review object)."""
    if user is None:
        return ""
    if not hasattr(review, "_member_names"):
        review._member_names = member_names(review.platform_id)
    return review._member_names.get(user.pk) or user.get_username()


def exception_kind(occ: Occurrence) -> str | None:
    """Why a task of the quarter is an exception, or None. A case clock missed or done
    late is a breached clock."""
    if occ.state == S.WAIVED:
        return "waived"
    if occ.state in (S.MISSED, S.DONE_LATE):
        return "breached" if occ.case_id else ("missed" if occ.state == S.MISSED else "late")
    return None


def quarter_in_force(review: Review) -> LetterInForce:
    return letter_in_force(review.platform, since=review.period_start, until=review.period_end)


def named(occ: Occurrence, in_force: LetterInForce) -> tuple[str, str]:
    """A task's clause number and title as the version in force at its due time says."""
    version = in_force.at(occ.due_at, due=True)
    term = in_force.term(version.number, occ.obligation.key) if version else None
    return (term.clause, term.title) if term else (occ.clause.number, occ.obligation.title)


def exception_occurrences(review: Review):
    """The quarter's tasks a review must explain: missed, done late or waived."""
    return quarter_occurrences(review).filter(state__in=(S.MISSED, S.DONE_LATE, S.WAIVED))


def exceptions(review: Review, in_force: LetterInForce | None = None) -> list[dict]:
    in_force = quarter_in_force(review) if in_force is None else in_force
    rows = exception_occurrences(review).select_related("obligation", "clause", "case").order_by("due_at", "id")
    explained = {}
    for e in ReviewExplanation.objects.filter(review=review).select_related("author").order_by("at", "id"):
        explained[e.occurrence_id] = e  # the newest wins
    out = []
    for occ in rows:
        e = explained.get(occ.pk)
        clause, title = named(occ, in_force)
        out.append({
            "occurrence": occ.pk, "clause": clause, "title": title,
            "kind": exception_kind(occ), "due_at": _iso(occ.due_at, review), "state": occ.state,
            "case": occ.case.number if occ.case_id else None, "step": str(occ.step_label) if occ.case_id else "",
            "waived_reason": occ.waived_reason,
            "explanation": e.text if e else None, "explained_by": _person(e.author, review) if e else None,
        })
    return out


def _obligation_rows(review, in_force, pending):
    """Per obligation: due in the quarter by the schedule, each state and what is not raised
    yet, named as the version in force at the due time names it."""
    rows = obligation_figures(quarter_occurrences(review).filter(case__isnull=True), in_force=in_force,
                              pending=pending)
    return [{name: value for name, value in row.items() if name != "trigger"} for row in rows]


def quarter_cases(review: Review):
    return Case.objects.filter(platform_id=review.platform_id, received_at__gt=review.period_start,
                               received_at__lte=review.period_end)


def _case_rows(review):
    cases = list(quarter_cases(review).values("id", "kind", "state"))
    clocks = (Occurrence.objects.filter(case_id__in=[c["id"] for c in cases])
              .values("case_id", "sequence", "state"))
    steps: dict[int, dict[int, str]] = {}
    for c in clocks:
        steps.setdefault(c["case_id"], {})[c["sequence"]] = c["state"]
    labels = dict(Case.Kind.choices)
    out = []
    for kind, label in labels.items():
        mine = [c for c in cases if c["kind"] == kind]
        if not mine:
            continue
        first = [steps.get(c["id"], {}).get(1) for c in mine]
        last = [steps.get(c["id"], {}).get(max(steps.get(c["id"], {1: None}))) for c in mine]
        out.append({"kind": kind, "label": str(label), "received": len(mine),
                    "responded_in_time": sum(1 for s in first if s == S.DONE),
                    "decided_in_time": sum(1 for s in last if s == S.DONE),
                    "open": sum(1 for c in mine if c["state"] == Case.State.OPEN)})
    return out


def _response_rows(review, in_force):
    last_day = (review.period_end - timedelta(microseconds=1)).astimezone(review.platform.tz).date()
    months = response_times(review.platform, months=month_starts(last_day, 3), since=review.period_start,
                            until=review.period_end, in_force=in_force)
    return [{"month": m.month.strftime("%Y-%m"), "count": m.count, "average": m.average, "p90": m.p90,
             "limit": m.limit} for m in months]


def evidence_rows(review, in_force: LetterInForce | None = None) -> list[dict]:
    in_force = quarter_in_force(review) if in_force is None else in_force
    rows = (Evidence.objects.filter(occurrence__in=quarter_occurrences(review))
            .select_related("occurrence__obligation", "occurrence__clause", "uploaded_by")
            .order_by("occurrence__clause__ordinal", "uploaded_at", "id"))
    return [{"id": e.pk, "clause": clause,
             "task": f"{title} #{e.occurrence.sequence} {local(e.occurrence.due_at, review.platform.tz):%Y-%m-%d}",
             "occurrence": e.occurrence_id, "file": e.original_name, "sha256": e.sha256, "size": e.size,
             "uploader": _user(e.uploaded_by), "uploaded_at": _iso(e.uploaded_at, review),
             "keep_until": e.keep_until.isoformat()}
            for e in rows for clause, title in [named(e.occurrence, in_force)]]


def completion_rows(review) -> list[dict]:
    rows = (Completion.objects.filter(occurrence__in=quarter_occurrences(review)).select_related("user")
            .order_by("id"))
    return [{"id": c.pk, "occurrence": c.occurrence_id, "user": _user(c.user),
             "completed_at": _iso(c.completed_at, review),
             "late": c.late, "note": c.note, "reopened_at": _iso(c.reopened_at, review)} for c in rows]


def rectification_rows(review) -> list[dict]:
    """This review's actions, and earlier reviews' actions still open (carried over)."""
    rows = (Rectification.objects.filter(review__platform_id=review.platform_id)
            .filter(Q(review=review) | Q(review__period_end__lt=review.period_end))
            .select_related("review", "owner").prefetch_related("obligation__occurrences").order_by("due_date", "id"))
    out = []
    for r in rows:
        task = next(iter(r.obligation.occurrences.all()), None)
        done = bool(task and task.is_completed)
        if r.review_id != review.pk and (done or r.review.period_end >= review.period_end):
            continue
        out.append({"id": r.pk, "title": r.title, "owner": _person(r.owner, review), "due_date": r.due_date.isoformat(),
                    "state": task.get_state_display() if task else "", "task": task.pk if task else None,
                    "from_review": r.review.label, "done": done})
    return out


def review_snapshot(review: Review, *, now) -> dict:
    tz = review.platform.tz
    in_force = quarter_in_force(review)
    letter = in_force.at(review.period_end - timedelta(microseconds=1))
    pending = unraised_slots(review.platform, after=review.period_start, until=review.period_end)
    return {
        "platform": {"slug": review.platform.slug, "name": review.platform.name},
        "letter": {"title": letter.title if letter else "", "version": letter.number if letter else None},
        "versions": in_force.cited(tz),
        "period": {"label": review.label, "start": review.period_start.astimezone(tz).date().isoformat(),
                   "end": (review.period_end.astimezone(tz) - timedelta(days=1)).date().isoformat(),
                   **period_status(review.period_end, now, tz)},
        "timezone": review.platform.timezone,
        "generated_at": _iso(now, review),
        "obligations": _obligation_rows(review, in_force, pending),
        "cases": _case_rows(review),
        "case_list": case_register(quarter_cases(review), tz),
        "response_times": _response_rows(review, in_force),
        "evidence": evidence_rows(review, in_force),
        "completions": completion_rows(review),
        "exceptions": exceptions(review, in_force),
        "rectifications": rectification_rows(review),
        "findings": [{"text": f.text, "severity": f.severity, "author": _person(f.author, review), "at": _iso(f.at, review)}
                     for f in review.findings.select_related("author")],
        "signatures": signature_rows(review),
    }


def signature_rows(review: Review) -> list[dict]:
    """The live signatures, each with the signer's full name and post on the platform."""
    signatures = list(review.signatures.filter(voided_at__isnull=True).select_related("user"))
    titles = member_titles(review.platform_id, [s.user_id for s in signatures])
    return [{"user": _user(s.user), **titles.get(s.user_id, {"name": "", "post": ""}), "decision": s.decision,
             "reason": s.reason, "at": _iso(s.at, review)} for s in signatures]
