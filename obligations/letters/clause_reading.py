"""Reading one clause of a commitment letter: blanks, schedules, clocks and retention.

Pure text work. Matching runs on a normalised copy of the clause (full-width ASCII folded
to ASCII, blanks replaced by placeholder characters) that has exactly the same length as
the clause, so every offset found there is an offset into the clause text itself.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

# Full-width ASCII (０-９, （）, ％, ＿ …) and the ideographic space fold one character to one.
_FOLDABLE = re.compile("[\uff01-\uff5e\u3000]")

NUMBER_BLANK = "\ue000"  # stands in for a blank that may be a number
NAME_BLANK = "\ue001"  # a blank inside a law's title: never an amount

CN_NUMERAL = "零〇一二两三四五六七八九十百"
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_MID_NUMBER = rf"[{CN_NUMERAL}\d.第同]"  # what an amount does not start after
# A run of blanks or spaces is read from its start only, each start within it was quadratic (a
# blank's second place still, after a numeral: 一____月 was read so and still is).
AMOUNT = (rf"(?:\d+(?:\.\d+)?|[{CN_NUMERAL}]+"
          rf"|(?:(?<!{NUMBER_BLANK})|(?<={_MID_NUMBER}{NUMBER_BLANK})){NUMBER_BLANK}+)")
_SPACES = r"(?:(?<!\s)\s*|(?!\s))"  # after an optional word
_STOP = r",,。;;:!?\n"  # what ends a phrase (after folding, ，；：become ASCII)


def _fold_char(m: re.Match) -> str:
    ch = m.group(0)
    return " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0)


def fold(text: str) -> str:
    return _FOLDABLE.sub(_fold_char, text)  # faster than str.translate with a dict on CJK text


def cn_to_int(numeral: str) -> int | None:
    """一 → 1, 十一 → 11, 二十四 → 24, 一百二十 → 120, 两 → 2; None if it is not a number."""
    if not numeral:
        return None
    if all(ch in _CN_DIGIT for ch in numeral):
        if len(numeral) == 1:
            return _CN_DIGIT[numeral]
        # 二〇二六 is read digit by digit; 三四 (three or four) is no single number.
        if set(numeral) & {"〇", "零"} and "两" not in numeral:
            return int("".join(str(_CN_DIGIT[ch]) for ch in numeral))
        return None
    total, digit = 0, None
    for ch in numeral:
        if ch in _CN_DIGIT:
            if digit is not None and digit != 0:
                return None  # two digits in a row: 一两 is not a number
            digit = _CN_DIGIT[ch]
        elif ch in "十百":
            total += (1 if digit is None else digit) * (10 if ch == "十" else 100)
            digit = None
        else:
            return None
    return total + (digit or 0)


def amount_value(raw: str) -> int | float | str | None:
    """An amount as written: int, float (1.5), "blank", or None when it is no number."""
    if raw.startswith(NUMBER_BLANK):
        return "blank"
    if raw[0].isdigit():
        return float(raw) if "." in raw else int(raw)
    return cn_to_int(raw)


# --- blanks -------------------------------------------------------------------------------

_BLANK_RE = re.compile(r"_+|\([ \t]*\)|【[ \t]*】")
_LABEL_RE = re.compile(r"\s*\(([^()\s\d,。;:]{1,16})\)")
# Units after which a blank holds a number. 名 is not a unit in 名称/名义/名单/名录.
_UNIT_RE = re.compile(r"\s*(个工作日|工作日|个月|个小时|小时|分钟|次|名(?![称义单录])|年|月|周|日|天|%|倍)")
_UNIT_SUFFIX = {"次": "次数", "名": "人数", "%": "比例(%)", "倍": "倍数", "年": "年限", "个月": "(月)",
                "月": "(月)", "周": "(周)", "日": "(天)", "天": "(天)", "工作日": "(工作日)",
                "个工作日": "(工作日)", "小时": "(小时)", "个小时": "(小时)", "分钟": "(分钟)"}
_COUNTED_UNITS = {"次", "名", "%", "倍"}  # named after what follows: 次安全检查 → 安全检查次数
_LEAD_WORDS = re.compile(r"^(?:平台|承诺方|承诺人|我方|本单位|对|由|在|将|于|并|应|须|每日|每天|每周|每月|每季度|每年)+")
_TRAIL_WORDS = re.compile(r"(?:至少|不少于|不得少于|不超过|不得超过|最迟|最长|在|于|为|达到|开展|组织|设立|配备|共)+$")


@dataclass
class Blank:
    name: str  # "" until the letter names it (parser.name_blanks)
    is_parameter: bool
    type: str  # "int" | "text"
    start: int
    end: int

    def to_json(self) -> dict:
        return {"name": self.name, "is_parameter": self.is_parameter, "type": self.type}


@lru_cache(maxsize=8)
def _where(folded: str, chars: str) -> list[int]:
    """Where chars stand in folded: found once per text, then bisected per blank (not rescanned)."""
    return [m.start() for m in re.finditer(f"[{re.escape(chars)}]", folded)]


def _title_around(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the 《 and 》 of a law's title around a blank stand, if it is inside one."""
    opens, closes = _where(folded, "《"), _where(folded, "》")
    before, after = bisect_left(opens, start), bisect_left(closes, end)
    if not before or after == len(closes):
        return None
    opened, closed = opens[before - 1], closes[after]
    shut = bisect_left(closes, opened)  # the first 》 after the 《: none before the blank
    reopened = bisect_left(opens, end)  # the first 《 after the blank: none before the 》
    if (shut < len(closes) and closes[shut] < start) or (reopened < len(opens) and opens[reopened] < closed):
        return None
    return opened, closed


