"""Splitting a Chinese commitment letter into title, preamble, sections, clauses and signature.

Pure: text in, dataclasses out (`parse_letter(text).to_json()`); no Django, no clock.
Each clause is read by `clause_reading.read_clause`; the JSON contract is in to_json below.
A document (`read_document`) may hold several letters and lines that are no letter's
(letters/furniture.py): those are kept, marked, for the officer to see greyed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import duties, furniture
from .clause_reading import Blank, ClauseReading, cn_to_int, find_blanks, fold, name_from_context, read_clause
from .signature import StatedDate, signature_blanks

_CN = "一二三四五六七八九十"
_SENTENCE_MARKS = re.compile(r"[,。;:!?]")  # on folded text: ，；：are ASCII by then
_PART = re.compile(r"\s*第\s*[(]?\s*([0-9一二三四五六七八九十]+)\s*[)]?\s*篇\s*$")
_SECTION = re.compile(rf"^(?:第(?P<chapter>[{_CN}百零〇\d]+)(?:章|部分)|(?P<cn>[{_CN}]+)\s*[、.])\s*(?P<title>.*)$")
# Clause numbering styles, each with how to read its number. 1. and 1、 are one style:
# letters mix them at one level; (1) and 1) are usually different levels, so stay apart.
_CLAUSE_STYLES = (
    ("paren_cn", re.compile(rf"^\((?P<n>[{_CN}]+)\)\s*[、.]?\s*")),
    ("paren_digit", re.compile(r"^\((?P<n>\d{1,3})\)\s*[、.]?\s*")),
    ("digit_paren", re.compile(r"^(?P<n>\d{1,3})\)\s*")),
    ("digit_dot", re.compile(r"^(?P<n>\d{1,3})\s*(?:\.(?!\d)|、)\s*")),
    ("circled", re.compile(r"^(?P<n>[①-⑳])\s*[、.]?\s*")),
    ("article", re.compile(rf"^第(?P<n>[{_CN}百零〇\d]+)条\s*")),
    ("cn_comma", re.compile(rf"^(?P<n>[{_CN}]+)\s*[、.]\s*")),  # 一、 on a sentence, not a heading
)
_SIGNATURE = re.compile(
    r"^(?:承诺(?:人|方|单位)?[^:]{0,6}(?:签名|签字|签章|盖章|\(盖章\)|\(签字\))"
    r"|承诺(?:人|方|单位)\s*(?:\([^)]*\))?\s*:|特此(?:承诺|声明)|此致"
    r"|(?:签名|签字|签章|盖章|法定代表人|负责人签|联系人|联系电话)"
    r"|(?:签订|签署|承诺)?日期\s*:"
    r"|\(?(?:盖章|公章|签章)\)?\s*$"
    r"|(?:\d{4}|_+|[〇零一二三四五六七八九]{4})?\s*年\s*[\d_〇一二三四五六七八九十]*\s*月\s*[\d_〇一二三四五六七八九十]*\s*日\s*$)")
_LETTER_TITLE = re.compile(r"承诺书|承诺函")
# Words that promise: a paragraph of an unnumbered letter holding one is a clause.
_PROMISE = re.compile(r"承诺(?!书|函|如下)|保证|确保|将|应|须|不得|严禁|禁止|每[日天周月季年半旬]|建立|健全|制定|落实"
                      r"|开展|执行|遵守|配合|接受|履行|负责|定期|及时|报送|留存|保存|设立|配备|依法|严格|坚持|维护"
                      r"|保障|保护|承担|提供|公示|告知")
# A title names what it is: 数据安全承诺书, 关于依法经营的承诺, 安全责任书 (第(2)篇 after it).
_TITLE_END = re.compile(r"(?:承诺书|承诺函|承诺|声明|责任书|保证书)\s*(?:第.{1,6}篇)?$")


@dataclass
class Section:
    numeral: str
    title: str

    def to_json(self) -> dict:
        return {"numeral": self.numeral, "title": self.title}


@dataclass
class Clause:
    number: str
    section: str | None
    section_title: str | None
    text: str
    heading: str | None = None  # 服务内容规范 in "1.服务内容规范" over a paragraph
    reading: ClauseReading = field(default_factory=ClauseReading)
    # A duty cut out of a clause (letters/duties.py): the words it hangs from, and the
    # whole clause, which the accepted letter keeps as written.
    lead: str = ""
    parent: Clause | None = None

    def to_json(self) -> dict:
        return {"number": self.number, "section": self.section, "section_title": self.section_title,
                "heading": self.heading, "text": self.text, **self.reading.to_json()}


@dataclass
class Letter:
    title: str | None = None
    part: str | None = None  # 第(1)篇 of a collection
    preamble: str = ""
    signature: str = ""
    sections: list[Section] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    preamble_blanks: list[Blank] = field(default_factory=list)
    signature_blanks: list[Blank] = field(default_factory=list)
    signing_date: StatedDate | None = None

    def to_json(self) -> dict:
        return {
            "title": self.title, "part": self.part, "preamble": self.preamble, "signature": self.signature,
            "signing_date": self.signing_date.value if self.signing_date else None,
            "sections": [s.to_json() for s in self.sections],
            "preamble_blanks": [b.to_json() for b in self.preamble_blanks],
            "signature_blanks": [b.to_json() for b in self.signature_blanks],
            "clauses": [c.to_json() for c in self.clauses],
        }


def _number(style: str, raw: str) -> int | None:
    if style == "circled":  # checked first: "②".isdigit() is true
        return ord(raw) - ord("①") + 1
    if raw.isdigit():
        return int(raw)
    return cn_to_int(raw)


def _is_heading(line: str, limit: int = 20) -> bool:
    return len(line) <= limit and not _SENTENCE_MARKS.search(line)


def _is_title(folded: str) -> bool:
    """A letter's first line is its title when it is short and names a letter or promises
    nothing: 平台每日开展安全检查 on its own is a clause, not a title."""
    if not _is_heading(folded, 40) or _clause_start(folded) is not None or _SECTION.match(folded):
        return False
    return bool(_TITLE_END.search(folded)) or not _PROMISE.search(folded)


def _clause_start(folded: str) -> tuple[str, int, int] | None:
    """(style, number, length of the number prefix) if the line opens a numbered item."""
    for style, pattern in _CLAUSE_STYLES:
        m = pattern.match(folded)
        if m and (n := _number(style, m["n"])) is not None:
            return style, n, m.end()
    return None


class _Builder:
    """Walks the lines once; a clause style is fixed by the first numbered line of a
    section, and lines in another style (sub-items, 其中:(1)…) belong to the clause above."""

    def __init__(self):
        self.letter = Letter()
        self.preamble: list[str] = []
        self.signature: list[str] = []
        self.section: Section | None = None
        self.style: str | None = None
        self.lines: list[str] | None = None  # lines of the open clause
        self.pending: list[tuple[Clause, list[str]]] = []
        self.started = False
        self.in_section: dict[str | None, int] = {}  # clauses opened per section numeral

    def open_clause(self, n: int, first_line: str) -> None:
        sec = self.section
        number = f"{sec.numeral}.{n}" if sec else str(n)
        clause = Clause(number, sec.numeral if sec else None, sec.title if sec else None, "")
        self.lines = [first_line]
        self.pending.append((clause, self.lines))
        self.letter.clauses.append(clause)
        self.in_section[clause.section] = self.in_section.get(clause.section, 0) + 1

    def clauses_in_section(self) -> int:
        return self.in_section.get(self.section.numeral if self.section else None, 0)

    def add(self, line: str) -> None:
        folded = fold(line)
        if self.signature or (self.started and _SIGNATURE.match(folded)):
            self.signature.append(line)
            return
        if not self.started and self.letter.title is None and not self.preamble:
            if _is_title(folded):
                m = _PART.search(folded)  # folded: 第（1）篇 too; same offsets as line
                self.letter.title = line[:m.start()].strip() if m else line
                self.letter.part = line[m.start():].strip() if m else None
                return
        sec = _SECTION.match(folded)
        if sec and _is_heading(sec["title"]):
            numeral = sec["chapter"] or sec["cn"]
            self.section = Section(numeral, line[sec.start("title"):].strip())
            self.letter.sections.append(self.section)
            self.started, self.style, self.lines = True, None, None
            return
        start = _clause_start(folded)
        if start and (self.style in (None, start[0]) or self.lines is None):
            self.style = start[0]
            self.started = True
            self.open_clause(start[1], line[start[2]:].strip())
        elif self.lines is not None:
            self.lines.append(line)
        elif self.started:  # prose straight under a section heading: one clause per paragraph
            self.open_clause(self.clauses_in_section() + 1, line)
        else:
            self.preamble.append(line)

    def plain_clauses(self) -> None:
        """A letter with no numbering: after its opening (致…, 为…:, lines that promise
        nothing), each paragraph is a plain clause, read like a numbered one, up to the
        signature. Decided at the end: till then the lines may have been a preamble."""
        opening = 0
        while opening < len(self.preamble) and not _promises(self.preamble[opening]):
            opening += 1
        if opening == len(self.preamble):  # no word of promise: every sentence after the opening words
            opening = 0
            while opening < len(self.preamble) and _is_opening(self.preamble[opening]):
                opening += 1
        body = self.preamble[opening:]
        signed = next((i for i, line in enumerate(body) if _SIGNATURE.match(fold(line))), len(body))
        self.preamble, self.signature = self.preamble[:opening], body[signed:]
        for n, line in enumerate(body[:signed], start=1):
            self.open_clause(n, line)

    def finish(self) -> Letter:
        if not self.letter.clauses and not self.letter.sections:
            self.plain_clauses()
        letter = self.letter
        letter.preamble = "\n".join(self.preamble)
        letter.signature = "\n".join(self.signature)
        for clause, lines in self.pending:
            clause.text = "\n".join(lines)
            if len(lines) > 1 and _is_heading(fold(lines[0])):
                clause.heading = lines[0]
        return letter


def name_blanks(groups: list[tuple[str, list[Blank]]]) -> None:
    """Give every blank of the letter a unique name: its label, else words around it, else blank_N."""
    seen: dict[str, int] = {}
    ordinal = 0
    for text, blanks in groups:
        folded = fold(text)
        for blank in blanks:
            ordinal += 1
            name = blank.name or name_from_context(folded, blank) or f"blank_{ordinal}"
            seen[name] = seen.get(name, 0) + 1
            blank.name = name if seen[name] == 1 else f"{name}_{seen[name]}"


def _is_opening(line: str) -> bool:
    """致…, 尊敬的…, 为…作出如下承诺:, or a form field (承诺单位(盖章):____)."""
    folded = fold(line).strip()
    return folded.startswith(("致", "尊敬的")) or folded.endswith(":") or bool(re.match(r"^[^,。;:]{1,12}:", folded))


def _promises(line: str) -> bool:
    return not _is_opening(line) and bool(_PROMISE.search(fold(line)))


@dataclass
class DocumentLine:
    text: str
    letter: int | None  # the index of the letter it belongs to; None when left out
    left_out: str | None = None  # why: furniture.PAGE, SITE or COLLECTION


@dataclass
class Document:
    """A pasted or uploaded text: its letters, and every line with where it went."""

    lines: list[DocumentLine]
    letters: list[Letter]


def _raw_lines(text: str) -> list[str]:
    lines = (raw.strip().lstrip("\ufeff") for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def read_document(text: str) -> Document:
    """A document holding one letter or several (a collection such as the seed): a new letter
    starts at a title line (…承诺书/承诺函, a short line) once the one before has signed,
    or at a title marked 第(N)篇 even when the one before was cut short unsigned."""
    raw = _raw_lines(text)
    chunks: list[list[str]] = [[]]
    lines: list[DocumentLine] = []
    signed = False
    for line, kind in zip(raw, furniture.kinds(raw), strict=True):
        if kind is not None:
            lines.append(DocumentLine(line, None, kind))
            continue
        folded = fold(line)
        titled = _LETTER_TITLE.search(folded) and _is_heading(folded, 40) and not _SIGNATURE.match(folded)
        if titled and chunks[-1] and (signed or _PART.search(folded)):
            chunks.append([])
            signed = False
        signed = signed or bool(_SIGNATURE.match(folded))
        chunks[-1].append(line)
        lines.append(DocumentLine(line, len(chunks) - 1))
    return Document(lines, [_parse(chunk) for chunk in chunks if chunk])


def parse_letters(text: str) -> list[Letter]:
    return read_document(text).letters


def parse_letter(text: str) -> Letter:
    """The document's first letter (parse_letters gives them all)."""
    return next(iter(parse_letters(text)), None) or _parse([])


