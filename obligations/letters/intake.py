"""Letter intake: a parsed letter (letters/parser.py) turned into proposed clauses and
obligation specs the officer reviews, corrects and accepts as a draft of the platform's
own. Nothing is stored before `letter_create_own`.

One proposal per duty (letters/duties.py cuts a clause into its duties); accepting keeps
each clause as written, its duties its obligations. The proposal never guesses what the
letter leaves open: a blank stays a blank (the officer fills it before signing), 定期, 及时,
立即, 完整保存 become blanks (duty_specs.py), and a duty the parser marked `needs_review`,
or a promise no proposal covers (未覆盖), is shown first.
"""

import re
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Clause, Letter
from ..trust.audit import audit_record
from . import parser
from . import template as tpl
from .clause_reading import Blank
from .clocks import steps_problem
from .duties import promises
from .duty_specs import DutySpecs
from .services import _next_version, current_letter, render_clause
from .signature import StatedDate

FREQUENCIES = {"daily": "daily", "weekly": "weekly", "ten_day": "tenday", "monthly": "monthly",
               "quarterly": "quarterly", "half_yearly": "halfyear", "yearly": "yearly", "biennial": "biennial"}
UNITS = {"minutes": "minutes", "hours": "hours", "days": "days", "working_days": "workdays"}
TRIGGER_WORDS = (("complaint", "投诉|举报|咨询|反馈"), ("finding", "漏洞|隐患|问题|整改|缺陷|违规|违法"),
                 ("incident", "事件|故障|事故|突发|中断|攻击|异常|泄露"))
SETUP_BLANK = {"name": "setup_days", "label": "建立、制定类事项的完成时限(签订后日数)", "kind": "int", "min": 1,
               "max": 365, "default": 30, "help": "承诺书未写明的期限,作为补充约定列在条款下。"}
# 每季度结束后15日内: the days are counted from the period's end (a report on the period).
AFTER_PERIOD = re.compile(r"(?:结束|届满|终了)之?后\s*$")


@dataclass
class Proposal:
    """One clause as proposed: its text with placeholders, what was recognised, and the
    obligation spec it would raise (None for a clause that raises nothing)."""

    index: int
    number: str
    section: str
    title: str
    text: str  # as written
    source: str  # with {placeholders}
    spans: list[dict]
    needs_review: bool
    spec: dict | None
    addendum: str = ""
    notes: list[str] = field(default_factory=list)
    # A duty cut out of a clause: the words it hangs from, the clause's number and its whole
    # text with placeholders (what the accepted letter keeps), and the duty's own placeholders.
    lead: str = ""
    parent: str = ""
    whole: str = ""
    placed: list[tuple[int, int, str]] = field(default_factory=list)
    uncovered: list[dict] = field(default_factory=list)  # promises no obligation covers (未覆盖)

    @property
    def flagged(self) -> bool:
        return self.needs_review or bool(self.uncovered)


@dataclass
class DraftProposal:
    title: str
    preamble: str
    signature: str
    sections: dict[str, str]
    blanks: list[dict]
    clauses: list[Proposal]

    @property
    def review_first(self) -> list[Proposal]:
        return sorted(self.clauses, key=lambda p: (not p.flagged, p.index))


class _Blanks:
    """Placeholder names for the blanks of a pasted letter, in reading order."""

    def __init__(self):
        self.declared: list[dict] = []
        self.count = 0

    def add(self, label: str, kind: str, **extra) -> str:
        self.count += 1
        name = f"b{self.count}"
        self.declared.append({"name": name, "label": label or name, "kind": kind, **extra})
        return name

    def ensure(self, blank: dict) -> str:
        if not any(b["name"] == blank["name"] for b in self.declared):
            self.declared.append(dict(blank))
        return blank["name"]


INT_BOUNDS = {"min": 0, "max": 100000}