def _phrase_before(folded: str, start: int) -> str:
    stops = _where(folded, _STOP + "、()□" + NUMBER_BLANK + NAME_BLANK)
    before = bisect_left(stops, start)
    return folded[stops[before - 1] + 1 if before else 0:start]


def _phrase_after(folded: str, end: int, limit: int = 10) -> str:
    j = end
    while j < len(folded) and j - end < limit and folded[j] not in _STOP + "、()□" + NUMBER_BLANK + NAME_BLANK:
        j += 1
    return folded[end:j]


FIELD_WORDS = 30


def _context_name(folded: str, start: int, end: int, unit: str | None) -> str:
    """A name from the words around a blank; "" when they say nothing useful."""
    if unit is None:
        # A form field: 承诺人签名:____ or 承诺方类型:□企业□其他____
        lines = _where(folded, "\n")
        line_start = lines[bisect_left(lines, start) - 1] + 1 if lines and lines[0] < start else 0
        colon = folded.rfind(":", line_start, start)
        if colon == -1:  # most blanks: the line is not copied to learn it
            return ""
        # A field's label and the words after it are short: read at most FIELD_WORDS characters
        # of each, so a line of thousands of blanks after one colon is not copied per blank.
        label = folded[max(folded.rfind(":", line_start, colon) + 1, line_start, colon - FIELD_WORDS):colon].strip()
        if not label:
            return ""
        tail = folded[max(colon + 1, start - FIELD_WORDS):start].split("□")[-1].strip()
        return f"{label}({tail})" if tail else label
    after_unit = end + len(_UNIT_RE.match(folded, end).group(0))
    after = _phrase_after(folded, after_unit)
    within = unit not in _COUNTED_UNITS and after.startswith(("内", "以内"))

    def topic_before() -> str:  # only when needed: a blank's phrase may be a whole long line
        return _TRAIL_WORDS.sub("", _LEAD_WORDS.sub("", _phrase_before(folded, start)))

    if unit in _COUNTED_UNITS:
        topic = after or topic_before()
    else:  # 投诉举报在__小时内响应 → 投诉举报响应时限(小时)
        topic = topic_before() + after.removeprefix("以内").removeprefix("内")[:6]
    if not topic:
        return ""
    suffix = _UNIT_SUFFIX[unit]
    if within and suffix.startswith("("):
        suffix = "时限" + suffix
    return topic + suffix