def _parse(lines: list[str]) -> Letter:
    builder = _Builder()
    for line in lines:
        builder.add(line)
    letter = builder.finish()

    letter.preamble_blanks = find_blanks(fold(letter.preamble), letter.preamble)
    letter.signature_blanks, letter.signing_date = signature_blanks(letter.signature)
    clause_blanks = [find_blanks(fold(c.text), c.text) for c in letter.clauses]
    name_blanks([(letter.preamble, letter.preamble_blanks)]
                + [(c.text, b) for c, b in zip(letter.clauses, clause_blanks, strict=True)]
                + [(letter.signature, letter.signature_blanks)])
    for clause, blanks in zip(letter.clauses, clause_blanks, strict=True):
        clause.reading = read_clause(clause.text, blanks)
    letter.clauses = [duty for c, b in zip(letter.clauses, clause_blanks, strict=True) for duty in _duties_of(c, b)]
    return letter


# --- hook: one duty, one entry (letters/duties.py cuts a clause into its duties) -----------

def _duties_of(clause: Clause, blanks: list[Blank]) -> list[Clause]:
    marked = [(s.start, s.end) for s in clause.reading.spans] + [(b.start, b.end) for b in blanks]
    parts = duties.split_duties(clause.text, len(clause.heading) + 1 if clause.heading else 0, marked)
    if len(parts) == 1:
        return [clause]
    out = []
    for part in parts:
        start, end = duties.trimmed(clause.text, part)
        text = clause.text[start:end]
        reading = duties.read_duty(text, duties.blanks_within(blanks, start, end), part.lead)
        out.append(Clause(f"{clause.number}.{part.suffix}", clause.section, clause.section_title, text,
                          clause.heading, reading, part.lead, clause))
    return out
