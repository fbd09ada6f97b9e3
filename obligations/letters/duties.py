"""Cutting one clause into the duties it promises: one duty, one obligation.

Pure text work on a clause already cut out of its letter (parser.py): its sub-items
(①…, (1), 1., (a)…), a list after 其中, then its sentences, and the comma phrases of a
sentence that promise different things (a schedule, a clock, a standing duty, a measure).
Offsets are into the clause text. A clause that promises at most one thing stays whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from itertools import accumulate, takewhile

from .clause_reading import Blank, ClauseReading, fold, read_clause

# A sub-item marker opens the clause, a line, or follows a colon, semicolon or full stop.
_MARKER = re.compile(r"(?:^|(?<=[:;。]))[ \t]*(?:(?P<circled>[①-⑳])|\((?P<paren>\d{1,2}|[a-z]|[一二三四五六七八九十]{1,2})\)"
                     r"|(?P<dot>\d{1,2}|[a-z])(?:\.(?!\d)|、|\)))\s*", re.M)
_CN_ORDER = "一二三四五六七八九十"
_SENTENCE_END = re.compile(r"[。;!?\n]+")
_PHRASE_END = re.compile(r",+")
_ANY_END = re.compile(r"[,。;!?\n]+")
_SINCE = re.compile(r"\s*自[^,。;]*起[^,。;]*,*\s*$")  # a phrase that only says when: 自签订之日起30日内
_KEPT = re.compile(r"留存|保存|保留|存档")
_LIST_LEAD = re.compile(r"其中\s*[:,]?")
_TRIGGER = re.compile(r"投诉|举报|咨询|事件|故障|事故|漏洞|隐患|异常|违规|违法|攻击|泄露|申请|请求|问题|发现|收到")
_URGENT = re.compile(r"及时|立即|立刻|马上|第一时间|尽快|规定(?:时限|期限)")
_DO = re.compile(r"处置|处理|修复|整改|采取|上报|报告|删除|下架|响应|回复|核实|通知|封堵|阻断|恢复")
# Said with no schedule or clock, these still promise an act someone can be held to.
_ACT = re.compile(r"配合[^,。;]{0,8}(?:调查|检查|核查|执法)|报送|汇报|备案"
                  r"|对[^,。;]{1,14}(?:采取|予以|进行)[^,。;]{0,8}(?:措施|处置|处罚|限制|封禁)")


@dataclass
class Part:
    """One duty (or a run of sentences that promise nothing) of a clause."""

    suffix: str  # joined to the clause's number: 二.1 + ② → 二.1.②; "" for the whole clause
    start: int
    end: int
    lead: str = ""  # the words the item hangs from: 平台每月开展以下工作:
    promise: str = "none"


def _ordinal(style: str, raw: str) -> int:
    if style == "circled":
        return ord(raw) - ord("①") + 1
    if raw.isdigit():
        return int(raw)
    if raw in _CN_ORDER:
        return _CN_ORDER.index(raw) + 1
    return ord(raw) - ord("a") + 1 if len(raw) == 1 and raw.isalpha() else 0


def _marker(m: re.Match) -> tuple[str, str]:
    """(style, number as written) of a marker match."""
    if m["circled"]:
        return "circled", m["circled"]
    if m["paren"]:
        raw = m["paren"]
        return ("paren_digit" if raw.isdigit() else "paren_cn" if raw[0] in _CN_ORDER else "paren_alpha"), raw
    return ("dot_digit" if m["dot"].isdigit() else "dot_alpha"), m["dot"]


def _items(folded: str) -> list[tuple[str, int, int, int]]:
    """(number, marker start, words start, end) of the clause's sub-items: the markers of
    one style counting 1, 2, 3 … from the first; none if fewer than two."""
    by_style: dict[str, list[tuple[str, int, int]]] = {}
    for m in _MARKER.finditer(folded):
        style, raw = _marker(m)
        found = by_style.setdefault(style, [])
        if _ordinal(style, raw) == len(found) + 1:
            found.append((raw, m.start(), m.end()))
    runs = [run for run in by_style.values() if len(run) >= 2]
    if not runs:
        return []
    run = min(runs, key=lambda r: r[0][1])
    ends = [s for _, s, _ in run[1:]] + [len(folded)]
    return [(raw, at, words, stop) for (raw, at, words), stop in zip(run, ends, strict=True)]


class _Marked:
    """The stretches a clause's reading found, asked whether one overlaps a phrase: by
    bisection over their starts, not a scan per phrase (quadratic on a clause of many phrases)."""

    def __init__(self, marked: list[tuple[int, int]]):
        ordered = sorted(marked)
        self.starts = [s for s, _ in ordered]
        self.reach = list(accumulate((e for _, e in ordered), max))  # the farthest end so far

    def overlaps(self, a: int, b: int) -> bool:
        before = bisect_left(self.starts, b)  # the stretches starting before b
        return bool(before) and self.reach[before - 1] > a


def _pieces(pattern: re.Pattern, folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stretches of folded[start:end] cut after each match of pattern (the mark stays)."""
    out, i = [], start
    for m in pattern.finditer(folded, start, end):
        if folded[i:m.end()].strip():
            out.append((i, m.end()))
        i = m.end()
    if folded[i:end].strip():
        out.append((i, end))
    return out


