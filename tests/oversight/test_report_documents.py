"""The quarterly report to management (PDF, XLSX) from a review snapshot, and the
regulator report (PDF, DOCX): what a reader of the file finds in it."""

import io
import re

import pytest
from openpyxl import load_workbook

from obligations.errors import DomainError
from obligations.oversight import report_documents
from tests.oversight.export_support import flat, pdf_fonts, pdf_text
from tests.oversight.review_sample import sample_snapshot

HEADINGS = ["运营情况及风险排查结果", "异常说明", "整改措施", "风险排查结果", "签署"]


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
    assert book.sheetnames == ["概况", "义务履行", "案件处理", "案件清单", "响应时长", "异常说明", "整改措施",
                               "风险排查结果", "佐证材料", "签署"]
    rows = list(book["义务履行"].iter_rows(values_only=True))
    assert rows[0][:3] == ("条款", "义务", "应办")
    assert ("三.2", "安全检查", 276, 268, 5, 2, 1, 0, pytest.approx(273 / 275)) in rows
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


def test_text_people_wrote_is_printed_as_text_not_markup():
    snapshot = sample_snapshot(findings=[{"text": '<img src="file:///etc/passwd">越权<b>粗体</b>', "severity": "low",
                                          "author": "carol", "at": "2027-01-06T10:00:00+08:00"}])
    text = flat(pdf_text(report_documents.review_pdf(snapshot)))
    assert flat('<img src="file:///etc/passwd">越权<b>粗体</b>') in text


def test_review_xlsx_holds_real_dates_and_numbers(snapshot):
    from datetime import date, datetime

    book = load_workbook(io.BytesIO(report_documents.review_xlsx(snapshot)))
    rates = [row[-1] for row in book["义务履行"].iter_rows(min_row=2)]
    assert all(isinstance(c.value, int | float) and c.number_format == "0.0%" for c in rates if c.value is not None)
    assert rates[0].value == pytest.approx(273 / 275)
    months = {row[0].value: row for row in book["响应时长"].iter_rows(min_row=2)}
    assert months["2026-12"][2].value == 21.8 and months["2026-12"][2].number_format == "0.0"  # 21.75, rounded
    exceptions = list(book["异常说明"].iter_rows(min_row=2))
    assert exceptions[1][3].value == datetime(2027, 1, 1, 0, 0) and exceptions[1][3].number_format == "yyyy-mm-dd hh:mm"
    assert book["异常说明"]["D1"].value == "到期时间(北京时间)"
    evidence = list(book["佐证材料"].iter_rows(min_row=2))
    assert evidence[0][6].value == datetime(2026, 10, 30, 17, 5) and evidence[0][7].value == datetime(2029, 11, 1)
    assert evidence[0][7].number_format == "yyyy-mm-dd"
    summary = {row[0]: row[1:] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["期间"][:2] == (datetime(2026, 10, 1), datetime(2026, 12, 31))
    assert summary["生成时间(北京时间)"][0] == datetime(2027, 1, 8, 16, 20) and summary["时区"][0] == "北京时间"
    assert date(2027, 1, 15) == [r[2].value for r in book["整改措施"].iter_rows(min_row=2)][1].date()


def test_old_snapshots_in_utc_print_in_local_time_and_name_the_zone():
    snapshot = sample_snapshot(signatures=[{"user": "sue", "decision": "sign", "reason": "",
                                            "at": "2027-01-08T00:40:00+00:00"}])
    snapshot["generated_at"] = "2027-01-08T00:40:00+00:00"
    text = flat(pdf_text(report_documents.review_pdf(snapshot)))
    assert flat("数据冻结时间 2027-01-08 08:40(北京时间)") in text  # header and body agree
    assert "2027-01-0808:40" in text and "00:40" not in text
    assert flat("文中时间均为北京时间。") in text
