"""The operating report to the regulator (clause 四.4) as PDF and DOCX: its three parts and
the figures of `regulator_report()`, in Chinese office fonts."""

import io
import re
from datetime import date, datetime

import pytest
from docx import Document

from obligations.oversight import regulator_documents
from obligations.oversight.regulator_report import regulator_report
from tests.conftest import make_user
from tests.oversight.export_support import SH, complaint, flat, pdf_fonts, pdf_text, sign, tasks_with_states
from tests.oversight.review_sample import closed_review


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
    text = pdf_text(regulator_documents.regulator_pdf(data))
    flat_text = flat(text)
    for heading in ("运营报告", "一、服务数据", "二、安全状况", "三、合规自查结果", "报告期:2026-10-01至2026-12-31"):
        assert flat(heading) in flat_text, heading
    total = data["service"]["tasks_total"]
    assert re.search(rf"合计\s+{total['due']}\s+{total['done']}\s+{total['done_late']}\s+{total['missed']}", text)
    assert flat("受理投诉举报2件,按时响应2件") in flat_text
    assert flat("平均响应时长35.0分钟") in flat_text
    assert flat("2026Q4季度审查") in flat_text and flat(f"封签(SHA-256):{review.seal}") in flat_text  # sealed before the key
    assert flat("节假日期间安全检查人手不足") in flat_text
    assert any("Noto" in name for name in pdf_fonts(regulator_documents.regulator_pdf(data)))


def test_regulator_docx_opens_and_holds_the_figures(report):
    data, review = report
    doc = Document(io.BytesIO(regulator_documents.regulator_docx(data)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "一、服务数据" in text and "二、安全状况" in text and "三、合规自查结果" in text
    assert "受理投诉举报 2 件,按时响应 2 件" in text and f"封签(SHA-256):{review.seal}" in text
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
    text = "\n".join(p.text for p in Document(io.BytesIO(regulator_documents.regulator_docx(data))).paragraphs)
    assert "报告期内没有已签署关闭的季度审查。" in text
    assert "报告期内没有已签署关闭的季度审查" in flat(pdf_text(regulator_documents.regulator_pdf(data)))


def test_regulator_docx_is_a4_in_chinese_and_says_what_the_pdf_says(report, platform):
    from docx.oxml.ns import qn
    from docx.shared import Mm

    data, _review = report
    doc = Document(io.BytesIO(regulator_documents.regulator_docx(data)))
    section = doc.sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    for style in ("Normal", "Heading 1", "Table Grid"):
        lang = doc.styles[style].element.rPr.find(qn("w:lang"))
        assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN"), style
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    pdf = flat(pdf_text(regulator_documents.regulator_pdf(data)))
    # The promise broken on average (35 min against 30), and November's month, in both.
    assert "超过承诺上限。" in paragraphs and flat("超过承诺上限。") in pdf
    assert any(row[0] == "2026-11" and row[-1] == "超过承诺上限" for row in cells)
    assert any(row[0] == "2026-10" and row[-1] == "达标" for row in cells)
    assert re.search(r"2026-11.{0,40}超过承诺上限", pdf)
    # The cases of the period, one line each, in local time.
    numbers = [c["number"] for c in data["service"]["case_list"]]
    assert len(numbers) == 2
    first = next(row for row in cells if row[0] == numbers[0])
    assert first[1:5] == ["投诉举报", "2026-10-12 09:00", "2026-10-12 09:20", "2026-10-14 09:00"]
    assert flat(" ".join(first[:5])) in pdf
    second = next(row for row in cells if row[0] == numbers[1])
    assert second[2:5] == ["2026-11-03 09:00", "2026-11-03 09:50", "—"]
    # The legal representative signs and the company seals, with the date, on both.
    for line in ("法定代表人签字:", "单位盖章:", "日期:"):
        assert line in paragraphs and flat(line) in pdf, line
    assert paragraphs.index("法定代表人签字:") > paragraphs.index("报送单位:")
