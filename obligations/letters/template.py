"""Letter templates as data: TOML files holding typed, bounded blanks, the clauses with
their {placeholders}, and per clause the obligation specs, checked when loaded.

A spec's field may name a blank as "{name}" (a whole-value reference): `resolve_spec`
puts the filled value there when the letter is signed or previewed. Titles may use
placeholders inside the text. Everything a template says is copied into the letter
when it is created, so a later change of the file never changes a letter.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings

from ..schedule.workdays import DeadlineUnit

LIBRARY = Path(__file__).resolve().parent / "library"
DEFAULT_TEMPLATE = "platform-operation-1"
OWN = "own"  # a platform's own letter (pasted or written), with no template behind it
BLANK_KINDS = ("int", "text", "choice", "date", "period")
SPEC_KINDS = ("calendar", "event", "one_time")
ROLES = ("officer", "staff", "supervisor", "auditor")
TRIGGERS = ("complaint", "incident", "finding")
TIERS = ("serious", "critical")
# Period labels in the letter's own language: they are rendered into the clause text.
PERIOD_LABELS = {
    "daily": "每日", "weekly": "每周", "tenday": "每旬", "monthly": "每月", "quarterly": "每季度",
    "halfyear": "每半年", "yearly": "每年", "biennial": "每两年",
}
REF = re.compile(r"^\{(\w+)\}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMPTY = "__________"

# field -> (type, blank kinds a reference may name)
SPEC_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "key": (str, ()), "title": (str, ()), "kind": (str, ()), "responsible_role": (str, ()),
    "evidence_description": (str, ()), "evidence_required": (bool, ()),
    "period": (str, ("period",)), "count": (int, ("int",)), "times_of_day": (list, ()), "spread": (bool, ()),
    "due_offset_minutes": (int, ("int",)), "due_days_after_period": (int, ("int",)), "workdays_only": (bool, ()),
    "trigger": (str, ()), "deadlines": (list, ()), "one_time_days": (int, ("int",)),
    "retention_years": (int, ("int",)), "grace_minutes": (int, ("int",)),
    "escalate_officer_minutes": (int, ("int",)), "escalate_group_minutes": (int, ("int",)),
}
SPEC_DEFAULTS = {
    "responsible_role": "staff", "evidence_description": "", "evidence_required": True, "period": "", "count": 1,
    "times_of_day": [], "spread": False, "due_offset_minutes": None, "due_days_after_period": None,
    "workdays_only": False, "trigger": "",
    "deadlines": [], "one_time_days": None,
    # Where the letter says nothing: 个人信息保护法 第五十六条 keeps records at least 3 years.
    "retention_years": 3, "grace_minutes": 0, "escalate_officer_minutes": None, "escalate_group_minutes": None,
}

# The ways a calendar obligation's due times are placed in a period (schedule/periods.
# slots_in_period): one at most.
DUE_RULES = ("times_of_day", "spread", "due_offset_minutes", "due_days_after_period")


def due_rule_conflict(spec: dict) -> tuple[str, str] | None:
    """The first two due-time rules a spec (or an obligation's fields) sets together, or None."""
    chosen = [f for f in DUE_RULES if spec.get(f) not in (None, False, 0, "", [])]
    return (chosen[0], chosen[1]) if len(chosen) > 1 else None


class TemplateError(ValueError):
    """A template file that cannot be used: the file, the path inside it, the reason."""

    def __init__(self, file, path: str, reason: str):
        super().__init__(f"{file}: {path}: {reason}")
        self.file, self.path, self.reason = str(file), path, reason


@dataclass(frozen=True)
class LetterTemplate:
    key: str
    name: str
    title: str
    preamble: str
    signature: str
    sections: dict[str, str]  # number -> title
    blanks: list[dict]
    clauses: list[dict]  # {number, title, text, addendum, obligations: [spec]}
    file: str

    @property
    def obligation_count(self) -> int:
        return sum(len(c["obligations"]) for c in self.clauses)


def placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text or "") if name]


def blank_display(blank: dict, value) -> str:
    """How a filled value reads inside the letter's text."""
    if value in (None, ""):
        return EMPTY
    if blank.get("kind") == "period":
        return PERIOD_LABELS.get(value, str(value))
    if blank.get("kind") == "choice":
        return dict((str(k), v) for k, v in blank.get("choices", [])).get(str(value), str(value))
    return str(value)


