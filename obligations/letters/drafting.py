"""The officer's clause editor on a draft letter: edit a clause's text, add a clause of
the platform's own, remove one with a reason, and give a clause its own obligations.
Every change refuses a signed letter and writes the audit trail."""

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Clause, Letter, Obligation
from ..trust.audit import audit_record
from ..wording import enumeration
from . import template as tpl
from .clocks import steps_problem
from .services import render_clause


def _draft_of(clause_or_letter) -> Letter:
    letter_id = clause_or_letter.letter_id if isinstance(clause_or_letter, Clause) else clause_or_letter.pk
    letter = Letter.objects.select_for_update(of=("self",)).select_related("platform").get(pk=letter_id)
    if letter.is_frozen:
        raise DomainError(_("承诺书第%(version)s版已签署,不能修改;如需变更,请发起修订(生成新版本)。")
                          % {"version": letter.version})
    return letter


def _check_text(letter: Letter, text: str, field: str) -> None:
    try:
        names = tpl.placeholders(text)
    except ValueError:
        raise DomainError(_("花括号只能用于填空,例如 {checks_per_day};如需原样显示请写成 {{ 和 }}。"),
                          field=field) from None
    unknown = [n for n in names if n not in {b["name"] for b in letter.blanks}]
    if unknown:
        raise DomainError(_("条款引用了不存在的填空:%(names)s") % {"names": enumeration(unknown)}, field=field)


@transaction.atomic
def clause_update(*, clause: Clause, text: str, addendum: str | None = None, title: str | None = None,
                  user=None, now) -> Clause:
    letter = _draft_of(clause)
    if not text.strip():
        raise DomainError(_("条款内容不能为空。"), field="text")
    _check_text(letter, text, "text")
    clause.source = text
    if addendum is not None:
        _check_text(letter, addendum, "addendum")
        clause.addendum_source = addendum
    if title is not None:
        clause.title = title
    render_clause(clause, letter)
    clause.save(update_fields=["source", "addendum_source", "title", "text", "addendum"])
    audit_record(at=now, action="clause.update", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number})
    return clause


@transaction.atomic
def clause_add(*, letter: Letter, section: str, text: str, title: str = "", user=None, now) -> Clause:
    """A clause of the platform's own, numbered after the last one of its section."""
    letter = _draft_of(letter)
    if section not in letter.sections:
        raise DomainError(_("请选择条款所属的部分。"), field="section")
    if not text.strip():
        raise DomainError(_("条款内容不能为空。"), field="text")
    _check_text(letter, text, "text")
    in_section = [c.number for c in letter.clauses.filter(section=section)]
    n = 1 + max((int(x.split(".")[1]) for x in in_section if x.split(".")[1].isdigit()), default=0)
    last = letter.clauses.filter(section=section).aggregate(o=Max("ordinal"))["o"]
    ordinal = (last if last is not None else letter.clauses.aggregate(o=Max("ordinal"))["o"] or 0) + 1
    letter.clauses.filter(ordinal__gte=ordinal).update(ordinal=F("ordinal") + 1)
    clause = Clause(letter=letter, section=section, section_title=letter.sections[section], number=f"{section}.{n}",
                    title=title, ordinal=ordinal, source=text)
    render_clause(clause, letter)
    clause.save()
    audit_record(at=now, action="clause.add", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number})
    return clause


@transaction.atomic
def clause_remove(*, clause: Clause, reason: str, user=None, now) -> Clause:
    """Removed, not deleted: the draft shows it struck through with the reason, and
    signing raises none of its obligations."""
    letter = _draft_of(clause)
    if not reason.strip():
        raise DomainError(_("删除条款必须填写理由。"), field="reason")
    clause.removed_reason = reason.strip()
    clause.save(update_fields=["removed_reason"])
    audit_record(at=now, action="clause.remove", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number, "reason": clause.removed_reason})
    return clause


@transaction.atomic
def clause_restore(*, clause: Clause, user=None, now) -> Clause:
    letter = _draft_of(clause)
    clause.removed_reason = ""
    clause.save(update_fields=["removed_reason"])
    audit_record(at=now, action="clause.restore", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number})
    return clause


def _key_taken(letter: Letter, key: str, clause: Clause, index: int | None) -> bool:
    """A key names one obligation of the platform across versions: taken by another spec
    of this draft, or by a live obligation that another clause number holds."""
    for c in letter.clauses.all():
        for i, spec in enumerate(c.specs):
            if spec["key"] == key and not (c.pk == clause.pk and i == index):
                return True
    other = Obligation.objects.filter(platform=letter.platform, key=key, ends_at__isnull=True).exclude(
        clause__number=clause.number).exists()
    return other


@transaction.atomic
def obligation_spec_save(*, clause: Clause, spec: dict, index: int | None = None, user=None, now) -> Clause:
    """Add (index None) or replace one obligation spec of a clause. The spec is checked as
    a template's would be, so what the officer writes can always be signed."""
    letter = _draft_of(clause)
    clause = Clause.objects.get(pk=clause.pk)
    spec = {k: v for k, v in spec.items() if v not in (None, "", [])} | {"key": spec.get("key") or ""}
    if not spec["key"]:
        taken = {s["key"] for c in letter.clauses.all() for s in c.specs}
        n = 1
        while f"{clause.number}-{n}" in taken:
            n += 1
        spec["key"] = f"{clause.number}-{n}"
    if _key_taken(letter, spec["key"], clause, index):
        raise DomainError(_("标识“%(key)s”已被其他义务使用。") % {"key": spec["key"]}, field="key")
    try:
        checked = tpl.check_spec(spec, letter.blanks)
    except tpl.TemplateError as exc:
        # "obligation.deadlines[0].amount" -> the form's field "deadlines"
        field = exc.path.split(".")[1].split("[")[0] if "." in exc.path else None
        raise DomainError(_("义务设置有误:%(reason)s(%(path)s)") % {"reason": exc.reason, "path": exc.path},
                          field=field) from None
    if problem := steps_problem(checked.get("deadlines") or []):
        raise DomainError(problem[1], field=f"deadline_{problem[0]}_amount")
    specs = list(clause.specs)
    if index is None:
        specs.append(checked)
    elif 0 <= index < len(specs):
        specs[index] = checked
    else:
        raise DomainError(_("该义务已不存在,请刷新页面。"))
    clause.specs = specs
    clause.save(update_fields=["specs"])
    audit_record(at=now, action="obligation_spec.save", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number, "key": checked["key"]})
    return clause


@transaction.atomic
def obligation_spec_remove(*, clause: Clause, index: int, user=None, now) -> Clause:
    letter = _draft_of(clause)
    clause = Clause.objects.get(pk=clause.pk)
    if not 0 <= index < len(clause.specs):
        raise DomainError(_("该义务已不存在,请刷新页面。"))
    removed = clause.specs[index]
    clause.specs = clause.specs[:index] + clause.specs[index + 1:]
    clause.save(update_fields=["specs"])
    audit_record(at=now, action="obligation_spec.remove", obj=clause, actor=user, platform=letter.platform,
                 data={"number": clause.number, "key": removed["key"]})
    return clause
