"""应完成 of a period comes from the schedule of the obligations in force, not from the rows
the sweep has raised so far (14 days ahead); a running period says so, on the page and in
the reports."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from obligations.models import Occurrence
from obligations.oversight import dashboard, regulator_documents, report_documents
from obligations.oversight.regulator_report import regulator_report
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT
from tests.oversight.export_support import SH, flat, pdf_text
from tests.oversight.review_sample import SNAPSHOT, sample_snapshot
from tests.oversight.test_dashboard import page_at

NOW = datetime(2026, 12, 7, 10, tzinfo=SH)


def checks_due(first: date, last: date) -> int:
    """三.2, three checks a day (due 08:00, 16:00, 24:00), counted by hand from the signing on."""
    return sum(1 for d in range((last - first).days + 1) for hours in (8, 16, 24)
               if datetime.combine(first + timedelta(days=d), time(0), tzinfo=SH) + timedelta(hours=hours) > SIGNED_AT)


@pytest.fixture
def raised(signed_letter):
    obligations_materialize(now=NOW)
    return signed_letter.platform


def test_the_dashboard_counts_this_months_checks_by_the_schedule(raised):
    rows, month, quarter = dashboard.clause_figures(raised, now=NOW, tz=SH)
    checks = next(r for r in rows if r.number == "三.2")
    so_far = Occurrence.objects.filter(obligation__key="三.2", due_at__gt=month.start, due_at__lte=month.end).count()
    assert checks.month.due == checks_due(date(2026, 12, 1), date(2026, 12, 31)) == 93
    assert 0 < so_far < 93 and checks.month.pending == 93 - so_far
    assert checks.quarter.due == checks_due(date(2026, 11, 2), date(2026, 12, 31))
    states = sum(getattr(checks.month, s) for s in ("done", "done_late", "missed", "open", "waived"))
    assert states + checks.month.pending == checks.month.due


def test_the_dashboard_shows_the_running_periods_and_what_is_not_raised(client, raised, officer):
    html = page_at(client, officer, raised.slug, NOW)
    assert html.count("截至 2026-12-07 10:00(北京时间),期间未结束") == 2  # this month, this quarter
    row = html[html.index('data-clause="三.2"'):]
    row = row[:row.index("</tr>")]
    assert 'data-figure="m-due" data-expected="93"' in row and 'data-figure="m-pending"' in row
    assert "尚未生成" in html


def test_the_regulator_report_of_a_running_quarter_says_it_is_not_over(raised):
    report = regulator_report(raised, start=date(2026, 10, 1), end=date(2026, 12, 31), now=NOW)
    assert report["period"]["running"] is True
    checks = next(t for t in report["service"]["tasks"] if t["key"] == "三.2")
    assert checks["due"] == checks_due(date(2026, 11, 2), date(2026, 12, 31)) and checks["pending"] > 0
    total = report["service"]["tasks_total"]
    assert total["due"] == sum(total[s] for s in ("done", "done_late", "missed", "waived", "open", "pending"))
    pdf = flat(pdf_text(regulator_documents.regulator_pdf(report)))
    assert flat("截至 2026-12-07 10:00(北京时间),期间未结束") in pdf and "尚未生成" in pdf
    assert flat("依据承诺书第 1 版(2026-11-02 签署)") in pdf
    docx = "\n".join(p.text for p in Document(io.BytesIO(regulator_documents.regulator_docx(report))).paragraphs)
    assert "期间未结束" in docx and f"尚未生成的任务 {total['pending']} 项" in docx
    ended = regulator_report(raised, start=date(2026, 10, 1), end=date(2026, 10, 31), now=NOW)
    assert ended["period"]["running"] is False and ended["service"]["tasks_total"]["pending"] == 0
    assert "期间未结束" not in flat(pdf_text(regulator_documents.regulator_pdf(ended)))


def test_the_review_report_of_a_running_quarter_says_it_is_not_over_and_what_it_rests_on():
    rows = [{**row, "pending": 4, "due": row["due"] + 4} for row in SNAPSHOT["obligations"]]
    snapshot = sample_snapshot(
        period={**SNAPSHOT["period"], "running": True, "as_of": "2026-12-07T10:00:00+08:00"}, obligations=rows,
        versions=[{"version": 1, "title": "承诺书", "signed_on": "2026-07-01"},
                  {"version": 2, "title": "承诺书", "signed_on": "2026-10-15"}])
    text = flat(pdf_text(report_documents.review_pdf(snapshot)))
    assert flat("截至 2026-12-07 10:00(北京时间),期间未结束") in text
    assert flat("依据承诺书第 1 版(2026-07-01 签署)、第 2 版(2026-10-15 起)") in text and "尚未生成" in text
    book = load_workbook(io.BytesIO(report_documents.review_xlsx(snapshot)))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if len(row) > 1}
    assert summary["期间状态"] == "截至 2026-12-07 10:00(北京时间),期间未结束"
    header, *body = list(book["义务履行"].iter_rows(values_only=True))
    assert "尚未生成" in header and body[-1][header.index("尚未生成")] == 4 * len(rows)
    ended = sample_snapshot()
    assert "期间未结束" not in flat(pdf_text(report_documents.review_pdf(ended)))
    assert "尚未生成" not in next(load_workbook(io.BytesIO(report_documents.review_xlsx(ended)))["义务履行"].iter_rows(
        values_only=True))