def render(text: str, values: dict, blanks: list[dict]) -> str:
    """The text with each placeholder filled; an empty blank stays visible as ____."""
    by_name = {b["name"]: b for b in blanks}
    filled = {name: blank_display(by_name.get(name, {}), values.get(name)) for name in placeholders(text)}
    return (text or "").format(**filled)


def resolve_spec(spec: dict, values: dict, blanks: list[dict]) -> dict:
    """A spec with its blank references replaced by the filled values: the fields of an Obligation."""

    def value(v):
        m = REF.match(v) if isinstance(v, str) else None
        return values.get(m.group(1)) if m else v

    out = {**SPEC_DEFAULTS, **{k: value(v) for k, v in spec.items()}}
    out["title"] = render(spec["title"], values, blanks)
    out["deadlines"] = [
        {**{k: value(v) for k, v in step.items() if k != "tiers"},
         **({"tiers": {t: {k: value(v) for k, v in tier.items()} for t, tier in step["tiers"].items()}}
            if step.get("tiers") else {})}
        for step in spec.get("deadlines", [])
    ]
    return out


def spec_references(spec: dict) -> set[str]:
    """The blanks a spec depends on."""
    names = set(placeholders(spec.get("title", "")))
    for v in list(spec.values()) + [x for s in spec.get("deadlines", []) for x in _step_values(s)]:
        m = REF.match(v) if isinstance(v, str) else None
        if m:
            names.add(m.group(1))
    return names


def _step_values(step: dict):
    yield from step.values()
    for tier in (step.get("tiers") or {}).values():
        yield from tier.values()


# Loading and checking -------------------------------------------------------------

class _Checker:
    def __init__(self, file):
        self.file = file

    def fail(self, path, reason):
        raise TemplateError(self.file, path, reason)

    def typed(self, data, key, kind, path, required=True):
        if key not in data:
            if required:
                self.fail(f"{path}.{key}" if path else key, "is missing")
            return None
        if not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
            self.fail(f"{path}.{key}" if path else key, f"must be {kind.__name__}, not {type(data[key]).__name__}")
        return data[key]


def load_template(file: Path) -> LetterTemplate:
    check = _Checker(file)
    try:
        data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(file, "(file)", str(exc)) from None
    for key in ("key", "name", "title"):
        check.typed(data, key, str, "")
    for key in ("preamble", "signature"):
        check.typed(data, key, str, "", required=False)
    unknown = set(data) - {"key", "name", "title", "preamble", "signature", "sections", "blanks", "clauses"}
    if unknown:
        check.fail(sorted(unknown)[0], "is not a template field")
    sections = {}
    for i, s in enumerate(check.typed(data, "sections", list, "")):
        sections[check.typed(s, "number", str, f"sections[{i}]")] = check.typed(s, "title", str, f"sections[{i}]")
    blanks = [_check_blank(check, b, f"blanks[{i}]") for i, b in enumerate(check.typed(data, "blanks", list, ""))]
    names = [b["name"] for b in blanks]
    if len(set(names)) != len(names):
        check.fail("blanks", f"blank {next(n for n in names if names.count(n) > 1)!r} is declared twice")
    by_name = {b["name"]: b for b in blanks}
    for key in ("preamble", "signature"):
        _check_placeholders(check, data.get(key, ""), by_name, key)
    clauses, numbers, keys = [], set(), set()
    for i, c in enumerate(check.typed(data, "clauses", list, "")):
        path = f"clauses[{i}]"
        number = check.typed(c, "number", str, path)
        if number in numbers:
            check.fail(f"{path}.number", f"clause {number} appears twice")
        numbers.add(number)
        if number.split(".")[0] not in sections:
            check.fail(f"{path}.number", f"section {number.split('.')[0]!r} is not declared in sections")
        text = check.typed(c, "text", str, path)
        addendum = check.typed(c, "addendum", str, path, required=False) or ""
        _check_placeholders(check, text, by_name, f"{path}.text")
        _check_placeholders(check, addendum, by_name, f"{path}.addendum")
        specs = []
        for j, spec in enumerate(check.typed(c, "obligations", list, path, required=False) or []):
            spec = _check_spec(check, spec, by_name, f"{path}.obligations[{j}]")
            if spec["key"] in keys:
                check.fail(f"{path}.obligations[{j}].key", f"obligation key {spec['key']!r} appears twice")
            keys.add(spec["key"])
            specs.append(spec)
        clauses.append({"number": number, "title": c.get("title", ""), "text": text, "addendum": addendum,
                        "obligations": specs})
    return LetterTemplate(key=data["key"], name=data["name"], title=data["title"], preamble=data.get("preamble", ""),
                          signature=data.get("signature", ""), sections=sections, blanks=blanks, clauses=clauses,
                          file=str(file))


