"""Uploads and pastes to text: encodings, Word files, and every refusal with its Chinese message."""

import struct
import zlib
from pathlib import Path

import docx
import pytest

from obligations.letters.parser import parse_letter
from obligations.letters.reading import MAX_CHARS, LetterReadError, read_letter, read_pasted

FIXTURES = Path(__file__).parent / "fixtures"
LETTER_1 = (FIXTURES / "letter1.txt").read_text(encoding="utf-8")


def has_chinese(message):
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


def refused(data, filename):
    with pytest.raises(LetterReadError) as caught:
        read_letter(data, filename)
    assert has_chinese(caught.value.message) and str(caught.value) == caught.value.message
    return caught.value.message


def tiny_png():
    """A 1×1 white PNG, made here so no binary is committed."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def save(document, path):
    document.save(path)
    return path.read_bytes()


def test_utf8():
    assert read_letter(LETTER_1.encode("utf-8"), "letter1.txt") == LETTER_1


def test_utf8_with_bom_and_crlf():
    data = b"\xef\xbb\xbf" + LETTER_1.replace("\n", "\r\n").encode("utf-8")
    assert read_letter(data, "LETTER1.TXT") == LETTER_1


def test_gb18030_fixture():
    data = (FIXTURES / "letter1.gb18030.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_letter(data, "letter1.gb18030.txt") == LETTER_1


def test_docx_paragraphs_and_table_cells_in_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("线上服务平台规范运营承诺书")
    document.add_paragraph("一、具体行动")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "1.平台每日开展2次安全检查。"
    table.cell(0, 1).text = "2.平台每月开展1次合规审计。"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "3.平台对投诉在24小时内响应。"
    document.add_paragraph("承诺人签名:__________")
    text = read_letter(save(document, tmp_path / "letter.docx"), "letter.docx")
    assert text.split("\n") == ["线上服务平台规范运营承诺书", "一、具体行动", "1.平台每日开展2次安全检查。",
                                "2.平台每月开展1次合规审计。", "3.平台对投诉在24小时内响应。", "承诺人签名:__________"]
    letter = parse_letter(text).to_json()
    assert [c["number"] for c in letter["clauses"]] == ["一.1", "一.2", "一.3"]
    assert letter["clauses"][2]["deadlines"] == [{"amount": 24, "unit": "hours"}]


def test_docx_of_seed_letter_parses_like_the_text(tmp_path):
    document = docx.Document()
    for line in LETTER_1.splitlines():
        document.add_paragraph(line)
    text = read_letter(save(document, tmp_path / "letter1.docx"), "letter1.docx")
    assert parse_letter(text).to_json() == parse_letter(LETTER_1).to_json()


def test_image_only_docx_is_refused(tmp_path):
    image = tmp_path / "scan.png"
    image.write_bytes(tiny_png())
    document = docx.Document()
    document.add_picture(str(image))
    assert "没有可读取的文字" in refused(save(document, tmp_path / "scan.docx"), "scan.docx")


def test_empty_docx_is_refused(tmp_path):
    assert "没有可读取的文字" in refused(save(docx.Document(), tmp_path / "empty.docx"), "empty.docx")


def test_broken_docx_is_refused():
    assert "Word" in refused(b"PK\x03\x04 not really a zip", "letter.docx")
    assert "Word" in refused("这其实是文本".encode(), "letter.docx")


def test_binary_with_nul_bytes_is_refused():
    assert "二进制" in refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "letter.txt")


def test_undecodable_bytes_are_refused():
    assert "编码" in refused(bytes(range(0x80, 0x100)) * 4, "letter.txt")


def test_control_characters_are_not_text():
    assert "编码" in refused(bytes(range(1, 32)) * 20, "letter.txt")


def test_empty_file_is_refused():
    assert "为空" in refused(b"", "letter.txt")


def test_whitespace_only_is_refused():
    assert "为空" in refused(" \r\n\t\u3000\n".encode(), "letter.txt")


def test_text_over_5mb_is_refused():
    assert "5 MB" in refused(("承" * (MAX_CHARS + 1)).encode("gb18030"), "big.txt")


def test_text_at_the_limit_is_read():
    assert len(read_letter(b"a" * MAX_CHARS, "limit.txt")) == MAX_CHARS


@pytest.mark.parametrize("filename", ["letter.pdf", "letter.doc", "letter", "letter.txt.exe"])
def test_unsupported_extension_is_refused(filename):
    assert "不支持的文件类型" in refused(LETTER_1.encode(), filename)


def test_pasted_text():
    assert read_pasted("\ufeff1.平台每日巡检一次。\r\n") == "1.平台每日巡检一次。\n"
    for bad in ("", "   \n", None):
        with pytest.raises(LetterReadError, match="为空"):
            read_pasted(bad)
    with pytest.raises(LetterReadError, match="5 MB"):
        read_pasted("承" * (MAX_CHARS + 1))
