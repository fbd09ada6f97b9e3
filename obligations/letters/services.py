"""Services for letters and clauses: create, fill, sign, amend.

A signed letter is frozen. An amendment is a new draft version; signing it supersedes
the old version and carries the obligations over (same identity, same occurrences).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Clause, Letter, Membership, Obligation, Occurrence, Role
from ..trust.audit import audit_record
from . import template as tpl


def _json_values(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def _write_clauses(letter: Letter) -> None:
    letter.clauses.all().delete()
    Clause.objects.bulk_create(
        Clause(
            letter=letter,
            section=number.split(".")[0],
            section_title=tpl.SECTIONS[number.split(".")[0]],
            number=number,
            ordinal=i,
            text=tpl.render(text, letter.values),
        )
        for i, (number, text) in enumerate(tpl.CLAUSES, start=1)
    )


def _refuse_if_frozen(letter: Letter) -> None:
    if letter.is_frozen:
        raise DomainError(_("承诺书第%(version)s版已签署,不能修改;如需变更,请发起修订(生成新版本)。")
                          % {"version": letter.version})


@transaction.atomic
def letter_create(*, platform, values: dict, user=None, now) -> Letter:
    version = (Letter.objects.filter(platform=platform, template=tpl.TEMPLATE_KEY)
               .order_by("-version").values_list("version", flat=True).first() or 0) + 1
    letter = Letter.objects.create(
        platform=platform, template=tpl.TEMPLATE_KEY, version=version,
        title=tpl.TEMPLATE_TITLE, values=_json_values(values),
    )
    _write_clauses(letter)
    audit_record(at=now, action="letter.create", obj=letter, actor=user, platform=platform,
                 data={"version": version})
    return letter


@transaction.atomic
def letter_fill(*, letter: Letter, values: dict, user=None, now) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_frozen(letter)
    letter.values = {**letter.values, **_json_values(values)}
    letter.save(update_fields=["values"])
    _write_clauses(letter)
    audit_record(at=now, action="letter.fill", obj=letter, actor=user, platform=letter.platform,
                 data={"values": letter.values})
    return letter


@transaction.atomic
def clause_update(*, clause: Clause, text: str, user=None, now) -> Clause:
    letter = Letter.objects.select_for_update().get(pk=clause.letter_id)
    _refuse_if_frozen(letter)
    Clause.objects.filter(pk=clause.pk).update(text=text)
    clause.text = text
    audit_record(at=now, action="clause.update", obj=clause, actor=user, platform=letter.platform)
    return clause


@transaction.atomic
def letter_sign(*, letter: Letter, user=None, now) -> Letter:
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    _refuse_if_frozen(letter)
    missing = [str(b.label) for b in tpl.BLANKS if letter.values.get(b.name) in (None, "")]
    if missing:
        raise DomainError(_("以下填空尚未填写:%(names)s") % {"names": "、".join(missing)})
    if not Membership.objects.filter(platform=letter.platform, role=Role.OFFICER).exists():
        raise DomainError(_("条款四.2要求指定合规负责人:请先为本平台添加一名合规负责人,再签署。"))
    previous = (Letter.objects.select_for_update()
                .filter(platform=letter.platform, template=letter.template, state=Letter.State.SIGNED)
                .first())
    letter.state, letter.signed_at, letter.signed_by = Letter.State.SIGNED, now, user
    letter.save(update_fields=["state", "signed_at", "signed_by"])
    if previous:
        previous.state = Letter.State.SUPERSEDED
        previous.save(update_fields=["state"])
    _sync_obligations(letter, now)
    audit_record(at=now, action="letter.sign", obj=letter, actor=user, platform=letter.platform,
                 data={"version": letter.version, "supersedes": previous.pk if previous else None})
    return letter


@transaction.atomic
def letter_amend(*, letter: Letter, user=None, now) -> Letter:
    """Start version N+1 as a draft, prefilled from the signed version."""
    if letter.state != Letter.State.SIGNED:
        raise DomainError(_("只能修订已签署的现行版本。"))
    if Letter.objects.filter(amends=letter, state=Letter.State.DRAFT).exists():
        raise DomainError(_("已有一份修订草稿,请先完成或签署它。"))
    draft = letter_create(platform=letter.platform, values=dict(letter.values), user=user, now=now)
    draft.amends = letter
    draft.save(update_fields=["amends"])
    return draft


SCHEDULE_FIELDS = ("kind", "period", "count", "spread", "trigger", "deadlines", "one_time_days")


def _sync_obligations(letter: Letter, now) -> None:
    """Create or update the obligations of a newly signed version; end the ones it dropped.
    A changed schedule drops the occurrences not yet opened; the sweep makes them anew."""
    clauses = {c.number: c for c in letter.clauses.all()}
    specs = tpl.obligation_specs(letter.values)
    existing = {o.key: o for o in Obligation.objects.filter(platform=letter.platform)}
    for spec in specs:
        fields = {
            "clause": clauses[spec.clause], "title": spec.title, "kind": spec.kind,
            "period": spec.period, "count": spec.count, "spread": spec.spread,
            "trigger": spec.trigger, "deadlines": spec.deadlines, "one_time_days": spec.one_time_days,
            "responsible_role": spec.responsible_role, "evidence_required": spec.evidence_required,
            "evidence_description": spec.evidence_description, "retention_years": spec.retention_years,
            "grace_minutes": spec.grace_minutes, "ends_at": None,
        }
        ob = existing.get(spec.key)
        if ob is None:
            Obligation.objects.create(platform=letter.platform, key=spec.key, starts_at=now, **fields)
            continue
        changed = any(getattr(ob, f) != fields[f] for f in SCHEDULE_FIELDS) or ob.ends_at is not None
        for name, value in fields.items():
            setattr(ob, name, value)
        if changed:
            _drop_unopened(ob, now)
        ob.save()
    for key in existing.keys() - {s.key for s in specs}:
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


def current_letter(platform) -> Letter | None:
    return Letter.objects.filter(platform=platform, state=Letter.State.SIGNED).order_by("-version").first()
