"""A letter's signature block: its blanks named by their labels (法定代表人, 日期), a
年月日 read as one date, and the date it states when filled in, which is the letter's
signing date. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .clause_reading import Blank, cn_to_int, find_blanks, fold

# 2026年11月2日, ____年__月__日, 二〇二六年十一月二日, and "    年  月  日" with spaces for blanks.
_DATE_PART = r"\d{1,4}|[〇零一二三四五六七八九十]{1,4}|[_ \t]*"
_DATE = re.compile(rf"(?P<y>{_DATE_PART})年[ \t]*(?P<m>{_DATE_PART})月[ \t]*(?P<d>{_DATE_PART})日")


@dataclass
class StatedDate:
    """A date the signature states, filled in: the letter's signing date."""

    value: str  # ISO
    start: int
    end: int


def _line_label(folded: str, pos: int) -> str:
    """The label a signature blank follows on its line: 法定代表人 in 法定代表人(签字):____."""
    before = folded[folded.rfind("\n", 0, pos) + 1:pos]
    label = before.rpartition(":")[0] if ":" in before else before
    label = re.sub(r"\([^)]*\)", "", label)
    return re.split(r"[\s:_]+", label.strip())[-1] if label.strip() else ""


def _date_value(m: re.Match) -> str | None:
    """The ISO date of a filled 年月日, None when any part is blank or no date."""

    def number(raw: str) -> int | None:
        raw = raw.strip()
        if raw.isdigit():
            return int(raw)
        if len(raw) == 4:  # 二〇二六: digit by digit
            digits = [cn_to_int(ch) for ch in raw]
            return int("".join(map(str, digits))) if None not in digits else None
        return cn_to_int(raw) if raw else None

    parts = [number(m[k]) for k in "ymd"]
    if None in parts:
        return None
    try:
        return date(*parts).isoformat()
    except ValueError:
        return None


def signature_blanks(signature: str) -> tuple[list[Blank], StatedDate | None]:
    """The signature's blanks named by their labels (法定代表人, 日期), a 年月日 being one
    date blank; and the date it states when filled in (the letter's signing date)."""
    folded = fold(signature)
    blanks, stated = [], None
    dates = [m for m in _DATE.finditer(folded) if m.group(0).strip()]
    for m in dates:
        value = _date_value(m)
        label = _line_label(folded, m.start())
        if value:
            stated = stated or StatedDate(value, m.start(), m.end())
        else:
            name = label if re.search("日期|时间", label) else "日期"
            blanks.append(Blank(name, True, "date", m.start(), m.end()))
    # 法定代表人: with nothing after it: the place to sign is a blank too
    ends = [Blank("", True, "text", m.end(), m.end()) for m in re.finditer(r":[ \t]*$", folded, re.MULTILINE)]
    for blank in find_blanks(folded, signature) + ends:
        if any(m.start() <= blank.start < m.end() for m in dates):
            continue
        label = _line_label(folded, blank.start)
        blank.name = blank.name or label or "签名"
        blank.type = "date" if re.search("日期|时间", blank.name) else "text"
        blanks.append(blank)
    return sorted(blanks, key=lambda b: b.start), stated