def _fill_blanks(text: str, found: list[Blank], blanks: _Blanks, stated: StatedDate | None = None) -> str:
    """The preamble or signature with the blanks the parser found as placeholders, escaped.
    A date blank, or the date the letter states, is the signing date (sign_date): a
    stated date is its value, which the officer may still change before signing."""
    places = sorted([(b.start, b.end, b.type == "date", b.name) for b in found]
                    + ([(stated.start, stated.end, True, "")] if stated else []))
    out, i = [], 0
    for start, end, is_date, name in places:
        if is_date:
            sign_date = {"name": "sign_date", "label": _("签订日期"), "kind": "date"}
            placeholder = blanks.ensure({**sign_date, "default": stated.value} if stated else sign_date)
        else:
            placeholder = blanks.add(name, "text")
        out += [_escape(text[i:start]), "{" + placeholder + "}"]
        i = end
    return "".join(out) + _escape(text[i:])


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _trigger(text: str) -> tuple[str, bool]:
    for trigger, words in TRIGGER_WORDS:
        if re.search(words, text):
            return trigger, False
    return "complaint", True


def _title(heading: str | None, source: str) -> str:
    if heading:
        return heading[:60]
    first = re.split(r"[,,。;;]", source, maxsplit=1)[0]
    return re.sub(r"^(平台|承诺方|我方|本单位|我单位)(将|承诺)?", "", first)[:60] or source[:60]


def _blank_inside(span: dict, placed: list[tuple[int, int, str]]) -> str | None:
    return next((name for start, end, name in placed if span["start"] <= start and end <= span["end"]), None)


def _placeholder(blank, blanks: _Blanks) -> str:
    kind = "int" if blank.type == "int" else "text"
    return blanks.add(blank.name, kind, **(INT_BOUNDS if kind == "int" else {}))


def _source(text: str, placed: list[tuple[int, int, str]]) -> str:
    """The text escaped, its blanks (start, end, name) replaced by {name}."""
    source, shift = _escape(text), 0
    escaped_positions = [i for i, ch in enumerate(text) if ch in "{}"]
    for start, end, name in sorted(placed):
        s = start + sum(1 for p in escaped_positions if p < start) + shift
        e = end + sum(1 for p in escaped_positions if p < end) + shift
        source = source[:s] + "{" + name + "}" + source[e:]
        shift += len(name) + 2 - (e - s)
    return source


