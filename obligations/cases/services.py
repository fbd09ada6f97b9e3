"""Cases (complaints, incidents, findings) and their clocks.

Opening a case creates one occurrence per deadline step of each event obligation with
that trigger, so My tasks, reminders, escalation and the dashboard treat the clocks
like any other task. A severity tier may shorten a step's deadline.

A complaint from the public page carries the reporter's consent to the processing of
their contact details (个人信息保护法 第十七条), after the notice of `public_terms`;
it and any case of the highest severity tell the officers at once (alerts/notifications).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..alerts import webhooks
from ..alerts.case_notices import assignment_notice, case_notice_kinds, case_notices
from ..errors import DomainError
from ..letters.presentation import deadline_phrase
from ..models import Case, CaseCounter, CaseEvent, Completion, Obligation, Occurrence, Role
from ..schedule.official_calendar import work_calendar
from ..schedule.workdays import (
    DeadlineUnit,
    WorkCalendar,
    deadline_after,
    step_deadline,
)
from ..trust import access
from ..trust.audit import audit_record
from ..wording import enumeration
from ..work.occurrences import occurrence_waive
from .assignment import check_handler, default_handler
from .lookup import public_ref_of

CLOCK_STATES_THAT_BLOCK_CLOSING = (Occurrence.State.OPEN,)
# The public page is its own channel: a case staff register came by any other.
REGISTERED_CHANNELS = tuple(c for c in Case.Channel if c != Case.Channel.PUBLIC)
DEFAULT_REGISTERED_CHANNEL = Case.Channel.PHONE


def _next_number(platform, kind, year) -> str:
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(platform=platform, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{Case.PREFIX[kind]}-{year}-{counter.last:06d}"


def _live_event_obligations(platform, kind):
    return Obligation.objects.filter(platform=platform, kind=Obligation.Kind.EVENT, trigger=kind, ends_at__isnull=True)


def _start_clocks(case: Case) -> list[Occurrence]:
    obligations = list(_live_event_obligations(case.platform, case.kind).select_related("clause"))
    needs_calendar = any(step_deadline(s, case.severity)[1] == DeadlineUnit.WORKDAYS
                         for ob in obligations for s in ob.deadlines)
    calendar = work_calendar() if needs_calendar else WorkCalendar()
    tz = case.platform.tz
    clocks = []
    for ob in obligations:
        for sequence, step in enumerate(ob.deadlines, start=1):
            amount, unit = step_deadline(step, case.severity)
            deadline = deadline_after(case.received_at, amount, unit, tz, calendar)
            clocks.append(Occurrence(
                obligation=ob, platform=case.platform, clause=ob.clause, case=case, sequence=sequence,
                period_start=case.received_at, period_end=deadline.due_at, opens_at=case.received_at,
                due_at=deadline.due_at, close_at=deadline.due_at + ob.grace, provisional=deadline.provisional,
            ))
    Occurrence.objects.bulk_create(clocks, ignore_conflicts=True)
    # ignore_conflicts returns no ids: read them back by the clocks' identity.
    ids = {(ob_id, seq): pk for ob_id, seq, pk in
           Occurrence.objects.filter(case=case).values_list("obligation_id", "sequence", "pk")}
    for clock in clocks:
        clock.pk, clock._state.adding = ids[(clock.obligation_id, clock.sequence)], False
    return clocks


def check_description(description: str) -> str:
    text = (description or "").strip()
    if not text:
        raise DomainError(_("请填写投诉内容。"), field="description")
    if len(text) > settings.PLEDGE_CASE_TEXT_MAX:
        raise DomainError(_("内容过长:最多 %(max)d 字。") % {"max": settings.PLEDGE_CASE_TEXT_MAX}, field="description")
    return text


def case_open(*, platform, kind, description, received_at, now, user=None, channel=Case.Channel.OTHER,
              reporter_name="", reporter_contact="", severity=Case.Severity.ORDINARY, assignee=None,
              submission_key=None, consent_at=None) -> tuple[Case, bool]:
    """Open a case and start its clocks. Returns (case, created): a repeated submission
    key returns the case the first submission made. A case from the public page
    (nobody signed in) needs the reporter's consent; one a user registers came by another channel."""
    text = check_description(description)
    if channel == Case.Channel.PUBLIC:
        if user is not None:
            raise DomainError(_("“公开投诉页面”只用于公众自行提交的投诉,请选择实际的来源渠道。"), field="channel")
        if consent_at is None:
            raise DomainError(_("请阅读个人信息处理说明并勾选同意后再提交。"), field="consent")
    if assignee is not None:
        check_handler(platform, assignee)
    if received_at > now:
        raise DomainError(_("受理时间不能晚于当前时间。"), field="received_at")
    if submission_key:
        existing = Case.objects.filter(platform=platform, submission_key=submission_key).first()
        if existing:
            return existing, False
    if assignee is None and channel == Case.Channel.PUBLIC:
        assignee = default_handler(platform, kind)  # else 待分配, until an officer assigns it
    try:
        with transaction.atomic():
            year = received_at.astimezone(platform.tz).year
            case = Case.objects.create(
                platform=platform, kind=kind, number=_next_number(platform, kind, year), channel=channel,
                reporter_name=reporter_name, reporter_contact=reporter_contact, description=text,
                severity=severity, assignee=assignee, received_at=received_at, created_by=user,
                submission_key=submission_key, consent_at=consent_at,
            )
            clocks = _start_clocks(case)
            # The clocks as started, by their steps' codes: the timeline words them for its reader.
            CaseEvent.objects.create(case=case, at=now, actor=user, action="opened",
                                     note=", ".join(f"{c.step} {c.due_at.astimezone(platform.tz):%Y-%m-%d %H:%M}"
                                                    for c in clocks))
            audit_record(at=now, action="case.open", obj=case, actor=user, platform=platform,
                         data={"number": case.number, "clocks": [c.pk for c in clocks],
                               "assignee": assignee.get_username() if assignee else None,
                               "consent_at": consent_at.isoformat() if consent_at else None})
            case_notices(case, now=now, clocks=clocks)
            webhooks.record(webhooks.E.CASE_OPENED, platform_id=platform.pk, subject_id=case.pk, now=now,
                            payload=lambda: webhooks.case_payload(case, clocks, now))
            # Its handler hears of it, unless an officer who was just told of it as one.
            if case.assignee_id and not (case_notice_kinds(case) and
                                         access.roles_of(case.assignee).get(platform.pk) == Role.OFFICER):
                assignment_notice(case, now=now, by=user, clocks=clocks)
            return case, True
    except IntegrityError:
        # The same submission, committed by a concurrent request a moment ago.
        existing = Case.objects.filter(platform=platform, submission_key=submission_key).first()
        if submission_key and existing:
            return existing, False
        raise


