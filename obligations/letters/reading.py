"""Getting a letter's text out of an upload (.txt or .docx) or a paste, within the limits
that keep a web worker's memory bounded. No Django here.

Every refusal is a LetterReadError: its `message` is the Chinese text, shown as is by the
command; a page shows `template % params` through gettext (English in django.po).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

# The largest letter read: a long letter is a few thousand characters. Parsing this much
# stays far below the 300 MB a web worker may use (bench/parse.py prints the peak).
MAX_CHARS = 200_000
MAX_CLAUSES = 500
# A .txt is refused unread past this: no encoding packs MAX_CHARS characters in more than 4 bytes each.
MAX_TEXT_FILE_BYTES = 4 * MAX_CHARS
# A .docx is zipped; pictures (a seal, a scan) make it larger than its text.
MAX_FILE_BYTES = 20 * 1024 * 1024
# What a .docx may unzip to, all parts together (see _docx_text). Only the document part is
# decompressed, and read as a stream: pictures never are.
MAX_DOCX_UNZIPPED = 32 * 1024 * 1024
MAX_DOCX_PARTS = 1000
SUPPORTED = (".txt", ".docx")


def _(message: str) -> str:
    """Marks a message for translation; the page translates it (django.po), the command prints it."""
    return message


TOO_LONG = _("文本超过 %(max)s 字的上限:请只提交承诺书正文,删去其他内容后再试。")
PASTE_TOO_LONG = _("粘贴的文本有 %(chars)s 字,超过 %(max)s 字的上限。文本仍在框中:请删去承诺书以外的内容,"
                   "或改为上传 .txt 或 .docx 文件。")
TOO_MANY_CLAUSES = _("识别出 %(clauses)s 条条款,超过 %(max)s 条的上限:请只提交一份承诺书的正文。")
TEXT_FILE_TOO_LARGE = _("文件有 %(size)s,超过 %(max)s 字的上限(文本文件最多 %(bytes)s):请只提交承诺书正文。")
FILE_TOO_LARGE = _("文件有 %(size)s,超过 %(max)s 的上限。")
DOCX_TOO_LARGE = _("Word 文件解压后超过 %(max)s(可能是压缩炸弹,或含有过多图片),未读取:"
                   "请删去图片后另存,或将正文另存为 .txt 上传。")
DOCX_BROKEN_XML = _("Word 文件已损坏(其中的 XML 无法解析),未读取:请在 Word 中打开并另存为 .docx 或 .txt 后再上传。")
DOCX_UNREADABLE = _("无法打开该 Word 文件,请确认是有效的 .docx 文件(不支持旧版 .doc)。")
DOCX_NO_TEXT = _("Word 文件中没有可读取的文字(可能只含图片或扫描件),请上传文字版。")
EMPTY_TEXT = _("没有读到任何文字,内容为空。")
EMPTY_FILE = _("文件为空,没有可读取的内容。")
BINARY = _("文件不是文本文件(含有二进制内容),无法读取。")
UNKNOWN_ENCODING = _("无法识别文件编码(支持 UTF-8 和 GB18030/GBK),或文件不是文本文件。")
UNSUPPORTED = _("不支持的文件类型 %(suffix)s,请上传 .txt 或 .docx 文件。")
NO_SUFFIX = _("不支持的文件类型(文件名没有扩展名),请上传 .txt 或 .docx 文件。")


class LetterReadError(ValueError):
    def __init__(self, template: str, **params):
        self.template, self.params = template, params
        self.message = template % params if params else template
        super().__init__(self.message)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_clauses(count: int) -> None:
    """Refuses a parsed letter with more clauses than a review page can show."""
    if count > MAX_CLAUSES:
        raise LetterReadError(TOO_MANY_CLAUSES, clauses=f"{count:,}", max=f"{MAX_CLAUSES:,}")


def _checked(text: str, too_long: str = TOO_LONG) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CHARS:
        raise LetterReadError(too_long, chars=f"{len(text):,}", max=f"{MAX_CHARS:,}")
    if not text.strip():
        raise LetterReadError(EMPTY_TEXT)
    return text


def _looks_binary(text: str) -> bool:
    # Decoders accept some binary; real text has almost no control characters.
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(2, len(text[:4096]) // 100)


def _decode_text(data: bytes) -> str:
    if b"\x00" in data:
        raise LetterReadError(BINARY)
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")  # GB18030 also covers GBK and GB2312 files
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise LetterReadError(UNKNOWN_ENCODING)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _main_part(archive: zipfile.ZipFile) -> str:
    """The document part the package's relationships name (word/document.xml as Word writes it)."""
    from lxml import etree

    rels = etree.fromstring(archive.read("_rels/.rels"), etree.XMLParser(resolve_entities=False, no_network=True))
    for rel in rels:
        if rel.get("Type") == OFFICE_DOCUMENT:
            return rel.get("Target", "").lstrip("/")
    raise LetterReadError(DOCX_UNREADABLE)