def find_blanks(folded: str, original: str) -> list[Blank]:
    """Blanks in reading order; named only when a label follows (see parser.name_blanks)."""
    blanks = []
    for m in _BLANK_RE.finditer(folded):
        start, end = m.span()
        if m.group(0).startswith("_") and end - start < 2 and original[start] != "＿":
            continue  # one ASCII underscore is a snake_case name, not a blank
        if title := _title_around(folded, start, end):
            title_start, title_end = title
            name = f"《{folded[title_start + 1:start]}…{folded[end:title_end]}》"
            blanks.append(Blank(name, False, "text", start, end))
            continue
        label = _LABEL_RE.match(folded, end)
        unit = _UNIT_RE.match(folded, end)
        unit_word = unit.group(1) if unit and not label else None
        blank = Blank("", True, "int" if unit_word else "text", start, end)
        if label:  # ____(平台名称): the letter names the blank itself
            blank.name = label.group(1)
        blanks.append(blank)
    return blanks


def name_from_context(folded: str, blank: Blank) -> str:
    unit = _UNIT_RE.match(folded, blank.end) if blank.type == "int" else None
    return _context_name(folded, blank.start, blank.end, unit.group(1) if unit else None)


def mask_blanks(folded: str, blanks: list[Blank]) -> str:
    chars = list(folded)
    for b in blanks:
        chars[b.start:b.end] = (NUMBER_BLANK if b.is_parameter else NAME_BLANK) * (b.end - b.start)
    return "".join(chars)


# --- what a clause says -------------------------------------------------------------------

_DURATION_UNIT = {"分钟": "minutes", "小时": "hours", "个小时": "hours", "日": "days", "天": "days",
                  "自然日": "days", "个自然日": "days", "工作日": "working_days", "个工作日": "working_days",
                  "周": "weeks", "星期": "weeks", "个星期": "weeks"}
_DURATION = "个工作日|工作日|个自然日|自然日|分钟|个小时|小时|个星期|星期|周|天|日"
_NOT_MID_NUMBER = rf"(?<!{_MID_NUMBER})"  # an amount starts where a numeral run starts

_CONTINUOUS = re.compile(r"7\s*[x×X*]\s*24\s*(?:小时|h|H)?|全天候|24\s*小时(?:不间断|值班|值守|在线)|不间断|实时|值班|值守")
_RETENTION = re.compile(rf"(?:留存|保存|保留|存储|存档)(?P<gap>[^{_STOP}]{{0,20}}?)(?:至少|不少于|不得少于|不低于)?\s*"
                        rf"{_NOT_MID_NUMBER}(?P<amt>{AMOUNT}|半)\s*(?P<unit>个月|月|年|日|天)")
_ADVANCE = re.compile(rf"提前[^{_STOP}]{{0,12}}?(?:至少|不少于|不得少于)?\s*{_NOT_MID_NUMBER}(?P<amt>{AMOUNT})\s*"
                      rf"(?P<unit>{_DURATION}|个月)")
_STAFFING = re.compile(rf"(?:设立|设置|配备|配置|安排|任命)?(?:不少于|至少|不低于)?{_SPACES}{_NOT_MID_NUMBER}(?P<lo>{AMOUNT})"
                       rf"(?:\s*(?:到|至|-|~|—)\s*(?P<hi>{AMOUNT}))?\s*(?:名(?![称义单录])|人(?![民次员]))")
_RATIO = re.compile(rf"(?P<q>不低于|不少于|不超过|不高于|不得低于|达到|超过|低于|高于)?{_SPACES}"
                    rf"(?:(?P<amt>(?<!\d)\d+(?:\.\d+)?|(?<!{NUMBER_BLANK}){NUMBER_BLANK}+)\s*%|百分之(?P<cn>[{CN_NUMERAL}]+))")
