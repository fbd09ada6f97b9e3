"""Getting a letter's text out of an upload (.txt or .docx) or a paste. No Django here.

Every refusal is a LetterReadError whose message is shown to the user as is, in Chinese.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

MAX_CHARS = 5 * 1024 * 1024  # 5 MB of text: far above any letter, low enough to parse at once
# A .docx is zipped and UTF-8 CJK takes 3 bytes a character, so the file may be larger than
# the text it holds; this only stops a huge file before it is decoded or unzipped.
MAX_FILE_BYTES = 4 * MAX_CHARS
SUPPORTED = (".txt", ".docx")


class LetterReadError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _checked(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CHARS:
        raise LetterReadError("文本超过 5 MB 上限,请只提交承诺书正文。")
    if not text.strip():
        raise LetterReadError("没有读到任何文字,内容为空。")
    return text


def _looks_binary(text: str) -> bool:
    # Decoders accept some binary; real text has almost no control characters.
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(2, len(text[:4096]) // 100)


def _decode_text(data: bytes) -> str:
    if b"\x00" in data:
        raise LetterReadError("文件不是文本文件(含有二进制内容),无法读取。")
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
    raise LetterReadError("无法识别文件编码(支持 UTF-8 和 GB18030/GBK),或文件不是文本文件。")


def _docx_text(data: bytes) -> str:
    import docx  # python-docx; imported here so plain-text reading does not need it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise LetterReadError("无法打开该 Word 文件,请确认是有效的 .docx 文件(不支持旧版 .doc)。") from None
    lines: list[str] = []
    _collect(document, lines)
    text = "\n".join(lines)
    if not text.strip():
        raise LetterReadError("Word 文件中没有可读取的文字(可能只含图片或扫描件),请上传文字版。")
    return text


def _collect(container, lines: list[str]) -> None:
    """Paragraphs and table cells in document order; a merged cell is read once."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        _collect(cell, lines)
        else:
            lines.append(block.text)


def read_letter(data: bytes, filename: str) -> str:
    """The text of an uploaded letter, or LetterReadError saying why not."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUPPORTED:
        shown = suffix or "(无扩展名)"
        raise LetterReadError(f"不支持的文件类型 {shown},请上传 .txt 或 .docx 文件。")
    if not data:
        raise LetterReadError("文件为空,没有可读取的内容。")
    if len(data) > MAX_FILE_BYTES:
        raise LetterReadError("文件过大,文本超过 5 MB 上限。")
    text = _docx_text(data) if suffix == ".docx" else _decode_text(data)
    return _checked(text)


def read_pasted(text: str) -> str:
    """Pasted text, with the same size and emptiness checks as an upload."""
    return _checked(text or "")