def propose_clause(index: int, clause: parser.Clause, blanks: _Blanks) -> Proposal:
    reading = clause.reading
    placed = [(b.start, b.end, _placeholder(b, blanks)) for b in reading.blanks]
    source = _source(clause.text, placed)
    spans = reading.to_json()["spans"]

    def ref(value, means_prefix, nth=0):
        if value != "blank":
            return value
        matching = [s for s in spans if s["means"].startswith(means_prefix)]
        name = _blank_inside(matching[nth], placed) if nth < len(matching) else None
        return "{" + name + "}" if name else None

    spec, notes, addendum = None, [], ""
    duty = DutySpecs(number=clause.number, text=clause.text, spans=spans, add_blank=blanks.add)
    title = _title(clause.heading if clause.parent is None else None, source)
    base = {"key": clause.number, "title": title, "responsible_role": "staff", "evidence_description": ""}
    if reading.retention and reading.retention["unit"] == "years":
        retention = ref(reading.retention["amount"], "retention")
        if retention is not None:
            base["retention_years"] = retention
    if reading.kind == "calendar":
        period = FREQUENCIES.get(reading.frequency or "")
        if period is None:  # 定期: a period the officer must choose before signing
            period, addendum = duty.period_blank()
        count = ref(reading.count, "count") if reading.count is not None else 1
        spec = {**base, "kind": "calendar", "period": period, "count": count if count is not None else 1}
        clocks = sorted((s for s in spans if s["means"].startswith("deadline:")), key=lambda s: s["start"])
        for i, (clock, span) in enumerate(zip(reading.deadlines, clocks, strict=False)):
            if clock["unit"] == "days" and AFTER_PERIOD.search(clause.text[:span["start"]]):
                spec["due_days_after_period"] = ref(clock["amount"], "deadline", i)
                break
    elif reading.kind == "event":
        trigger, unsure = _trigger(clause.lead + clause.text)
        steps = []
        for i, d in enumerate(reading.deadlines):
            amount = ref(d["amount"], "deadline", i)
            steps.append({"step": ("respond", "decide", "close")[min(i, 2)], "amount": amount or duty.time_blank(),
                          "unit": UNITS.get(d["unit"], "hours")})
        spec = {**base, "kind": "event", "trigger": trigger, "deadlines": steps}
        if unsure:
            notes.append(_("未能判断触发事件,已按投诉举报提出,请核对。"))
    elif reading.kind == "one_time":
        spec = {**base, "kind": "one_time", "one_time_days": "{setup_days}", "responsible_role": "officer"}
        written = next((i for i, d in enumerate(reading.deadlines) if d["unit"] == "days"), None)
        if written is not None:  # 自签订之日起30日内
            spec["one_time_days"] = ref(reading.deadlines[written]["amount"], "deadline", written) or duty.time_blank()
        elif not duty.urgent:  # 立即建立: its own blank (duty_specs)
            blanks.ensure(SETUP_BLANK)
            addendum = _("于签订之日起{setup_days}日内完成。")
    if spec is not None:
        spec, addendum = duty.settle(spec, addendum)  # measures, standing duties, the group, open words
        notes += duty.notes
    if reading.needs_review and not duty.notes:
        notes.append(_("条款含“定期、及时、立即”等未写明数字的要求,请人工核对。"))
    uncovered = [] if spec else [{"start": a, "end": b, "means": "uncovered"} for a, b in promises(clause.text)]
    if uncovered:
        notes.append(_("未覆盖:条款承诺的内容没有对应的义务,请补充义务或确认无需义务。"))
    return Proposal(index=index, number=clause.number, section=clause.section or "一", title=clause.heading or "",
                    text=clause.text, source=source, spans=spans + uncovered, needs_review=reading.needs_review,
                    spec=spec, addendum=addendum, notes=notes, lead=clause.lead, placed=placed, uncovered=uncovered)


def _wholes(clauses: list[parser.Clause], proposals: list[Proposal], blanks: _Blanks) -> None:
    """Each duty cut out of a clause learns the clause's number and whole text with the
    duties' placeholders (and new ones for blanks in the words the duties hang from)."""
    for parent, grouped in groupby(zip(clauses, proposals, strict=True), key=lambda cp: cp[0].parent):
        if parent is None:
            continue
        group, placed, cursor = list(grouped), [], 0
        for clause, p in group:
            offset = parent.text.find(clause.text, cursor)
            cursor = offset + len(clause.text)
            placed += [(s + offset, e + offset, name) for s, e, name in p.placed]
        inside = {(s, e) for s, e, _name in placed}
        placed += [(b.start, b.end, _placeholder(b, blanks)) for b in parent.reading.blanks
                   if (b.start, b.end) not in inside]
        whole = _source(parent.text, placed)
        for _clause, p in group:
            p.parent, p.whole = parent.number, whole


def propose(parsed: parser.Letter) -> DraftProposal:
    blanks = _Blanks()
    clauses = list(parsed.clauses)
    sections = {s.numeral: s.title for s in parsed.sections}
    for c in clauses:  # an unnumbered letter's plain clauses: one section 正文
        sections.setdefault(c.section or "一", c.section_title or _("正文"))
    preamble_source = _fill_blanks(parsed.preamble, parsed.preamble_blanks, blanks)
    proposals = [propose_clause(i, c, blanks) for i, c in enumerate(clauses)]
    _wholes(clauses, proposals, blanks)
    signature = _fill_blanks(parsed.signature, parsed.signature_blanks, blanks, parsed.signing_date)
    return DraftProposal(title=parsed.title or _("承诺书"), preamble=preamble_source, signature=signature,
                         sections=sections, blanks=blanks.declared, clauses=proposals)


