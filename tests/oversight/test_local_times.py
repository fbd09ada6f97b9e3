"""One instant, one local time: a task due at 00:00 Beijing time, a complaint's clock and a
signature read the same on the dashboard, the review page, the review's PDF and XLSX, the
regulator's PDF and DOCX and the archive manifest, and each of them names the zone. The
UTC wall-clock of the same instants appears nowhere."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model
from docx import Document
from openpyxl import load_workbook

from obligations.models import Membership, Occurrence, Review
from obligations.oversight import archive, regulator_documents, report_documents
from obligations.oversight.regulator_report import regulator_report
from obligations.oversight.reviews import review_sign
from obligations.trust.membership import membership_describe
from obligations.work.evidence import completion_with_evidence
from tests.conftest import evidence_settings, rows_for_the_class
from tests.oversight.conftest import AFTER_Q4, explain_all, pdf, quarter_world
from tests.oversight.export_support import SH, flat, pdf_text

SIGNED_AT = AFTER_Q4 + timedelta(minutes=40)  # 10:40 in Shanghai, 02:40 UTC


def utc_text(instant) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def local_text(instant) -> str:
    return instant.astimezone(SH).strftime("%Y-%m-%d %H:%M")


def close_quarter(quarter, group, officer, staff):
    """Q4 closed: a task due at local midnight done late with a file, the complaint's
    clocks, the group signing at 10:40 Beijing time; sue named with her post."""
    platform = quarter.platform
    midnight = next(o for o in Occurrence.objects.filter(
        platform=platform, case__isnull=True, state="missed", due_at__gt=quarter.period_start,
        due_at__lte=quarter.period_end).exclude(pk=quarter.task_id).order_by("due_at")
        if o.due_at.astimezone(SH).time() == time(0))
    completion_with_evidence(occurrence=midnight, user=staff, note="补做", files=[pdf("补做记录.pdf")],
                             now=AFTER_Q4)
    sue = Membership.objects.get(platform=platform, user=group[0])
    membership_describe(membership=sue, full_name="苏珊", post="监督小组组长", actor=officer, now=AFTER_Q4)
    explain_all(quarter, officer)
    review_sign(review=quarter, user=group[0], password="pw-sue", now=SIGNED_AT)
    review = review_sign(review=quarter, user=group[1], password="pw-sam", now=SIGNED_AT)
    assert review.state == Review.State.CLOSED
    return review, midnight


@pytest.fixture(scope="class")
def closed_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The quarter closed once for the tests of a class that only read it."""
    folder = tmp_path_factory.mktemp("evidence")
    with rows_for_the_class(django_db_blocker, folder):
        world = quarter_world()
        review, midnight = close_quarter(world.quarter, world.group, world.officer, world.staff)
        yield SimpleNamespace(folder=folder, review=review.pk, midnight=midnight.pk, officer=world.officer.pk)


def expectations(midnight, case):
    """What each document must show (local) and must not (the same instants' UTC wall-clock)."""
    respond = case.clocks.get(sequence=1)
    shown = [local_text(midnight.due_at), local_text(case.received_at), local_text(respond.completed_at),
             local_text(SIGNED_AT)]
    # The UTC of the midnight task as the old pages printed it (its wall-clock, 16:00, is
    # also the due time of other checks), and of the signature.
    hidden = [midnight.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), utc_text(SIGNED_AT)]
    assert shown[0].endswith("00:00") and shown[3] == "2027-01-02 10:40" and hidden[1] == "2027-01-02 02:40"
    return shown, hidden


def assert_local(text, shown, hidden, where):
    for value in shown:
        assert flat(value) in flat(text), f"{where}: {value} missing"
    for value in hidden:
        assert flat(value) not in flat(text), f"{where}: UTC {value} shown"