def _paragraph_text(paragraph) -> str:
    """A paragraph's words as python-docx reads them: text, tabs and line breaks."""
    parts = []
    for el in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if el.tag == f"{W}t":
            parts.append(el.text or "")
        elif el.tag == f"{W}tab":
            parts.append("\t")
        elif el.tag == f"{W}noBreakHyphen":
            parts.append("-")
        elif el.get(f"{W}type", "textWrapping") == "textWrapping":
            parts.append("\n")
    return "".join(parts)


def _docx_lines(stream):
    """Paragraphs (table cells' included) in document order, read as a stream: each is
    dropped once read, so memory stays small whatever the document's size."""
    from lxml import etree

    for _event, el in etree.iterparse(stream, events=("end",), tag=(f"{W}p", f"{W}tbl"),
                                      resolve_entities=False, no_network=True, load_dtd=False):
        if el.tag == f"{W}p":
            yield _paragraph_text(el)
        el.clear()  # a paragraph nested in a text box is read once, not again with its parent
        while el.getprevious() is not None:
            del el.getparent()[0]


def _docx_text(data: bytes) -> str:
    """The text of a .docx, refused unread when it would unzip past the cap (a zip bomb).
    The sizes the archive declares are checked before anything is decompressed; declared
    sizes can lie, but zipfile never yields more than a part declares (it stops there and
    fails its CRC check), so what is decompressed stays under the cap too."""
    from lxml.etree import XMLSyntaxError

    lines: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_DOCX_PARTS or sum(p.file_size for p in parts) > MAX_DOCX_UNZIPPED:
                raise LetterReadError(DOCX_TOO_LARGE, max=_megabytes(MAX_DOCX_UNZIPPED))
            chars = 0
            with archive.open(_main_part(archive)) as part:
                for line in _docx_lines(part):
                    chars += len(line) + 1
                    if chars > MAX_CHARS + 1:  # the words alone pass the limit: no need to read on
                        raise LetterReadError(TOO_LONG, max=f"{MAX_CHARS:,}")
                    lines.append(line)
    except XMLSyntaxError:
        raise LetterReadError(DOCX_BROKEN_XML) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, KeyError):
        raise LetterReadError(DOCX_UNREADABLE) from None
    text = "\n".join(lines)
    if not text.strip():
        raise LetterReadError(DOCX_NO_TEXT)
    return text


def check_file_size(size: int, filename: str) -> None:
    """Refuses a file too large to read, from its size alone (before it is read into memory)."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".txt" and size > MAX_TEXT_FILE_BYTES:
        raise LetterReadError(TEXT_FILE_TOO_LARGE, size=_megabytes(size), max=f"{MAX_CHARS:,}",
                              bytes=_megabytes(MAX_TEXT_FILE_BYTES))
    if size > MAX_FILE_BYTES:
        raise LetterReadError(FILE_TOO_LARGE, size=_megabytes(size), max=_megabytes(MAX_FILE_BYTES))


def read_letter(data: bytes, filename: str) -> str:
    """The text of an uploaded letter, or LetterReadError saying why not."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUPPORTED:
        raise LetterReadError(UNSUPPORTED, suffix=suffix) if suffix else LetterReadError(NO_SUFFIX)
    if not data:
        raise LetterReadError(EMPTY_FILE)
    check_file_size(len(data), filename)
    text = _docx_text(data) if suffix == ".docx" else _decode_text(data)
    return _checked(text)


def read_pasted(text: str) -> str:
    """Pasted text, with the same size and emptiness checks as an upload."""
    return _checked(text or "", PASTE_TOO_LONG)