def apply_edits(proposal: Proposal, edits: dict) -> None:
    """The officer's corrections to one proposal, as the review form holds them ({"include",
    "kind", "title", "period", "trigger", "responsible_role", "count", "due_days_after_period",
    "one_time_days", "retention_years", "deadlines": [{"step", "amount", "unit"}], any other
    number of the spec}): the spec becomes what the form shows. A field left out of `edits`
    keeps the proposal's value; a number or step cleared is dropped (its default applies)."""
    if not edits.get("include", proposal.spec is not None):
        proposal.spec = None
        return
    kind = edits.get("kind") or (proposal.spec or {}).get("kind")
    if not kind or kind == "none":
        proposal.spec = None
        return
    spec = dict(proposal.spec or {"key": proposal.number, "title": _title(proposal.title, proposal.source),
                                  "responsible_role": "staff"})
    spec["kind"] = kind
    for name, value in edits.items():
        if name not in tpl.SPEC_FIELDS or name == "kind":
            continue
        if name == "deadlines":
            spec[name] = [{**step, "amount": _number_or_ref(step["amount"])} for step in value]
        elif value in (None, ""):
            if name not in ("title", "responsible_role"):  # a name and a role are never left empty
                spec.pop(name, None)
        else:
            spec[name] = _number_or_ref(value) if tpl.SPEC_FIELDS[name][0] is int else value
    proposal.spec = spec


def _number_or_ref(value):
    value = str(value).strip()
    return int(value) if value.isdigit() else value


@transaction.atomic
def letter_create_own(*, platform, draft: DraftProposal, user=None, now) -> Letter:
    """The accepted proposal as a draft letter of the platform's own (template "own"),
    edited, previewed and signed like any other draft."""
    if Letter.objects.filter(platform=platform, state=Letter.State.DRAFT).exists():
        raise DomainError(_("本平台已有一份草稿:请先签署或放弃它,再导入新的承诺书。"))
    for p in draft.clauses:
        if p.spec is None:
            continue
        spec = {k: v for k, v in p.spec.items() if k in tpl.SPEC_FIELDS}
        if spec.get("kind") != "event":
            spec.pop("trigger", None)
            spec.pop("deadlines", None)
        if spec.get("kind") != "calendar":
            spec.pop("period", None)
            spec.pop("count", None)
            spec.pop("due_days_after_period", None)
        if spec.get("kind") != "one_time":
            spec.pop("one_time_days", None)
        try:
            p.spec = tpl.check_spec(spec, draft.blanks)
        except tpl.TemplateError as exc:
            raise DomainError(_("条款 %(number)s 的义务设置有误:%(reason)s")
                              % {"number": p.number, "reason": exc.reason}) from None
        if problem := steps_problem(p.spec.get("deadlines") or []):
            raise DomainError(_("条款 %(number)s 的义务设置有误:%(reason)s") % {"number": p.number, "reason": problem[1]})
    # It replaces the letter in force: its changes page compares with it, and lists what signing ends.
    letter = Letter.objects.create(
        amends=current_letter(platform),
        platform=platform, template=tpl.OWN, version=_next_version(platform), title=draft.title,
        preamble=draft.preamble, signature=draft.signature, sections=draft.sections, blanks=draft.blanks,
        values={b["name"]: b["default"] for b in draft.blanks if "default" in b},
    )
    clauses = []
    # The letter keeps each clause as written; its duties are the clause's obligations.
    duties_by_clause = groupby(draft.clauses, key=lambda p: p.parent or p.number)
    for ordinal, (number, group) in enumerate(duties_by_clause, start=1):
        group = list(group)
        p = group[0]
        clause = Clause(letter=letter, section=p.section, section_title=draft.sections.get(p.section, ""),
                        number=number, title=p.title, ordinal=ordinal, source=p.whole or p.source,
                        addendum_source=" ".join(d.addendum for d in group if d.addendum),
                        specs=[d.spec for d in group if d.spec])
        render_clause(clause, letter)
        clauses.append(clause)
    Clause.objects.bulk_create(clauses)
    audit_record(at=now, action="letter.intake", obj=letter, actor=user, platform=platform,
                 data={"version": letter.version, "clauses": len(clauses),
                       "obligations": sum(1 for p in draft.clauses if p.spec)})
    return letter