# 平均响应时长不超过N分钟: a figure reported per period, never a per-case clock.
_AVERAGE = re.compile(rf"平均[^{_STOP}]{{0,12}}?(?:不超过|不高于|不得超过|低于|少于|不低于|不少于|控制在|为)\s*"
                      rf"{_NOT_MID_NUMBER}(?P<amt>{AMOUNT}|半)\s*(?P<unit>{_DURATION}|%)?\s*(?:以内|之内|内)?")
_START = re.compile(rf"自(?P<what>即日|[^{_STOP}]{{1,30}}?(?:之日|之时|当日|当天|次日))起"
                    rf"|(?P<what2>(?:收到|接到|受理|发现|发生|获知)[^{_STOP}]{{0,20}}?)(?:之后|后)")
_EXTENSION = re.compile(rf"(?:最多不超过|延长[^{_STOP}]{{0,6}}?)\s*{_NOT_MID_NUMBER}(?P<amt>{AMOUNT}|半)\s*"
                        rf"(?P<unit>{_DURATION})")
_DEADLINE = re.compile(rf"(?P<pre>最迟不超过|最长不超过|不得超过|不超过|不晚于)?{_SPACES}{_NOT_MID_NUMBER}(?P<amt>{AMOUNT}|半)\s*"
                       rf"(?P<unit>{_DURATION})\s*(?P<post>以内|之内|内)?")
_FREQUENCIES = (("daily", r"每日|每天"), ("weekly", r"每周|每个?星期"), ("ten_day", r"每旬"),
                ("half_yearly", r"每半年"), ("quarterly", r"每个?季度?|按季度?"),
                ("monthly", r"每个?月|按月"), ("yearly", r"每年度?|按年度?(?!龄)"))
_FREQUENCY = re.compile("|".join(f"(?P<{name}>{words})" for name, words in _FREQUENCIES))
_INTERVAL = re.compile(rf"每隔?\s*(?P<amt>{AMOUNT}|半)\s*(?P<unit>{_DURATION}|个月|月|年)")
_COUNT = re.compile(rf"(?:(?:不少于|至少|不低于|不得少于)\s*)?{_NOT_MID_NUMBER}(?P<amt>{AMOUNT})\s*次(?!性)")
# Timing words without a number: they say a duty has a schedule but not what it is.
_VAGUE = re.compile(r"不定期|(?<![约规指确预])定期(?![限间内满])|适时|及时|立即|立刻|马上|第一时间|尽快|规定(?:时限|期限)")
_EVENT = re.compile(r"投诉|举报|事件|故障|漏洞|收到|接到|受理|申请|请求|咨询|异常|事故|突发|泄露|违规|违法|隐患|发现")
_ESTABLISH = re.compile(r"建立|制定|设立|指定|成立|组建|配备|编制|开通|部署|签订")
_SIGNING = re.compile(r"签订|签署|签字|承诺书|即日|生效")

# Intervals that are exactly one of the named periods; 每十天 is not 每旬 (旬 follows the month).
_EXACT_PERIOD = {(1, "日"): "daily", (1, "天"): "daily", (1, "周"): "weekly", (1, "星期"): "weekly",
                 (7, "天"): "weekly", (7, "日"): "weekly", (1, "月"): "monthly", (1, "个月"): "monthly",
                 (3, "个月"): "quarterly", (6, "个月"): "half_yearly", ("半", "年"): "half_yearly",
                 (12, "个月"): "yearly", (1, "年"): "yearly", (2, "年"): "biennial"}


@dataclass
class Span:
    start: int
    end: int
    means: str

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "means": self.means}


