"""What a new version changes against the signed letter it replaces, clause by clause, with
the obligations each change adds, removes or alters (their resolved fields compared), and
the obligations its signing ends. A letter imported or made from a template replaces the
one in force as an amendment does, so it is compared with it all the same."""

from dataclasses import dataclass, field

from ..models import Letter, Obligation
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


def baseline(letter: Letter) -> Letter | None:
    """The signed version `letter` replaces: the one it amends; else, for a draft, the one in
    force; for a signed version, the one signed before it."""
    if letter.amends_id:
        return letter.amends
    earlier = Letter.objects.filter(platform_id=letter.platform_id, version__lt=letter.version)
    if not letter.is_frozen:
        return earlier.filter(state=Letter.State.SIGNED).order_by("-version").first()
    return earlier.exclude(state=Letter.State.DRAFT).order_by("-version").first()


def obligations_ending(letter: Letter) -> list[Obligation]:
    """The obligations signing a draft ends (live ones no clause of it keeps), or those the
    signing of a signed version ended. A review's rectification action is never ended."""
    live = Obligation.objects.filter(platform_id=letter.platform_id, from_review=False).select_related("clause")
    if letter.is_frozen:
        return list(live.filter(ends_at=letter.signed_at).order_by("clause__ordinal", "key"))
    kept = {spec["key"] for clause in letter.clauses.filter(removed_reason="") for spec in clause.specs}
    return list(live.filter(ends_at__isnull=True).exclude(key__in=kept).order_by("clause__ordinal", "key"))