def _check_blank(check: _Checker, b: dict, path: str) -> dict:
    name = check.typed(b, "name", str, path)
    if not name.isidentifier():
        check.fail(f"{path}.name", f"{name!r} is not a name (letters, digits, underscore)")
    check.typed(b, "label", str, path)
    kind = check.typed(b, "kind", str, path)
    if kind not in BLANK_KINDS:
        check.fail(f"{path}.kind", f"{kind!r} is not one of {', '.join(BLANK_KINDS)}")
    unknown = set(b) - {"name", "label", "kind", "min", "max", "default", "choices", "help"}
    if unknown:
        check.fail(f"{path}.{sorted(unknown)[0]}", "is not a blank field")
    if kind == "int":
        low, high = check.typed(b, "min", int, path), check.typed(b, "max", int, path)
        if low > high:
            check.fail(f"{path}.min", f"min {low} is above max {high}")
        default = check.typed(b, "default", int, path, required=False)
        if default is not None and not low <= default <= high:
            check.fail(f"{path}.default", f"{default} is outside {low}..{high}")
    if kind == "choice":
        choices = check.typed(b, "choices", list, path)
        if not choices or not all(isinstance(c, list) and len(c) == 2 for c in choices):
            check.fail(f"{path}.choices", "must be a list of [value, label] pairs")
        if "default" in b and b["default"] not in [c[0] for c in choices]:
            check.fail(f"{path}.default", f"{b['default']!r} is not one of the choices")
    if kind == "period" and "default" in b and b["default"] not in PERIOD_LABELS:
        check.fail(f"{path}.default", f"{b['default']!r} is not a period ({', '.join(PERIOD_LABELS)})")
    if kind == "date" and "default" in b:
        try:
            date.fromisoformat(str(b["default"]))
        except ValueError:
            check.fail(f"{path}.default", f"{b['default']!r} is not a date")
    return dict(b)


def _check_placeholders(check: _Checker, text: str, blanks: dict, path: str) -> None:
    try:
        names = placeholders(text)
    except ValueError as exc:
        check.fail(path, f"broken placeholder: {exc}")
    for name in names:
        if name not in blanks:
            check.fail(path, f"{{{name}}} names no declared blank")


def _check_ref_or(check, spec, field, blanks, path, expected, kinds):
    value = spec.get(field)
    m = REF.match(value) if isinstance(value, str) else None
    if m:
        name = m.group(1)
        if name not in blanks:
            check.fail(f"{path}.{field}", f"{{{name}}} names no declared blank")
        if blanks[name]["kind"] not in kinds:
            check.fail(f"{path}.{field}", f"blank {name!r} is {blanks[name]['kind']}, a {'/'.join(kinds)} is needed")
        return
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        check.fail(f"{path}.{field}", f"must be {expected.__name__} or a blank reference, not {value!r}")
    if expected is int and value < 0:
        check.fail(f"{path}.{field}", "must not be negative")


def check_spec(spec: dict, blanks: list[dict], where: str = "obligation") -> dict:
    """One obligation spec checked as a template's would be (the clause editor's gate)."""
    return _check_spec(_Checker(where), spec, {b["name"]: b for b in blanks}, where)


