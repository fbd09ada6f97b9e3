"""Whether a clause's words and its obligations agree on their numbers. Changing 安全检查 from
3 to 4 a day while the text still says 每日开展3次安全检查 leaves a promise saying one thing
and a schedule doing another: the clause editor and the changes page say so.

The words are read as intake reads a letter (clause_reading); a number the words leave
open (a blank not yet filled, no number at all) is no disagreement."""

import re

from django.utils.translation import gettext as _

from ..models import Obligation
from ..wording import enumeration
from . import template as tpl
from .clause_reading import read_clause
from .intake import FREQUENCIES, UNITS
from .presentation import duration


def _written(text: str) -> dict[str, set]:
    """What the words state, by meaning: {"count": {3}, "period": {"daily"}, "deadline": {(24, "hours")}, …}."""
    found = {"count": set(), "period": set(), "deadline": set(), "retention": set()}
    for span in read_clause(text).spans:
        meaning, _sep, value = span.means.partition(":")
        amount, _sep, unit = value.partition(" ")
        if meaning == "count" and amount.isdigit():
            found["count"].add(int(amount))
        elif meaning == "frequency":
            found["period"].add(FREQUENCIES.get(value, value))
        elif meaning == "deadline" and amount.isdigit():
            found["deadline"].add((int(amount), UNITS.get(unit, unit)))
        elif meaning == "retention" and amount.isdigit() and unit == "years":
            found["retention"].add(int(amount))
    return found


# A number written with its unit anywhere in the words is stated, even where the reading
# did not take it as this meaning (恢复时限为24小时 has no 内).
UNIT_WORDS = {"count": "次", "minutes": "分钟", "hours": "小时|个小时", "days": "日|天|个自然日",
              "workdays": "个?工作日", "years": "年"}


def _stated(text: str, amount: int, unit: str) -> bool:
    return re.search(rf"(?<!\d){amount}\s*(?:{UNIT_WORDS[unit]})", text) is not None


def _words(values, phrase) -> str:
    return enumeration(sorted(phrase(v) for v in values))


def clause_disagreements(text: str, obligations: list[dict]) -> list[str]:
    """For a clause's text (with its addendum) and its obligations' resolved fields: each number
    of an obligation that the words state otherwise, in a sentence."""
    written, out = _written(text), []
    periods = dict(Obligation.Period.choices)
    for ob in obligations:
        title, kind = ob["title"], ob["kind"]
        count, period = ob.get("count"), ob.get("period")
        if (kind == "calendar" and isinstance(count, int) and written["count"] and count not in written["count"]
                and not _stated(text, count, "count")):
            out.append(_("“%(title)s”每周期%(value)s次,条款原文写的是%(written)s次。") % {
                "title": title, "value": count, "written": _words(written["count"], str)})
        if kind == "calendar" and period and written["period"] and period not in written["period"]:
            out.append(_("“%(title)s”的周期是%(value)s,条款原文写的是%(written)s。") % {
                "title": title, "value": periods.get(period, period),
                "written": _words(written["period"], lambda p: str(periods.get(p, p)))})
        days = {a for a, unit in written["deadline"] if unit == "days"}
        for name, value in (("due_days_after_period", ob.get("due_days_after_period")),
                            ("one_time_days", ob.get("one_time_days") if kind == "one_time" else None)):
            if isinstance(value, int) and days and value not in days and not _stated(text, value, "days"):
                out.append(_("“%(title)s”的%(field)s为%(value)s日,条款原文写的是%(written)s。") % {
                    "title": title, "field": Obligation._meta.get_field(name).verbose_name, "value": value,
                    "written": _words(days, lambda d: duration(d, "days"))})
        steps = [(s.get("amount"), s.get("unit")) for s in ob.get("deadlines") or [] if isinstance(s.get("amount"), int)]
        stray = [s for s in steps if s not in written["deadline"] and not _stated(text, *s)]
        if kind == "event" and written["deadline"] and stray:
            out.append(_("“%(title)s”的时限%(value)s,条款原文写的是%(written)s。") % {
                "title": title, "value": _words(stray, lambda s: duration(*s)),
                "written": _words(written["deadline"], lambda s: duration(*s))})
        years = ob.get("retention_years")
        if (isinstance(years, int) and written["retention"] and years not in written["retention"]
                and not _stated(text, years, "years")):
            out.append(_("“%(title)s”留存%(value)s年,条款原文写的是%(written)s年。") % {
                "title": title, "value": years, "written": _words(written["retention"], str)})
    return out


def clause_mismatches(clause, letter) -> list[str]:
    """A clause of a letter: its filled words against its obligations as signing would store them."""
    resolved = [tpl.resolve_spec(spec, letter.values, letter.blanks) for spec in clause.specs]
    return clause_disagreements(f"{clause.text}\n{clause.addendum}", resolved)