class TestOneClosedReview:
    """These tests only read the closed review (an in-memory change at most): closed once for the class."""

    @pytest.fixture
    def closed(self, closed_once, db, _evidence_root, settings):
        for name, value in evidence_settings(settings, closed_once.folder).items():
            setattr(settings, name, value)
        review = Review.objects.get(pk=closed_once.review)
        return review, Occurrence.objects.get(pk=closed_once.midnight), review.platform.cases.get()

    @pytest.fixture
    def officer(self, closed_once, db):
        return get_user_model().objects.get(pk=closed_once.officer)

    def test_the_same_local_times_everywhere(self, closed, client, officer):
        review, midnight, case = closed
        shown, hidden = expectations(midnight, case)
        snapshot = {**review.snapshot, "seal": review.seal}
        # The snapshot itself stores local times with their offset.
        signature = next(s for s in snapshot["signatures"] if s["user"] == "sue")
        assert signature["at"] == "2027-01-02T10:40:00+08:00" and snapshot["timezone"] == "Asia/Shanghai"
        assert (signature["name"], signature["post"]) == ("苏珊", "监督小组组长")

        client.force_login(officer)
        page = client.get(f"/reviews/{review.pk}/").content.decode()
        assert_local(page, [shown[0], shown[1], shown[3]], hidden, "review page")
        assert "北京时间" in page and "苏珊(监督小组组长)" in page
        task_page = client.get(f"/occurrences/{midnight.pk}/").content.decode()
        assert_local(task_page, [shown[0]], hidden[:1], "task page")
        case_page = client.get(f"/cases/{case.pk}/").content.decode()
        assert_local(case_page, [shown[1], shown[2]], [], "case page")
        assert "北京时间" in task_page and "北京时间" in case_page

        review_pdf = pdf_text(report_documents.review_pdf(snapshot))
        assert_local(review_pdf, shown, hidden, "review PDF")
        assert flat("文中时间均为北京时间。") in flat(review_pdf) and "苏珊" in review_pdf and "监督小组组长" in review_pdf

        book = load_workbook(io.BytesIO(report_documents.review_xlsx(snapshot)))
        due_cells = [row[3] for row in book["异常说明"].iter_rows(min_row=2)]
        assert naive(midnight.due_at) in [c.value for c in due_cells]
        assert all(c.number_format == "yyyy-mm-dd hh:mm" for c in due_cells)
        assert book["异常说明"]["D1"].value == "到期时间(北京时间)"
        signed = [r for r in book["签署"].iter_rows(min_row=2, values_only=True) if r and r[0] == "sue"]
        assert signed[0][1:3] == ("苏珊", "监督小组组长") and signed[0][5] == naive(SIGNED_AT)
        cases = list(book["案件清单"].iter_rows(min_row=2, values_only=True))
        assert cases[0][0] == case.number and cases[0][2] == naive(case.received_at)

        report = regulator_report(review.platform, start=date(2026, 10, 1), end=date(2026, 12, 31), now=SIGNED_AT)
        regulator_pdf = pdf_text(regulator_documents.regulator_pdf(report))
        assert_local(regulator_pdf, shown, hidden, "regulator PDF")
        assert flat("文中时间均为北京时间。") in flat(regulator_pdf)
        docx = docx_text(regulator_documents.regulator_docx(report))
        assert_local(docx, shown, hidden, "regulator DOCX")
        assert "文中时间均为北京时间。" in docx and "苏珊(监督小组组长)" in docx

        out = io.BytesIO()
        archive.write_archive(out, archive.review_evidence(review.platform, snapshot), tz=SH, seal=review.seal)
        rows = list(csv.reader(io.StringIO(zipfile.ZipFile(out).read(archive.MANIFEST).decode("utf-8-sig"))))
        assert rows[0][3] == "到期时间(北京时间)" and rows[0][4] == "任务状态"
        line = next(r for r in rows[1:] if r[5].endswith("补做记录.pdf"))
        assert (line[3], line[4]) == (shown[0], "逾期完成")

    def test_a_review_sealed_with_utc_times_verifies_and_reads_in_local_time(self, closed):
        """Reviews closed before kept UTC strings: their seal still holds, nothing reads as changed,
        and the documents show their times in local time."""
        from obligations.oversight.seal import review_verify, seal_of

        review, midnight, _case = closed
        old = dict(review.snapshot)
        old.pop("timezone")
        for row in old["completions"]:
            row["completed_at"] = datetime.fromisoformat(row["completed_at"]).astimezone(UTC).isoformat()
        old["signatures"] = [{**s, "at": datetime.fromisoformat(s["at"]).astimezone(UTC).isoformat()} for s in old["signatures"]]
        old["seal"] = seal_of(old)
        # As such a review holds it (in memory: the database keeps a closed review as it was closed).
        review.snapshot, review.seal = old, old["seal"]
        _intact, differences = review_verify(review)
        assert [d for d in differences if d.what != "seal"] == []  # no completion reads as changed
        text = pdf_text(report_documents.review_pdf({**old, "timezone": review.platform.timezone}))
        assert "2027-01-0210:40" in flat(text) and "2027-01-0202:40" not in flat(text)


def test_the_dashboard_shows_a_clock_in_local_time(signed_letter, staff, officer, client):
    from tests.cases.support import open_case

    received = datetime(2026, 12, 7, 23, 50, tzinfo=SH)  # its respond clock falls due after midnight
    case = open_case(signed_letter.platform, received=received)
    clock = case.clocks.get(sequence=1)
    with time_machine.travel(received + timedelta(minutes=5), tick=False):
        client.force_login(officer)
        response = client.get(f"/platforms/{signed_letter.platform.slug}/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    local_due = clock.due_at.astimezone(SH)
    assert local_due.strftime("%m-%d %H:%M") in page
    assert clock.due_at.astimezone(UTC).strftime("%m-%d %H:%M") not in page
    assert "北京时间" in page  # the page says which time it shows


def naive(instant):
    return instant.astimezone(SH).replace(tzinfo=None)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)
