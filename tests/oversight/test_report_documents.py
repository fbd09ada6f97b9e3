"""The quarterly report to management (PDF, XLSX) from a review snapshot, and the
regulator report (PDF, DOCX): what a reader of the file finds in it."""

import io
import re
import time
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from obligations.errors import DomainError
from obligations.oversight import report_documents
from obligations.oversight.regulator_report import regulator_report
from tests.conftest import make_user
from tests.oversight.export_support import SH, complaint, sign, tasks_with_states
from tests.oversight.review_sample import closed_review, sample_snapshot

HEADINGS = ["运营情况及风险排查结果", "异常说明", "整改措施", "风险排查结果", "签署"]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(data: bytes) -> dict[str, dict]:
    """BaseFont name -> its font descriptor, over every page."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return fonts


@pytest.fixture(scope="module")
def snapshot():
    return sample_snapshot()


@pytest.fixture(scope="module")
def review_pdf(snapshot):
    return report_documents.review_pdf(snapshot)


def test_review_pdf_carries_headings_figures_and_seal(review_pdf, snapshot):
    assert review_pdf.startswith(b"%PDF-")
    text = pdf_text(review_pdf)
    for heading in HEADINGS:
        assert heading in text, heading
    assert "Alpha 平台" in text and "2026Q4" in text
    assert re.search(r"三\.2\s+安全检查\s+276\s+268\s+5\s+2\s+1\s+0\s+99\.3%", text)
    assert re.search(r"合计\s+295\s+283\s+7\s+3\s+1\s+1\s+99\.0%", text)  # the totals, with the rate
    assert re.search(r"投诉举报\s+41\s+39\s+38\s+2", text)
    assert re.search(r"2026-11\s+15\s+33\.2\s+75\.5\s+30\s+超标", text)  # the month over the promise
    flat_text = flat(text)
    assert flat("国庆假期值班人员临时调整") in flat_text and "TS-2026-000031" in flat_text
    assert "(未说明)" in flat_text  # the exception nobody explained yet
    assert flat("补做第四季度第二次员工培训") in flat_text and flat("节假日期间安全检查人手不足") in flat_text
    assert "拒绝签署" in text and flat("响应时长超标的原因分析不充分") in flat_text
    assert snapshot["seal"] in flat_text


def test_review_pdf_embeds_a_noto_cjk_font(review_pdf):
    fonts = pdf_fonts(review_pdf)
    cjk = {name: d for name, d in fonts.items() if re.search(r"Noto-?Sans-?CJK-?SC|Noto-?Serif-?CJK-?SC", name)}
    assert cjk, f"no Noto CJK font in {sorted(fonts)}"
    for name, descriptor in cjk.items():
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} is not embedded"
    assert all(name in cjk for name in fonts), "every font of the report is an embedded Noto CJK font"


def test_an_open_review_prints_that_it_has_no_seal_yet():
    snapshot = sample_snapshot()
    del snapshot["seal"]
    text = flat(pdf_text(report_documents.review_pdf(snapshot)))
    assert flat("本审查尚未签署关闭,数据仍可能变化,尚无封签。") in text
    assert not re.search(r"[0-9a-f]{64}", text)


def test_pdf_without_the_fonts_is_refused_with_what_to_install(settings, tmp_path, snapshot):
    settings.PLEDGE_PDF_FONT_DIR = tmp_path
    with pytest.raises(DomainError, match="fonts-noto-cjk"):
        report_documents.review_pdf(snapshot)


def test_review_xlsx_has_a_sheet_per_part_with_the_figures(snapshot):
    steps = []
    book = load_workbook(io.BytesIO(report_documents.review_xlsx(snapshot, progress=steps.append)))
    assert book.sheetnames == ["概况", "义务履行", "案件处理", "响应时长", "异常说明", "整改措施", "风险排查结果",
                               "佐证材料", "签署"]
    rows = list(book["义务履行"].iter_rows(values_only=True))
    assert rows[0][:3] == ("条款", "义务", "应办")
    assert ("三.2", "安全检查", 276, 268, 5, 2, 1, 0, "99.3%") in rows
    assert rows[-1][1:8] == ("合计", 295, 283, 7, 3, 1, 1)
    assert ("投诉举报", 41, 39, 38, 2) in list(book["案件处理"].iter_rows(values_only=True))
    assert ("2026-11", 15, 33.2, 75.5, 30, "超标") in list(book["响应时长"].iter_rows(values_only=True))
    kinds = [r[2] for r in book["异常说明"].iter_rows(min_row=2, values_only=True)]
    assert kinds == ["未完成", "未完成", "逾期完成", "超出时限", "已豁免"]
    assert len(list(book["佐证材料"].iter_rows(min_row=2))) == 2
    values = [v for row in book["签署"].iter_rows(values_only=True) for v in row]
    assert snapshot["seal"] in values and "拒绝签署" in values
    assert snapshot["seal"] in [v for row in book["概况"].iter_rows(values_only=True) for v in row]
    assert steps == sorted(steps) and steps[-1] == 90


@pytest.fixture
def report(platform, officer, staff):
    sign(platform, officer)
    tasks_with_states(platform, until=datetime(2027, 1, 5, tzinfo=SH))
    complaint(platform, staff, datetime(2026, 10, 12, 9, tzinfo=SH), respond_minutes=20, decide_days=2)
    complaint(platform, staff, datetime(2026, 11, 3, 9, tzinfo=SH), respond_minutes=50)
    review = closed_review(platform)
    make_user("carol", platform, "supervisor")
    return regulator_report(platform, start=date(2026, 10, 1), end=date(2026, 12, 31),
                            now=datetime(2027, 1, 5, 10, tzinfo=SH)), review


def test_regulator_pdf_has_the_three_parts_and_the_figures(report):
    data, review = report
    text = pdf_text(report_documents.regulator_pdf(data))
    flat_text = flat(text)
    for heading in ("运营报告", "一、服务数据", "二、安全状况", "三、合规自查结果", "报告期:2026-10-01至2026-12-31"):
        assert flat(heading) in flat_text, heading
    total = data["service"]["tasks_total"]
    assert re.search(rf"合计\s+{total['due']}\s+{total['done']}\s+{total['done_late']}\s+{total['missed']}", text)
    assert flat("受理投诉举报2件,按时响应2件") in flat_text
    assert flat("平均响应时长35.0分钟") in flat_text
    assert flat("2026Q4季度审查") in flat_text and review.seal in flat_text
    assert flat("节假日期间安全检查人手不足") in flat_text
    assert any("Noto" in name for name in pdf_fonts(report_documents.regulator_pdf(data)))


def test_regulator_docx_opens_and_holds_the_figures(report):
    data, review = report
    doc = Document(io.BytesIO(report_documents.regulator_docx(data)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "一、服务数据" in text and "二、安全状况" in text and "三、合规自查结果" in text
    assert "受理投诉举报 2 件,按时响应 2 件" in text and review.seal in text
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    total = data["service"]["tasks_total"]
    assert ["", "合计", str(total["due"]), str(total["done"]), str(total["done_late"]), str(total["missed"]),
            str(total["waived"]), str(total["open"]), f"{total['rate'] * 100:.1f}%"] in cells
    check = next(t for t in data["security"]["tasks"] if t["key"] == "三.2")
    assert any(row[:3] == ["三.2", "安全检查", str(check["due"])] for row in cells)
    assert ["补做第四季度第二次员工培训", "alice", "2027-01-15", "待办"] in cells
    # Chinese office fonts for the text the officers edit.
    assert doc.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_regulator_docx_says_when_no_review_closed(report):
    data, _review = report
    data = {**data, "self_check": {"reviews": []}}
    text = "\n".join(p.text for p in Document(io.BytesIO(report_documents.regulator_docx(data))).paragraphs)
    assert "报告期内没有已签署关闭的季度审查。" in text
    assert "报告期内没有已签署关闭的季度审查" in flat(pdf_text(report_documents.regulator_pdf(data)))


def test_time_to_render_the_sample_pdf(snapshot, capsys):
    report_documents.review_pdf(snapshot)  # warm: fonts loaded once per process
    started = time.perf_counter()
    report_documents.review_pdf(snapshot)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nreview PDF of the sample rendered in {elapsed:.2f} s")
    assert elapsed < 20


def test_text_people_wrote_is_printed_as_text_not_markup():
    snapshot = sample_snapshot(findings=[{"text": '<img src="file:///etc/passwd">越权<b>粗体</b>', "severity": "low",
                                          "author": "carol", "at": "2027-01-06T10:00:00+08:00"}])
    text = flat(pdf_text(report_documents.review_pdf(snapshot)))
    assert flat('<img src="file:///etc/passwd">越权<b>粗体</b>') in text