def _check_spec(check: _Checker, spec: dict, blanks: dict, path: str) -> dict:
    for field in ("key", "title", "kind"):
        check.typed(spec, field, str, path)
    unknown = set(spec) - set(SPEC_FIELDS)
    if unknown:
        check.fail(f"{path}.{sorted(unknown)[0]}", "is not an obligation field")
    if len(spec["key"]) > 32:
        check.fail(f"{path}.key", "is longer than 32 characters")
    _check_placeholders(check, spec["title"], blanks, f"{path}.title")
    for field, value in spec.items():
        expected, kinds = SPEC_FIELDS[field]
        if kinds:
            _check_ref_or(check, spec, field, blanks, path, expected, kinds)
        elif not isinstance(value, expected):
            check.fail(f"{path}.{field}", f"must be {expected.__name__}, not {type(value).__name__}")
    conflict = due_rule_conflict(spec)
    if conflict:
        check.fail(f"{path}.{conflict[1]}", f"cannot be used with {conflict[0]}: due times are placed one way")
    if spec.get("due_days_after_period") == 0:
        check.fail(f"{path}.due_days_after_period", "must be at least 1 day")
    kind = spec["kind"]
    if kind not in SPEC_KINDS:
        check.fail(f"{path}.kind", f"{kind!r} is not one of {', '.join(SPEC_KINDS)}")
    if spec.get("responsible_role", "staff") not in ROLES:
        check.fail(f"{path}.responsible_role", f"{spec['responsible_role']!r} is not one of {', '.join(ROLES)}")
    for i, t in enumerate(spec.get("times_of_day", [])):
        if not isinstance(t, str) or not TIME.match(t):
            check.fail(f"{path}.times_of_day[{i}]", f"{t!r} is not a time like 09:00")
    times = spec.get("times_of_day", [])
    count = spec.get("count", SPEC_DEFAULTS["count"])
    if times and isinstance(count, int) and len(times) != count:
        check.fail(f"{path}.times_of_day", f"{len(times)} times of day for a count of {count}: one time per instance")
    if times and isinstance(spec.get("period"), str) and not REF.match(spec["period"]) and spec["period"] != "daily":
        check.fail(f"{path}.times_of_day", "times of day need a daily period")
    if kind == "calendar":
        if "period" not in spec:
            check.fail(f"{path}.period", "a calendar obligation needs a period")
        if isinstance(spec["period"], str) and not REF.match(spec["period"]) and spec["period"] not in PERIOD_LABELS:
            check.fail(f"{path}.period", f"{spec['period']!r} is not a period ({', '.join(PERIOD_LABELS)})")
    if kind == "event":
        if spec.get("trigger") not in TRIGGERS:
            check.fail(f"{path}.trigger", f"an event obligation needs a trigger ({', '.join(TRIGGERS)})")
        if not spec.get("deadlines"):
            check.fail(f"{path}.deadlines", "an event obligation needs at least one deadline")
        for i, step in enumerate(spec["deadlines"]):
            _check_step(check, step, blanks, f"{path}.deadlines[{i}]", tiers=True)
    if kind == "one_time" and "one_time_days" not in spec:
        check.fail(f"{path}.one_time_days", "a one-time obligation needs its days after signing")
    return dict(spec)


def _check_step(check, step, blanks, path, tiers):
    if not isinstance(step, dict):
        check.fail(path, "must be a table {step, amount, unit}")
    allowed = {"step", "amount", "unit", "tiers"} if tiers else {"amount", "unit"}
    if set(step) - allowed:
        check.fail(f"{path}.{sorted(set(step) - allowed)[0]}", "is not a deadline field")
    if tiers:
        check.typed(step, "step", str, path)
    _check_ref_or(check, step, "amount", blanks, path, int, ("int",))
    if step.get("unit") not in {u.value for u in DeadlineUnit}:
        check.fail(f"{path}.unit", f"{step.get('unit')!r} is not one of {', '.join(u.value for u in DeadlineUnit)}")
    for name, tier in (step.get("tiers") or {}).items():
        if name not in TIERS:
            check.fail(f"{path}.tiers.{name}", f"is not a severity ({', '.join(TIERS)})")
        _check_step(check, tier, blanks, f"{path}.tiers.{name}", tiers=False)


# The registry ----------------------------------------------------------------------

_registry: dict[str, LetterTemplate] | None = None


def template_files() -> list[Path]:
    dirs = [LIBRARY, *map(Path, getattr(settings, "PLEDGE_TEMPLATE_DIRS", []))]
    return sorted(f for d in dirs for f in Path(d).glob("*.toml"))


def registry() -> dict[str, LetterTemplate]:
    """Every template file, loaded once per process; a broken file raises TemplateError."""
    global _registry
    if _registry is None:
        loaded: dict[str, LetterTemplate] = {}
        for file in template_files():
            tpl = load_template(file)
            if tpl.key in loaded:
                raise TemplateError(file, "key", f"{tpl.key!r} is also the key of {loaded[tpl.key].file}")
            loaded[tpl.key] = tpl
        _registry = loaded
    return _registry


def get(key: str) -> LetterTemplate | None:
    return registry().get(key)


def reset_registry() -> None:
    """Forget the loaded templates (tests, and a change of PLEDGE_TEMPLATE_DIRS)."""
    global _registry
    _registry = None