def may_close(case: Case, user) -> bool:
    """The platform's officer closes any of its cases; an assignee who is staff closes
    their own (with every clock completed: only the officer waives one)."""
    role = access.roles_of(user).get(case.platform_id)
    return role == Role.OFFICER or (role == Role.STAFF and case.assignee_id == user.pk)


@transaction.atomic
def case_close(*, case: Case, user, note: str, waivers: dict[int, str], now) -> Case:
    """Close a case. Every clock still open must be waived here, with a reason."""
    if not may_close(case, user):
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state == Case.State.CLOSED:
        raise DomainError(_("该案件已办结。"))
    open_clocks = list(case.clocks.filter(state__in=CLOCK_STATES_THAT_BLOCK_CLOSING).select_related("obligation"))
    if open_clocks and access.roles_of(user).get(case.platform_id) != Role.OFFICER:
        raise DomainError(_("仍有时限在进行;只有合规负责人可以豁免时限,请先完成各项时限再办结。"))
    unexplained = [c for c in open_clocks if not waivers.get(c.pk, "").strip()]
    if unexplained:
        names = enumeration(f"{c.obligation.title}({c.step_label})" for c in unexplained)
        raise DomainError(_("以下时限仍在进行:%(names)s。请先完成,或逐项填写理由予以豁免。") % {"names": names},
                          field="waivers")
    for clock in open_clocks:
        occurrence_waive(occurrence=clock, user=user, reason=waivers[clock.pk].strip(), now=now)
    case.state, case.closed_at, case.close_note = Case.State.CLOSED, now, note
    case.save(update_fields=["state", "closed_at", "close_note"])
    CaseEvent.objects.create(case=case, at=now, actor=user, action="closed", note=note)
    audit_record(at=now, action="case.close", obj=case, actor=user, platform=case.platform,
                 data={"waived": [c.pk for c in open_clocks]})
    return case