def phrase_promise(text: str, r: ClauseReading | None = None) -> str:
    """What one comma phrase promises: measure, schedule, standing, clock, setup, act (配合调查,
    对…采取措施: a promise with no schedule of its own) or none."""
    r = r or read_clause(text)
    means = {s.means.split(":")[0] for s in r.spans}
    if means & {"measure", "ratio"}:
        return "measure"
    if r.frequency:
        return "schedule"
    if means & {"staffing", "continuous"}:
        return "standing"
    if r.kind == "calendar":
        return "schedule"
    if r.kind == "event" and (r.deadlines or (_URGENT.search(text) and _DO.search(text))):
        return "clock"
    if r.kind == "one_time":
        return "setup"
    if means == {"retention"}:  # 汇报材料保存5年: how long the duty before keeps its records
        return "none"
    return "act" if _ACT.search(text) else "none"


_QUALIFIERS = ("frequency", "count", "extension", "interval")
# Words a reading turns on beside what the clause's own reading marked (timing words, setting
# up, events): a phrase with neither reads as nothing and is not read again.
_WORDS = re.compile(r"定期|适时|及时|立即|立刻|马上|第一时间|尽快|规定|建立|制定|设立|设置|指定|成立|组建|配备|配置"
                    r"|安排|任命|编制|开通|部署|签订|签署|投诉|举报|事件|故障|漏洞|收到|接到|受理|申请|请求|咨询|异常"
                    r"|事故|突发|泄露|违规|违法|隐患|发现|按")


def _bare(text: str, r: ClauseReading) -> bool:
    """A phrase that only qualifies the one before (每季度不少于一次): nothing but what was read."""
    qualifiers = [s for s in r.spans if s.means.startswith(_QUALIFIERS)]
    if not qualifiers:
        return False
    rest = list(text)
    for s in qualifiers:
        rest[s.start:s.end] = " " * (s.end - s.start)
    return not any("\u4e00" <= ch <= "\u9fff" and ch not in "的为且并" for ch in rest)


def _joins(last: str, kind: str, phrase: str, since: bool) -> bool:
    """Whether a phrase promising `kind` belongs to the duty promising `last` (`since`: its
    words only say when, 自签订之日起30日内)."""
    return ((last == "setup" and kind in ("schedule", "clock"))  # the mechanism and what it does
            or (last == "setup" and kind == "act" and since)  # 自签订之日起30日内,完成备案
            or (last == kind and kind in ("standing", "setup"))
            or {last, kind} == {"schedule", "measure"}  # 每月抽检,比例不低于5%
            or (last == kind == "clock" and not _TRIGGER.search(phrase)))  # the clock's next step


def _groups(folded: str, start: int, end: int, marked: _Marked | None) -> list[list]:
    """The phrases of one sentence grouped into duties, each [start, end, promise]. A phrase
    that promises nothing joins the duty before it, unless it names what starts the clock
    after it (发现高危漏洞的,24小时内修复). `marked`: the stretches the clause's reading found."""
    groups: list[list] = []
    cause = None  # where the last phrase naming a trigger began
    triggered = False  # a phrase before names a trigger (no trigger word holds a comma)
    for a, b in _pieces(_PHRASE_END, folded, start, end):
        phrase = folded[a:b]
        if marked is None or _WORDS.search(phrase) or marked.overlaps(a, b):
            reading = read_clause(phrase)
            kind = "none" if groups and _bare(phrase, reading) else phrase_promise(phrase, reading)
        else:
            kind = "act" if _ACT.search(phrase) else "none"
        if kind == "none" and _URGENT.search(phrase) and _DO.search(phrase) and triggered:
            kind = "clock"  # 对于用户投诉,承诺在规定时限内予以处理
        last = groups[-1] if groups else None
        if last is None:
            groups.append([a, b, kind])
        elif kind == "none" or last[2] == "none":
            last[1], last[2] = b, last[2] if kind == "none" else kind
        elif _joins(last[2], kind, phrase, bool(_SINCE.match(folded, last[0], last[1]))):
            last[1], last[2] = b, kind
        elif kind == "clock" and cause is not None and cause > last[0]:
            last[1] = cause
            groups.append([cause, b, kind])
        else:
            groups.append([a, b, kind])
        cause = a if kind == "none" and _TRIGGER.search(phrase) else None
        triggered = triggered or bool(_TRIGGER.search(phrase))
    return groups