@dataclass
class ClauseReading:
    kind: str = "none"
    frequency: str | None = None
    count: int | str | None = None
    deadlines: list[dict] = field(default_factory=list)  # {"amount", "unit"} in the order written
    retention: dict | None = None
    continuous: bool = False
    advance_notice_days: int | str | None = None
    needs_review: bool = False
    blanks: list[Blank] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

    def to_json(self) -> dict:
        spans = self.spans + [Span(b.start, b.end, f"blank:{b.name}") for b in self.blanks]
        return {
            "kind": self.kind, "frequency": self.frequency, "count": self.count,
            "deadlines": self.deadlines, "retention": self.retention, "continuous": self.continuous,
            "advance_notice_days": self.advance_notice_days, "needs_review": self.needs_review,
            "blanks": [b.to_json() for b in self.blanks],
            "spans": [s.to_json() for s in sorted(spans, key=lambda s: (s.start, s.end))],
        }


def duration(raw: str, unit_word: str) -> dict | None:
    """An amount and a unit as a deadline ({"amount", "unit"}), or None if not exact."""
    unit = _DURATION_UNIT[unit_word]
    if raw == "半":  # 半小时 = 30 minutes, 半天 = 12 hours
        return {"hours": {"amount": 30, "unit": "minutes"}, "days": {"amount": 12, "unit": "hours"}}.get(unit)
    value = amount_value(raw)
    if value is None or (value == "blank" and unit == "weeks"):
        return None
    if unit == "weeks":
        value, unit = value * 7, "days"
    if isinstance(value, float):  # 1.5小时 → 90 minutes; anything not whole after one step down is left
        value, unit = {"hours": (value * 60, "minutes"), "days": (value * 24, "hours")}.get(unit, (value, unit))
        if not value.is_integer():
            return None
        value = int(value)
    return {"amount": value, "unit": unit}


class _Scan:
    """Matches over the masked clause; a stretch claimed by one finding is not read again."""

    def __init__(self, text: str):
        self.text = text
        # Claimed stretches by start: never overlapping, so ends are sorted too (bisect, not a scan).
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.spans: list[Span] = []

    def matches(self, pattern: re.Pattern):
        for m in pattern.finditer(self.text):
            start, end = m.span()
            before = bisect_left(self.starts, end)  # the claimed stretches starting before this ends
            if start == end or (before and self.ends[before - 1] > start):
                continue
            yield m

    def take(self, m: re.Match, means: str) -> None:
        at = bisect_left(self.starts, m.start())
        self.starts.insert(at, m.start())
        self.ends.insert(at, m.end())
        self.spans.append(Span(m.start(), m.end(), means))


def _fmt(amount, unit: str) -> str:
    return f"{amount} {unit}"


