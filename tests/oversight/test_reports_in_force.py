"""A report of a past period rests on the letter version in force then: after an amendment
that drops a clause, renames an obligation and changes the promised minutes, Q3's regulator
report and review figures are what they were, breaches included."""

import io
from datetime import date, datetime

import pytest
from docx import Document

from obligations.demo import demo_values
from obligations.letters.drafting import clause_remove
from obligations.letters.services import letter_amend, letter_create, letter_fill, letter_sign
from obligations.models import Letter, Review
from obligations.oversight import regulator_documents
from obligations.oversight.regulator_report import regulator_report
from obligations.oversight.review_snapshot import review_snapshot
from obligations.schedule.periods import local_midnight
from tests.oversight.export_support import SH, complaint, tasks_with_states

SIGNED = datetime(2026, 7, 1, 9, tzinfo=SH)
AMENDED = datetime(2026, 10, 15, 9, tzinfo=SH)
Q3 = {"start": date(2026, 7, 1), "end": date(2026, 9, 30)}


@pytest.fixture
def letter(platform, officer, staff):
    v1 = letter_sign(letter=letter_create(platform=platform, values=demo_values(SIGNED.date()), now=SIGNED),
                     user=officer, now=SIGNED, first_period=Letter.FirstPeriod.CURRENT)
    tasks_with_states(platform, until=datetime(2026, 10, 10, tzinfo=SH))
    complaint(platform, staff, datetime(2026, 7, 20, 9, tzinfo=SH), respond_minutes=10)
    complaint(platform, staff, datetime(2026, 8, 5, 9, tzinfo=SH), respond_minutes=15)
    complaint(platform, staff, datetime(2026, 8, 25, 9, tzinfo=SH), respond_minutes=1840)  # August: 927.5 min
    return v1


def amend(v1, officer):
    """Version 2: clause 三.3 dropped, 20 service staff (a new obligation title), 60 minutes promised."""
    draft = letter_amend(letter=v1, user=officer, now=AMENDED)
    letter_fill(letter=draft, values={"response_minutes": 60, "service_staff": 20}, user=officer, now=AMENDED)
    clause_remove(clause=draft.clauses.get(number="三.3"), reason="并入三.2", user=officer, now=AMENDED)
    return letter_sign(letter=draft, user=officer, now=AMENDED)


def stable(report: dict) -> dict:
    """The report without the instant it was made at."""
    # When it was made, and the chain's head then (the amendment itself adds records).
    return {**report, "generated_at": None, "audit_head": None, "period": {**report["period"], "as_of": None}}


def test_q3_regulator_report_is_the_same_after_a_q4_amendment(platform, officer, letter):
    before = regulator_report(platform, **Q3, now=datetime(2026, 10, 12, 10, tzinfo=SH))
    amend(letter, officer)
    after = regulator_report(platform, **Q3, now=datetime(2026, 10, 20, 10, tzinfo=SH))
    assert stable(after) == stable(before)

    rows = {row["key"]: row for row in after["service"]["tasks"]}
    assert rows["三.3"]["clause"] == "三.3" and rows["三.3"]["due"] == 3  # a clause version 2 lacks
    assert rows["三.4"]["title"] == "客服配置确认(10名专职客服,7×24小时)"
    august = next(m for m in after["service"]["response_times"]["months"] if m["month"] == "2026-08")
    assert (august["average"], august["limit"], august["breached"]) == (927.5, 30, True)
    assert after["letter"]["version"] == 1 and [v["version"] for v in after["versions"]] == [1]
    assert not after["period"]["running"]

    def text(report):
        """The DOCX read back, but for the lines saying when it was made and the chain's head then."""
        doc = Document(io.BytesIO(regulator_documents.regulator_docx(report)))
        return ([p.text for p in doc.paragraphs if "Pledge" not in p.text and "审计链链头" not in p.text]
                + [c.text for t in doc.tables for r in t.rows for c in r.cells])

    assert text(after) == text(before)
    assert "第 1 版" in "".join(text(after)) and "承诺上限 30 分钟" in "".join(text(after))


def test_a_period_across_the_amendment_cites_both_versions_each_for_its_days(platform, officer, letter, staff):
    amend(letter, officer)
    complaint(platform, staff, datetime(2026, 11, 5, 9, tzinfo=SH), respond_minutes=45)
    report = regulator_report(platform, start=date(2026, 8, 1), end=date(2026, 11, 30),
                              now=datetime(2026, 12, 1, 10, tzinfo=SH))
    assert [(v["version"], v["signed_on"]) for v in report["versions"]] == [(1, "2026-07-01"), (2, "2026-10-15")]
    months = {m["month"]: m for m in report["service"]["response_times"]["months"]}
    # Each month is held to the promise it began under: October to 30, November to 60.
    assert (months["2026-10"]["limit"], months["2026-11"]["limit"]) == (30, 60)
    assert months["2026-11"]["average"] == 45 and not months["2026-11"]["breached"]
    titles = {row["title"] for row in report["service"]["tasks"] if row["key"] == "三.4"}
    assert titles == {"客服配置确认(10名专职客服,7×24小时)", "客服配置确认(20名专职客服,7×24小时)"}


def test_q3_review_snapshot_is_the_same_after_a_q4_amendment(platform, officer, letter):
    review = Review.objects.create(platform=platform, year=2026, quarter=3, opened_at=AMENDED,
                                   period_start=local_midnight(date(2026, 7, 1), SH),
                                   period_end=local_midnight(date(2026, 10, 1), SH))
    before = review_snapshot(review, now=datetime(2026, 10, 12, 10, tzinfo=SH))
    amend(letter, officer)
    after = review_snapshot(review, now=datetime(2026, 10, 20, 10, tzinfo=SH))
    assert stable(after) == stable(before)
    assert [m["limit"] for m in after["response_times"]] == [30, 30, 30]
    assert "三.3" in {row["clause"] for row in after["obligations"]}