def _duties(folded: str, start: int, end: int, marked: _Marked | None = None) -> list[list]:
    """The duties of a stretch with no sub-items: sentence by sentence. A sentence that
    promises nothing stays apart (merged with its neighbours that promise nothing either);
    one that only says how long records are kept belongs to the duty before it."""
    out: list[list] = []
    lead = _LIST_LEAD.search(folded, start, end)
    cuts = _pieces(_SENTENCE_END, folded, start, end)
    if lead and ";" in folded[lead.end():end]:  # 其中:一般投诉…;重大投诉…: each its own duty
        cuts = [(start, lead.end())] + _pieces(_SENTENCE_END, folded, lead.end(), end)
    for a, b in cuts:
        for group in _groups(folded, a, b, marked):
            last = out[-1] if out else None
            kept_only = group[2] == "none" and _KEPT.search(folded, group[0], group[1])
            if last and ((group[2] == "none" and last[2] == "none") or (kept_only and last[2] != "none")):
                last[1] = group[1]
            else:
                out.append(group)
    return out


def _signalled(folded: str, start: int, marked: _Marked) -> int:
    """How many phrases hold something a reading could turn into a promise."""
    return sum(1 for a, b in _pieces(_ANY_END, folded, start, len(folded))
               if _WORDS.search(folded, a, b) or _ACT.search(folded, a, b) or marked.overlaps(a, b))


def split_duties(text: str, skip: int = 0, marked: list[tuple[int, int]] | None = None) -> list[Part]:
    """The clause's parts: one per sub-item, duty, or run of sentences promising nothing;
    the first `skip` characters (a heading line) belong to none of them. `marked`, the spans
    of the clause's own reading, spares reading again the phrases where nothing was found."""
    folded = fold(text)
    items = _items(folded)
    marked = None if marked is None else _Marked(marked)
    if not items and marked is not None and _signalled(folded, skip, marked) <= 1:
        return [Part("", 0, len(text))]  # nothing to cut: at most one phrase says anything
    if not items:
        found = _duties(folded, skip, len(folded), marked)
        if sum(1 for g in found if g[2] != "none") <= 1:
            return [Part("", 0, len(text), promise=next((g[2] for g in found if g[2] != "none"), "none"))]
        return [Part(str(i), a, b, promise=kind) for i, (a, b, kind) in enumerate(found, start=1)]
    lead = text[:items[0][1]].strip()
    parts = []
    for raw, _at, a, b in items:
        inner = _duties(folded, a, b, marked)
        if sum(1 for g in inner if g[2] != "none") <= 1:
            kind = next((g[2] for g in inner if g[2] != "none"), "none")
            parts.append(Part(raw, a, b, lead, kind))
        else:
            parts += [Part(f"{raw}.{i}", s, e, lead, kind) for i, (s, e, kind) in enumerate(inner, start=1)]
    return parts


def trimmed(text: str, part: Part) -> tuple[int, int]:
    """The part's words without the spaces and the list's ; around them."""
    start, end = part.start, part.end
    while start < end and text[start] in " \t\n":
        start += 1
    while end > start and text[end - 1] in " \t\n;；,，":
        end -= 1
    return start, end


def blanks_within(blanks: list[Blank], start: int, end: int) -> list[Blank]:
    """The blanks (in reading order, as find_blanks gives them) inside start:end, offsets from start."""
    first = bisect_left(blanks, start, key=lambda b: b.start)  # not a scan of all per duty
    return [replace(b, start=b.start - start, end=b.end - start)
            for b in takewhile(lambda b: b.end <= end, blanks[first:])]


def read_duty(text: str, blanks: list[Blank], lead: str = "") -> ClauseReading:
    """A duty read on its own words; an item takes its period, or its setting up, from the
    words it hangs from (每月开展以下工作:①… is monthly; 建立以下制度:①… is set up once)."""
    reading = read_clause(text, blanks)
    if lead and not reading.frequency and reading.kind in ("none", "one_time"):
        context = read_clause(lead)
        if context.frequency:
            reading.frequency, reading.kind = context.frequency, "calendar"
        elif context.kind == "one_time" and reading.kind == "none":  # 建立以下制度:①…
            reading.kind = "one_time"
    return reading


def promises(text: str) -> list[tuple[int, int]]:
    """The stretches of a text that promise something: what an obligation must cover, or
    the officer is told it is not covered (未覆盖)."""
    folded = fold(text)
    out = []
    for a, b, kind in _duties(folded, 0, len(folded)):
        start, end = trimmed(text, Part("", a, b))
        end -= text[end - 1:end] == "。"
        if kind != "none":
            out.append((start, end))
    return out
