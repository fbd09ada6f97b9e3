"""What an amendment changes against the signed version, clause by clause, with the
obligations each change adds, removes or alters (their resolved fields compared)."""

from dataclasses import dataclass, field

from ..models import Letter
from . import template as tpl
from .services import OBLIGATION_FIELDS

COMPARED = OBLIGATION_FIELDS  # every field signing stores


@dataclass
class ObligationChange:
    key: str
    status: str  # added | removed | changed
    title: str
    fields: dict = field(default_factory=dict)  # name -> (before, after)


@dataclass
class ClauseChange:
    number: str
    status: str  # added | removed | changed | same
    before: str = ""
    after: str = ""
    obligations: list[ObligationChange] = field(default_factory=list)

    @property
    def changed(self):
        return self.status != "same" or bool(self.obligations)


def _clauses(letter: Letter) -> dict[str, tuple[str, dict]]:
    """number -> (full text: title, text, addendum; {key: resolved spec}) of the letter's live clauses."""
    out = {}
    for c in letter.clauses.filter(removed_reason="").order_by("ordinal"):
        text = (f"【{c.title}】" if c.title else "") + c.text + (f"(补充约定:{c.addendum})" if c.addendum else "")
        out[c.number] = (text, {s["key"]: tpl.resolve_spec(s, letter.values, letter.blanks) for s in c.specs})
    return out


def letter_diff(before: Letter, after: Letter) -> list[ClauseChange]:
    old, new = _clauses(before), _clauses(after)
    changes = []
    for number in list(new) + [n for n in old if n not in new]:
        (text_a, specs_a), (text_b, specs_b) = old.get(number, ("", {})), new.get(number, ("", {}))
        status = ("added" if number not in old else "removed" if number not in new
                  else "changed" if text_a != text_b else "same")
        change = ClauseChange(number, status, text_a, text_b)
        for key in list(specs_b) + [k for k in specs_a if k not in specs_b]:
            a, b = specs_a.get(key), specs_b.get(key)
            if a is None or b is None:
                change.obligations.append(ObligationChange(key, "added" if a is None else "removed",
                                                           (b or a)["title"]))
                continue
            fields = {f: (a[f], b[f]) for f in COMPARED if a[f] != b[f]}
            if fields:
                change.obligations.append(ObligationChange(key, "changed", b["title"], fields))
        changes.append(change)
    return changes