def read_clause(text: str, blanks: list[Blank] | None = None) -> ClauseReading:
    """Everything a clause says about its schedule. `blanks` may be passed in already named."""
    folded = fold(text)
    if blanks is None:
        blanks = find_blanks(folded, text)
    scan = _Scan(mask_blanks(folded, blanks))
    r = ClauseReading(blanks=blanks)
    unsettled = False  # a timing the contract cannot hold: 提前3个工作日, 1.3小时内
    interval_unset = False  # 每十天, 每____个月: recurring, but on no named period

    for m in scan.matches(_CONTINUOUS):
        r.continuous = True
        scan.take(m, "continuous")
    for m in scan.matches(_RETENTION):
        amount = amount_value(m["amt"]) if m["amt"] != "半" else 6
        unit = {"年": "years", "个月": "months", "月": "months", "日": "days", "天": "days"}[m["unit"]]
        if m["amt"] == "半":
            unit = "months" if unit == "years" else None
        if amount is None or unit is None or m["gap"].endswith(("至", "到")) or isinstance(amount, float):
            continue  # 保存至2026年 is a date, not a period
        scan.take(m, "retention:" + _fmt(amount, unit))
        r.retention = r.retention or {"amount": amount, "unit": unit}
    for m in scan.matches(_ADVANCE):
        notice = duration(m["amt"], m["unit"]) if m["unit"] in _DURATION_UNIT else None
        scan.take(m, "advance_notice:" + (_fmt(notice["amount"], notice["unit"]) if notice else m["amt"] + m["unit"]))
        if notice and notice["unit"] == "days":
            r.advance_notice_days = notice["amount"]
        else:
            unsettled = True
    for m in scan.matches(_STAFFING):
        lo, hi = amount_value(m["lo"]), amount_value(m["hi"]) if m["hi"] else None
        if lo is not None:
            scan.take(m, f"staffing:{lo}" + (f"-{hi}" if hi is not None else ""))
    for m in scan.matches(_AVERAGE):
        scan.take(m, "measure:" + m.group(0))
    for m in scan.matches(_RATIO):
        value = amount_value(m["amt"]) if m["amt"] else cn_to_int(m["cn"])
        if value is not None:
            scan.take(m, f"ratio:{m['q'] or ''}{value}%")
    signing = False
    for m in scan.matches(_START):
        what = m["what"] or m["what2"]
        signing = signing or bool(_SIGNING.search(what))
        scan.take(m, "start:" + what)
    for m in scan.matches(_EXTENSION):
        ext = duration(m["amt"], m["unit"])
        scan.take(m, "extension:" + (_fmt(ext["amount"], ext["unit"]) if ext else m["amt"] + m["unit"]))
    for m in scan.matches(_DEADLINE):
        if not (m["pre"] or m["post"]):
            continue
        clock = duration(m["amt"], m["unit"])
        if clock is None:
            unsettled = True
            continue
        scan.take(m, "deadline:" + _fmt(clock["amount"], clock["unit"]))
        r.deadlines.append(clock)
    for m in scan.matches(_FREQUENCY):
        scan.take(m, "frequency:" + m.lastgroup)
        r.frequency = r.frequency or m.lastgroup
    for m in scan.matches(_INTERVAL):
        amount = "半" if m["amt"] == "半" else amount_value(m["amt"])
        period = _EXACT_PERIOD.get((amount, m["unit"]))
        scan.take(m, f"frequency:{period}" if period else f"interval:{m['amt']}{m['unit']}")
        if period:
            r.frequency = r.frequency or period
        else:
            interval_unset = True
    for m in scan.matches(_COUNT):
        value = amount_value(m["amt"])
        if value is not None and not isinstance(value, float):
            scan.take(m, f"count:{value}")
            r.count = value if r.count is None else r.count
    vague = []
    for m in scan.matches(_VAGUE):
        vague.append(m.group(0))
        scan.take(m, "review:" + m.group(0))

    r.spans = scan.spans
    urgent = [w for w in vague if w not in ("定期", "不定期", "适时")]  # 适时: a period left open
    # needs_review: the clause asks for timing that no number here settles. 定期 without a
    # frequency always does; 及时/立即/… only when no frequency, deadline or continuous
    # duty is found beside it (每日…及时发觉 stays a plain daily duty).
    # A measure is reported per period; staffing and 7×24 are attested per period.
    measure = any(s.means.startswith(("measure:", "ratio:")) for s in scan.spans)
    standing = not r.deadlines and any(s.means.startswith(("staffing:", "continuous")) for s in scan.spans)
    periodic_unset = (interval_unset or measure or standing or len(urgent) < len(vague)) and not r.frequency
    urgent_unset = bool(urgent) and not (r.frequency or r.deadlines or r.continuous)
    r.needs_review = periodic_unset or urgent_unset or unsettled
    if r.frequency or periodic_unset:
        r.kind = "calendar"
    elif r.deadlines and not signing:
        r.kind = "event"
    elif _EVENT.search(scan.text) and urgent:
        r.kind = "event"  # 发现漏洞及时修复: a clock whose length the letter leaves open
    elif r.deadlines or _ESTABLISH.search(scan.text):
        r.kind = "one_time"  # set up once, or due once after the letter is signed
    return r
