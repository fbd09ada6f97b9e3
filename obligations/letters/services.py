"""Services for letters: create (from a template), fill, sign, amend, discard.

A signed letter is frozen. An amendment is a new draft version copied from the signed
one (the officer's own clauses and obligations included); signing it supersedes the old
version and carries the obligations over (same key, same occurrences).
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Clause, Letter, Membership, Obligation, Occurrence, Role
from ..schedule.periods import PeriodKind, local_midnight, period_containing
from ..trust.audit import audit_record
from ..wording import enumeration
from . import template as tpl
from .clocks import steps_problem
from .values import values_problems


def _json_values(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def render_clause(clause: Clause, letter: Letter) -> None:
    clause.text = tpl.render(clause.source, letter.values, letter.blanks)
    clause.addendum = tpl.render(clause.addendum_source, letter.values, letter.blanks)


def _next_version(platform) -> int:
    return (Letter.objects.filter(platform=platform).aggregate(v=Max("version"))["v"] or 0) + 1


def _refuse_if_frozen(letter: Letter) -> None:
    if letter.is_frozen:
        raise DomainError(_("承诺书第%(version)s版已签署,不能修改;如需变更,请发起修订(生成新版本)。")
                          % {"version": letter.version})


@transaction.atomic
def letter_create(*, platform, values: dict | None = None, user=None, now,
                  template: str = tpl.DEFAULT_TEMPLATE) -> Letter:
    """A draft from a registered template, its blanks prefilled with their defaults."""
    source = tpl.get(template)
    if source is None:
        raise DomainError(_("没有名为“%(key)s”的承诺书模板。") % {"key": template})
    defaults = {b["name"]: b["default"] for b in source.blanks if "default" in b}
    letter = Letter.objects.create(
        amends=current_letter(platform),  # a new letter replaces the one in force, as an amendment does
        platform=platform, template=source.key, version=_next_version(platform), title=source.title,
        preamble=source.preamble, signature=source.signature, sections=source.sections, blanks=source.blanks,
        values={**defaults, **_json_values(values or {})},
    )
    clauses = [Clause(letter=letter, section=c["number"].split(".")[0], number=c["number"], ordinal=i,
                      section_title=source.sections[c["number"].split(".")[0]], title=c["title"], source=c["text"],
                      addendum_source=c["addendum"], specs=c["obligations"])
               for i, c in enumerate(source.clauses, start=1)]
    for clause in clauses:
        render_clause(clause, letter)
    Clause.objects.bulk_create(clauses)
    audit_record(at=now, action="letter.create", obj=letter, actor=user, platform=platform,
                 data={"version": letter.version, "template": source.key})
    return letter


@transaction.atomic
def letter_fill(*, letter: Letter, values: dict, user=None, now) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_frozen(letter)
    letter.values = {**letter.values, **_json_values(values)}
    letter.save(update_fields=["values"])
    clauses = list(letter.clauses.all())
    for clause in clauses:
        render_clause(clause, letter)
    Clause.objects.bulk_update(clauses, ["text", "addendum"])
    audit_record(at=now, action="letter.fill", obj=letter, actor=user, platform=letter.platform,
                 data={"values": letter.values})
    return letter


def letter_start_date(letter: Letter) -> date | None:
    """The signing date the letter states (its sign_date blank), if any."""
    value = letter.values.get("sign_date")
    return date.fromisoformat(value) if value else None


def obligations_start(letter: Letter, now: datetime) -> datetime:
    """Obligations start at the letter's stated signing date: at its local midnight when
    that date is past or to come, at the moment of signing when it is today."""
    stated = letter_start_date(letter)
    tz = letter.platform.tz
    if stated is None or stated == now.astimezone(tz).date():
        return now
    return local_midnight(stated, tz)


def schedule_start(fields: dict, start: datetime, *, tz, first_period: str) -> datetime:
    """When a new obligation's schedule starts: at `start`; for a calendar duty whose period is
    already under way then, at the next period's start, unless the letter owes the period
    under way (`Letter.first_period`, chosen in the preview). Signing, the preview and so
    the sweeps all start an obligation here."""
    period = fields.get("period")
    if fields["kind"] != "calendar" or not period or first_period == Letter.FirstPeriod.CURRENT:
        return start
    under_way = period_containing(PeriodKind(period), start, tz)
    return start if under_way.start == start else under_way.end


@transaction.atomic
def letter_sign(*, letter: Letter, user=None, now, past_periods: str | None = None,
                first_period: str | None = None) -> Letter:
    # The platform row too: one signing of its letters at a time (a no-key lock, so rows that
    # merely point to the platform, as a check-off's evidence does, are still written meanwhile).
    letter = Letter.objects.select_for_update(no_key=True).select_related("platform").get(pk=letter.pk)
    _refuse_if_frozen(letter)
    problems = values_problems(letter.blanks, letter.values)
    if problems:
        raise DomainError(_("以下填空尚未填写或填写有误:%(names)s") % {"names": enumeration(problems)})
    unschedulable = [_("%(number)s“%(title)s”:%(problem)s") % {"number": clause.number, "title": fields["title"],
                                                                 "problem": problem}
                     for clause, fields in letter_obligation_fields(letter)
                     if (problem := obligation_problem(fields))]
    if unschedulable:
        raise DomainError(_("以下义务无法排期,请修改后再签署:%(list)s") % {"list": ";".join(unschedulable)})
    if not Membership.objects.filter(platform=letter.platform, role=Role.OFFICER).exists():
        raise DomainError(_("承诺事项需要合规负责人落实:请先为本平台添加一名合规负责人,再签署。"))
    if past_periods:
        letter.past_periods = past_periods
    if first_period:
        letter.first_period = first_period
    previous = (Letter.objects.select_for_update()
                .filter(platform=letter.platform, state=Letter.State.SIGNED).first())
    letter.state, letter.signed_at, letter.signed_by = Letter.State.SIGNED, now, user
    letter.save(update_fields=["state", "signed_at", "signed_by", "past_periods", "first_period"])
    if previous:
        previous.state = Letter.State.SUPERSEDED
        previous.save(update_fields=["state"])
    _sync_obligations(letter, obligations_start(letter, now), now)
    audit_record(at=now, action="letter.sign", obj=letter, actor=user, platform=letter.platform,
                 data={"version": letter.version, "supersedes": previous.pk if previous else None,
                       "past_periods": letter.past_periods, "first_period": letter.first_period})
    return letter


@transaction.atomic
def letter_choose_first_period(*, letter: Letter, first_period: str, user=None, now) -> Letter:
    """Whether the periods under way at signing are owed (the preview's choice), kept on the draft."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_frozen(letter)
    if first_period not in Letter.FirstPeriod.values:
        raise DomainError(_("请选择签署时已开始的周期如何处理。"), field="first_period")
    letter.first_period = first_period
    letter.save(update_fields=["first_period"])
    audit_record(at=now, action="letter.first_period", obj=letter, actor=user, platform=letter.platform,
                 data={"first_period": first_period})
    return letter


@transaction.atomic
def letter_amend(*, letter: Letter, user=None, now) -> Letter:
    """Start version N+1 as a draft, copied from the signed version."""
    if letter.state != Letter.State.SIGNED:
        raise DomainError(_("只能修订已签署的现行版本。"))
    if Letter.objects.filter(platform=letter.platform, state=Letter.State.DRAFT).exists():
        raise DomainError(_("已有一份草稿,请先完成、签署或放弃它。"))
    draft = Letter.objects.create(
        platform=letter.platform, template=letter.template, version=_next_version(letter.platform),
        title=letter.title, preamble=letter.preamble, signature=letter.signature, sections=letter.sections,
        blanks=letter.blanks, values=dict(letter.values), amends=letter,
    )
    Clause.objects.bulk_create(
        Clause(letter=draft, **{f: getattr(c, f) for f in CLAUSE_COPY})
        for c in letter.clauses.filter(removed_reason="")
    )
    audit_record(at=now, action="letter.amend", obj=draft, actor=user, platform=letter.platform,
                 data={"version": draft.version, "amends": letter.pk})
    return draft


CLAUSE_COPY = ("section", "section_title", "number", "title", "ordinal", "source", "text", "addendum_source",
               "addendum", "specs")


@transaction.atomic
def letter_discard(*, letter: Letter, user=None, now) -> None:
    """Throw a draft away (a first draft or an amendment); signed versions stay."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_frozen(letter)
    audit_record(at=now, action="letter.discard", actor=user, platform=letter.platform,
                 data={"letter": letter.pk, "version": letter.version})
    letter.clauses.all().delete()
    letter.delete()


def letter_obligation_fields(letter: Letter) -> list[tuple[Clause, dict]]:
    """(clause, resolved obligation fields) for every spec of the letter's live clauses."""
    return [(clause, tpl.resolve_spec(spec, letter.values, letter.blanks))
            for clause in letter.clauses.filter(removed_reason="").order_by("ordinal")
            for spec in clause.specs]


def obligation_problem(fields: dict) -> str | None:
    """Why resolved obligation fields cannot be scheduled, or None. A spec may hold fixed
    times of day and take its count from a blank: filled with another number, the two
    disagree, and materializing would fail on every sweep."""
    if fields["kind"] == "event":
        problem = steps_problem(fields.get("deadlines") or [])
        return problem[1] if problem else None
    if fields["kind"] != "calendar":
        return None
    conflict = tpl.due_rule_conflict(fields)
    if conflict:
        return _("“%(first)s”与“%(second)s”不能同时使用:到期时间只能按一种方式确定。") % {
            "first": Obligation._meta.get_field(conflict[0]).verbose_name,
            "second": Obligation._meta.get_field(conflict[1]).verbose_name}
    if fields.get("due_days_after_period") == 0:
        return _("周期结束后到期的日数至少为 1。")
    times, count = fields.get("times_of_day") or [], fields.get("count")
    if times and fields.get("period") != "daily":
        return _("每日到期时刻只适用于“每日”周期。")
    if times and count != len(times):
        return _("每日到期时刻有%(times)s个,每周期次数却为%(count)s,两者须一致。") % {"times": len(times), "count": count}
    return None


OBLIGATION_FIELDS = ("title", "kind", "period", "count", "times_of_day", "spread", "due_offset_minutes",
                     "due_days_after_period", "workdays_only", "trigger", "deadlines", "one_time_days",
                     "responsible_role", "evidence_required", "evidence_description", "retention_years",
                     "grace_minutes", "escalate_officer_minutes", "escalate_group_minutes")
SCHEDULE_FIELDS = ("kind", "period", "count", "times_of_day", "spread", "due_offset_minutes", "due_days_after_period",
                   "workdays_only", "trigger", "deadlines", "one_time_days")


def _sync_obligations(letter: Letter, starts_at: datetime, now: datetime) -> None:
    """Create or update the obligations of a newly signed version; end the ones it dropped.
    A changed schedule drops the occurrences not yet opened; the sweep makes them anew."""
    wanted = letter_obligation_fields(letter)
    existing = {o.key: o for o in Obligation.objects.filter(platform=letter.platform, from_review=False)}
    for clause, spec in wanted:
        fields = {f: spec[f] for f in OBLIGATION_FIELDS}
        fields.update(clause=clause, ends_at=None, period=fields["period"] or "", trigger=fields["trigger"] or "")
        ob = existing.get(spec["key"])
        if ob is None:
            Obligation.objects.create(platform=letter.platform, key=spec["key"],
                                      starts_at=schedule_start(spec, starts_at, tz=letter.platform.tz,
                                                                first_period=letter.first_period), **fields)
            continue
        changed = any(getattr(ob, f) != fields[f] for f in SCHEDULE_FIELDS) or ob.ends_at is not None
        for name, value in fields.items():
            setattr(ob, name, value)
        if changed:
            _drop_unopened(ob, now)
        ob.save()
    for key in existing.keys() - {spec["key"] for _clause, spec in wanted}:
        ob = existing[key]
        if ob.ends_at is None:
            ob.ends_at = now
            _drop_unopened(ob, now)
            ob.save(update_fields=["ends_at", "materialized_until"])


def _drop_unopened(ob: Obligation, now) -> None:
    Occurrence.objects.filter(obligation=ob, state=Occurrence.State.OPEN, opens_at__gt=now,
                              completions__isnull=True).delete()
    if ob.materialized_until and ob.materialized_until > now:
        ob.materialized_until = now


def signed_letters(platform):
    """The platform's signed letters, the current one first."""
    return Letter.objects.filter(platform=platform, state=Letter.State.SIGNED).order_by("-version")


def current_letter(platform) -> Letter | None:
    return signed_letters(platform).first()


def draft_letter(platform) -> Letter | None:
    return Letter.objects.filter(platform=platform, state=Letter.State.DRAFT).order_by("-version").first()