def case_status(platform, number: str, contact: str) -> Case | None:
    """The public lookup by 查询码 (in any case, with spaces or without its dashes) and contact: both
    must match, and the answer never says which did not."""
    ref, contact = public_ref_of(number), (contact or "").strip()
    if not ref or not contact:
        return None
    return Case.objects.filter(platform=platform, public_ref=ref, reporter_contact=contact).first()


def public_outcome(case: Case) -> dict:
    """What the public status page tells of a case, from one read of its clocks: when it was
    responded to and decided, and the decision (处理意见), the note of the decide clock's live
    completion, which the complainant reads there; empty until decided."""
    done = {clock.step: clock for clock in case.clocks.select_related("obligation") if clock.is_completed}
    decided = done.get("decide")
    live = Completion.objects.filter(occurrence=decided, reopened_at__isnull=True).first() if decided else None
    return {"responded_at": done["respond"].completed_at if "respond" in done else None,
            "decided_at": decided.completed_at if decided else None, "decision": live.note if live else ""}


def opening_note(note: str) -> str:
    """The clocks a case started with ("respond 2026-11-03 10:00, decide …", by step code; older rows
    name the steps in Chinese), each step named in the reader's language."""
    with translation.override("zh-hans"):
        by_chinese = {str(label): step for step, label in Occurrence.STEP_LABELS.items()}
    parts = []
    for part in filter(None, note.split(", ")):
        name, _space, due = part.partition(" ")
        step = name if name in Occurrence.STEP_LABELS else by_chinese.get(name)
        parts.append(f"{Occurrence.STEP_LABELS[step]} {due}" if step else part)
    return enumeration(parts)


def case_timeline(case: Case, clocks) -> list[tuple]:
    """The case's history, oldest first: its events and the completion of each clock,
    as (at, label, actor, note)."""
    labels = {"opened": _("受理"), "closed": _("办结"), "assigned": _("指定负责人")}
    events = [(e.at, labels.get(e.action, e.action), e.actor, opening_note(e.note) if e.action == "opened" else e.note)
              for e in CaseEvent.objects.filter(case=case).select_related("actor")]
    completions = [(c.completed_at, _("完成%(step)s") % {"step": c.step_label}, c.completed_by, "")
                   for c in clocks if c.is_completed]
    return sorted(events + completions, key=lambda t: t[0])


@dataclass
class PublicTerms:
    """What the public complaint page tells before anyone writes: the deadlines the
    platform's signed letter promises, and how long its records are kept."""

    deadlines: list[str]
    retention_years: int | None


def public_terms(platform) -> PublicTerms:
    obligations = list(_live_event_obligations(platform, Case.Kind.COMPLAINT).order_by("clause__ordinal", "key"))
    deadlines = [deadline_phrase(step, Case.Severity.ORDINARY) for ob in obligations for step in ob.deadlines]
    retention = max((ob.retention_years for ob in obligations), default=None)
    return PublicTerms(deadlines=list(dict.fromkeys(deadlines)), retention_years=retention)
