"""Uploads and pastes to text: encodings, Word files, and every refusal with its Chinese message."""

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import docx
import pytest

from obligations.letters.parser import parse_letter
from obligations.letters.reading import (
    MAX_CHARS,
    MAX_CLAUSES,
    MAX_DOCX_UNZIPPED,
    LetterReadError,
    check_clauses,
    read_letter,
    read_pasted,
)
from tests.letters.docx_files import zip_bomb

FIXTURES = Path(__file__).parent / "fixtures"
LETTER_1 = (FIXTURES / "letter1.txt").read_text(encoding="utf-8")
LETTER_2 = (FIXTURES / "letter2.txt").read_text(encoding="utf-8")
ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP_MB = 300  # what parsing may take a web worker to, whatever it is given
# A child's own peak memory: VmHWM, the high-water mark of its resident memory, starts afresh at exec
# (ru_maxrss would keep the size of the process that forked it).
PEAK = """
def PEAK():
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
"""
# What a web worker does with an upload (views/intake.py), in a process of its own; prints its peak RSS.
WORKER = PEAK + """
import os, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
django.setup()
from obligations.letters.intake import propose
from obligations.letters.parser import parse_letter
from obligations.letters.reading import LetterReadError, check_clauses, check_file_size, read_letter
path = Path(sys.argv[1])
try:
    check_file_size(path.stat().st_size, path.name)
    letter = parse_letter(read_letter(path.read_bytes(), path.name))
    check_clauses(len(letter.clauses))
    propose(letter)
except LetterReadError:
    pass
print(PEAK())
"""


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


def largest_letter(clause="seed"):
    """MAX_CHARS characters: the seed's letters one after another, or one short clause a line."""
    unit = LETTER_1 + LETTER_2 if clause == "seed" else "1.平台每日巡检。\n"
    return (unit * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS]


def peak_rss_of_reading(path):
    done = subprocess.run([sys.executable, "-c", WORKER, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=True)
    return int(done.stdout.split()[-1])


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


def test_text_over_the_limit_is_refused():
    assert "200,000 字的上限" in refused(("承" * (MAX_CHARS + 1)).encode("gb18030"), "big.txt")


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
    with pytest.raises(LetterReadError, match="200,001 字,超过 200,000 字的上限。文本仍在框中") as caught:
        read_pasted("承" * (MAX_CHARS + 1))
    assert "上传" in caught.value.message


def test_tables_paragraph_breaks_and_text_boxes_read_like_word_shows_them(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("1.平台每日")
    paragraph.add_run().add_tab()
    paragraph.add_run("检查").add_break()
    paragraph.add_run("2次。")
    text = read_letter(save(document, tmp_path / "runs.docx"), "runs.docx")
    assert text == "1.平台每日\t检查\n2次。"


def test_a_docx_past_the_limit_stops_being_read(tmp_path):
    document = docx.Document()
    for _ in range(MAX_CHARS // 1000 + 1):
        document.add_paragraph("承" * 1000)
    assert "200,000 字的上限" in refused(save(document, tmp_path / "long.docx"), "long.docx")


def test_a_13_megabyte_txt_is_refused_from_its_size():
    data = ("平台每日开展安全检查。\n" * 600_000).encode()
    assert len(data) > 13_000_000
    message = refused(data, "huge.txt")
    assert "200,000 字的上限" in message and "MB" in message


def test_too_many_clauses_are_refused():
    check_clauses(MAX_CLAUSES)
    with pytest.raises(LetterReadError, match="501 条条款,超过 500 条的上限"):
        check_clauses(MAX_CLAUSES + 1)


def test_a_zip_bomb_is_refused_from_its_declared_size():
    assert "解压后超过" in refused(zip_bomb(MAX_DOCX_UNZIPPED + 1), "bomb.docx")


def test_a_zip_bomb_that_declares_a_small_size_is_stopped_at_that_size():
    # zipfile yields no more than a part declares, then fails its CRC: nothing big is decompressed.
    assert "无法打开该 Word 文件" in refused(zip_bomb(MAX_DOCX_UNZIPPED + 1, declared=2000), "liar.docx")


def test_a_docx_with_broken_xml_is_refused():
    assert "XML 无法解析" in refused(zip_bomb(0, body="<w:p><w:r><w:t>1.平台</w:r></w:p>".encode()), "broken.docx")


@pytest.mark.parametrize("name", ["bomb", "liar", "large-txt", "largest-txt", "largest-short-clauses",
                                  "largest-docx"])
def test_reading_and_parsing_stay_under_the_memory_cap(tmp_path, name):
    """Each input read and parsed in a child process, as a web worker would; its peak RSS is measured."""
    if name == "bomb":
        path, data = "bomb.docx", zip_bomb(200 * 1024 * 1024)
    elif name == "liar":
        path, data = "liar.docx", zip_bomb(200 * 1024 * 1024, declared=2000)
    elif name == "large-txt":
        path, data = "large.txt", ("平台每日开展安全检查。\n" * 600_000).encode()
    elif name == "largest-txt":
        path, data = "largest.txt", largest_letter().encode()
    elif name == "largest-short-clauses":
        path, data = "short.txt", largest_letter("short").encode()
    else:
        document = docx.Document()
        for line in largest_letter().splitlines():
            document.add_paragraph(line)
        path, data = "largest.docx", save(document, tmp_path / "largest.docx")
    (tmp_path / path).write_bytes(data)
    peak = peak_rss_of_reading(tmp_path / path)
    assert peak < MEMORY_CAP_MB * 1024 * 1024, f"{name}: {peak / 1024 / 1024:.0f} MB"
