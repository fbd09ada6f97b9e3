"""The letter in force: which signed version held at an instant, and what it promised.

A version is in force from its signing until the next version's signing; the first
version also answers for the time before it (its obligations may start at a stated
signing date in the past). A report of a period reads each clause, obligation title and
promised number from the version in force when the task fell due or the case came in, so
a later amendment never rewrites a past period.

An obligation keeps its identity (platform, key) across versions, while its row holds
only the newest version's clause and title: the versions' own clauses and specs tell
what each promised.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, IntegerField, Value, When

from ..models import Clause, Letter
from . import template as tpl


@dataclass(frozen=True)
class Term:
    """What one version says of one obligation (by key)."""

    clause: str
    ordinal: int
    title: str
    trigger: str = ""
    deadlines: tuple = ()

    def step(self, sequence: int) -> str:
        """The deadline step (respond, decide, …) of a case clock's sequence, 1-based."""
        return self.deadlines[sequence - 1].get("step", "") if 0 < sequence <= len(self.deadlines) else ""


@dataclass
class Version:
    number: int
    title: str
    signed_at: datetime
    values: dict
    terms: dict[str, Term] = field(default_factory=dict)


class LetterInForce:
    """The versions in force over an interval, oldest first (empty without a signed letter)."""

    def __init__(self, versions: list[Version]):
        self.versions = versions
        self._by_number = {v.number: v for v in versions}

    def __bool__(self):
        return bool(self.versions)

    def at(self, instant: datetime, *, due: bool = False) -> Version | None:
        """The version in force at `instant`; the first one before any signing. A due time
        belongs to the instant before it (`due`): a task due at the moment of signing fell
        due under the version signed before, as a period holds the due times (start, end]."""
        found = self.versions[0] if self.versions else None
        for version in self.versions[1:]:
            if version.signed_at < instant or (version.signed_at == instant and not due):
                found = version
        return found

    def number_at(self, field_name: str, *, due: bool = False):
        """SQL: the number of the version in force at the instant in `field_name`, a due
        time (`due`) read as `at` reads it."""
        if len(self.versions) < 2:
            return Value(self.versions[0].number if self.versions else 0, output_field=IntegerField())
        lookup = f"{field_name}__{'lte' if due else 'lt'}"
        return Case(*[When(**{lookup: nxt.signed_at}, then=Value(v.number))
                      for v, nxt in zip(self.versions, self.versions[1:], strict=False)],
                    default=Value(self.versions[-1].number), output_field=IntegerField())

    def term(self, number: int, key: str) -> Term | None:
        """What version `number` says of obligation `key`; when that version dropped it (a task
        raised before and due after the amendment), what the latest earlier version said."""
        for version in reversed(self.versions):
            if version.number <= number and key in version.terms:
                return version.terms[key]
        return None

    def value(self, instant: datetime, name: str):
        """A filled blank (a promised number) of the version in force at `instant`."""
        version = self.at(instant)
        return version.values.get(name) if version else None

    def cited(self, tz) -> list[dict]:
        """The versions a report rests on, JSON-able: number, title and local signing date
        (the first applies from the period's start, each later one from its signing)."""
        return [{"version": v.number, "title": v.title, "signed_on": v.signed_at.astimezone(tz).date().isoformat()}
                for v in self.versions]


def letter_in_force(platform, *, since: datetime, until: datetime) -> LetterInForce:
    """The signed versions of the platform in force at some instant of [since, until), with
    what each promised. Two queries whatever the period."""
    signed = list(Letter.objects.filter(platform=platform, state__in=(Letter.State.SIGNED, Letter.State.SUPERSEDED))
                  .order_by("signed_at", "version").values("pk", "version", "title", "signed_at", "values", "blanks"))
    chosen = [row for i, row in enumerate(signed)
              if (i + 1 == len(signed) or signed[i + 1]["signed_at"] > since) and (i == 0 or row["signed_at"] < until)]
    versions = {row["pk"]: Version(row["version"], row["title"], row["signed_at"], row["values"]) for row in chosen}
    blanks = {row["pk"]: row["blanks"] for row in chosen}
    for clause in Clause.objects.filter(letter_id__in=versions, removed_reason="").order_by("ordinal"):
        version = versions[clause.letter_id]
        for spec in clause.specs:
            fields = tpl.resolve_spec(spec, version.values, blanks[clause.letter_id])
            version.terms[fields["key"]] = Term(clause.number, clause.ordinal, fields["title"],
                                                fields.get("trigger") or "", tuple(fields.get("deadlines") or ()))
    return LetterInForce(list(versions.values()))
