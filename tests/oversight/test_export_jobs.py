"""Export jobs: requested, queued after commit with the id only, run with progress to a
stored file with its hash; a failure says why in Chinese and can be retried; a real
worker on Redis completes one."""

import hashlib
import io
import time
import zipfile
from datetime import datetime

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.core.files.storage import storages
from docx import Document
from openpyxl import load_workbook

from compliance.celery import app
from obligations import tasks
from obligations.errors import DomainError
from obligations.models import AuditEvent, ExportJob, Platform, Review, UserPreferences
from obligations.oversight import export_jobs, report_documents
from tests.oversight.export_support import (  # noqa: F401 (fixtures)
    SH,
    eager,
    exports_root,
    sign,
    tasks_with_states,
)
from tests.oversight.review_sample import closed_review
from tests.oversight.test_report_documents import pdf_text

pytestmark = pytest.mark.usefixtures("exports_root")
NOW = datetime(2027, 1, 9, 10, tzinfo=SH)
K, S = ExportJob.Kind, ExportJob.State


@pytest.fixture
def review(platform):
    return closed_review(platform)


@pytest.fixture
def sent(monkeypatch):
    """The tasks handed to the broker."""
    calls = []
    monkeypatch.setattr(current_app, "send_task", lambda name, args=None, **kw: calls.append((name, args)))
    return calls


def request(platform, user, kind, params, capture):
    with capture(execute=True):
        return export_jobs.export_request(platform=platform, kind=kind, params=params, user=user, now=NOW)


def stored_bytes(job) -> bytes:
    with storages["exports"].open(job.file.name, "rb") as f:
        return f.read()


def test_request_queues_the_task_after_commit_with_the_id_only(platform, officer, review, sent,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_jobs.export_request(platform=platform, kind=K.REVIEW_PDF, params={"review": str(review.pk)},
                                         user=officer, now=NOW)
    assert sent == [] and callbacks  # nothing reaches the broker before the commit
    for callback in callbacks:  # the queueing, and the audit trail's anchoring
        callback()
    assert sent == [("obligations.tasks.export_run", [job.pk])]
    job.refresh_from_db()
    assert (job.state, job.progress, job.params, job.requested_by) == (S.QUEUED, 0, {"review": review.pk}, officer)
    assert AuditEvent.objects.filter(action="export.request", object_id=str(job.pk)).exists()


def test_review_pdf_job_runs_to_done_with_progress_file_and_hash(platform, officer, review, sent, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    job = request(platform, officer, K.REVIEW_PDF, {"review": review.pk}, django_capture_on_commit_callbacks)
    seen = []
    original = export_jobs._Progress.__call__
    monkeypatch.setattr(export_jobs._Progress, "__call__",
                        lambda self, p: (original(self, p), seen.append(ExportJob.objects.get(pk=job.pk).progress)))
    job = export_jobs.export_run(job.pk)
    assert seen and seen == sorted(seen) and 0 < seen[0] and seen[-1] < 100
    assert (job.state, job.progress, job.error) == (S.DONE, 100, "")
    data = stored_bytes(job)
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == job.sha256
    assert job.filename == "alpha-2026Q4-运营情况及风险排查结果.pdf"
    assert job.file.name.startswith(f"{platform.pk}/{job.pk}-") and job.finished_at is not None


def test_review_xlsx_and_regulator_docx_and_archive_jobs(platform, officer, review, sent,
                                                         django_capture_on_commit_callbacks):
    sign(platform, officer)
    xlsx = export_jobs.export_run(request(platform, officer, K.REVIEW_XLSX, {"review": review.pk},
                                          django_capture_on_commit_callbacks).pk)
    assert xlsx.state == S.DONE and "义务履行" in load_workbook(io.BytesIO(stored_bytes(xlsx))).sheetnames
    docx = export_jobs.export_run(request(platform, officer, K.REGULATOR_DOCX,
                                          {"start": "2026-10-01", "end": "2026-12-31"},
                                          django_capture_on_commit_callbacks).pk)
    assert docx.state == S.DONE and docx.filename == "alpha-运营报告-2026-10-01_2026-12-31.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(stored_bytes(docx))).paragraphs)
    assert "2026Q4 季度审查" in text and review.seal in text
    zipped = export_jobs.export_run(request(platform, officer, K.EVIDENCE_ZIP,
                                            {"start": "2026-10-01", "end": "2026-12-31"},
                                            django_capture_on_commit_callbacks).pk)
    assert zipped.state == S.DONE
    names = zipfile.ZipFile(io.BytesIO(stored_bytes(zipped))).namelist()
    assert names == ["manifest.csv", "seal.txt"]  # no evidence yet: an empty, sealed manifest


def test_the_quarterly_report_is_in_the_requesters_language_the_regulators_in_chinese(
        platform, officer, review, sent, django_capture_on_commit_callbacks):
    sign(platform, officer)
    with django_capture_on_commit_callbacks(execute=True):
        xlsx = export_jobs.export_request(platform=platform, kind=K.REVIEW_XLSX, params={"review": review.pk},
                                          user=officer, now=NOW, language="en")
        docx = export_jobs.export_request(platform=platform, kind=K.REGULATOR_DOCX,
                                          params={"start": "2026-10-01", "end": "2026-12-31"}, user=officer, now=NOW,
                                          language="en")
    assert (xlsx.language, docx.language) == ("en", "zh-hans")
    xlsx, docx = export_jobs.export_run(xlsx.pk), export_jobs.export_run(docx.pk)
    sheets = load_workbook(io.BytesIO(stored_bytes(xlsx))).sheetnames
    assert "Obligation performance" in sheets and "义务履行" not in sheets
    assert xlsx.filename.endswith("Operations and risk findings.xlsx")
    text = "\n".join(p.text for p in Document(io.BytesIO(stored_bytes(docx))).paragraphs)
    assert "季度审查" in text  # to the regulator: Chinese, whoever asked
    with django_capture_on_commit_callbacks(execute=True):
        zipped = export_jobs.export_request(platform=platform, kind=K.EVIDENCE_ZIP,
                                            params={"start": "2026-10-01", "end": "2026-12-31"}, user=officer,
                                            now=NOW, language="en")
    manifest = zipfile.ZipFile(io.BytesIO(stored_bytes(export_jobs.export_run(zipped.pk)))).read("manifest.csv")
    assert manifest.decode("utf-8-sig").startswith("Clause,")
    # No language given: the requester's saved choice, else the site's default.
    UserPreferences.objects.create(user=officer, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        again = export_jobs.export_request(platform=platform, kind=K.REVIEW_PDF, params={"review": review.pk},
                                           user=officer, now=NOW)
    assert again.language == "en"


def test_request_refuses_bad_parameters(platform, officer):
    other = closed_review(Platform.objects.create(slug="beta", name="Beta 平台"))
    for kind, params, message in (
        (K.REVIEW_PDF, {"review": 999999}, "找不到该季度审查"),
        (K.REVIEW_PDF, {"review": other.pk}, "找不到该季度审查"),  # another platform's review
        (K.REGULATOR_PDF, {"start": "2026-12-31", "end": "2026-10-01"}, "开始日期不能晚于结束日期"),
        (K.REGULATOR_PDF, {"start": "2026-13-01", "end": "2026-12-31"}, "请输入有效日期"),
        (K.EVIDENCE_ZIP, {}, "请填写报告期"),
        ("csv", {}, "不支持的导出类型"),
    ):
        with pytest.raises(DomainError, match=message):
            export_jobs.export_request(platform=platform, kind=kind, params=params, user=officer, now=NOW)
    assert not ExportJob.objects.exists()


def test_a_missing_review_fails_the_job_with_a_chinese_message(platform, officer, review, sent,
                                                               django_capture_on_commit_callbacks):
    job = request(platform, officer, K.REVIEW_PDF, {"review": review.pk}, django_capture_on_commit_callbacks)
    # The database keeps every review (migration 0014): a job may still name one that is not there.
    ExportJob.objects.filter(pk=job.pk).update(params={"review": review.pk + 1000})
    job = export_jobs.export_run(job.pk)
    assert job.state == S.FAILED and job.error == f"找不到该季度审查(编号 {review.pk + 1000}),可能已被删除。"
    assert not job.file and not job.sha256


def test_a_failed_job_is_retried_and_then_done(platform, officer, review, sent, settings, tmp_path,
                                               django_capture_on_commit_callbacks):
    fonts, settings.PLEDGE_PDF_FONT_DIR = settings.PLEDGE_PDF_FONT_DIR, tmp_path  # no fonts installed
    job = request(platform, officer, K.REVIEW_PDF, {"review": review.pk}, django_capture_on_commit_callbacks)
    job = export_jobs.export_run(job.pk)
    assert job.state == S.FAILED and "fonts-noto-cjk" in job.error and "中文字体" in job.error
    with pytest.raises(DomainError, match="只有失败的导出任务可以重试"):
        export_jobs.export_retry(job=ExportJob.objects.create(platform=platform, kind=K.REVIEW_PDF, params={},
                                                              requested_by=officer, requested_at=NOW),
                                 user=officer, now=NOW)
    settings.PLEDGE_PDF_FONT_DIR = fonts  # the fonts are installed now
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_retry(job=job, user=officer, now=NOW)
    assert (job.state, job.error, job.progress) == (S.QUEUED, "", 0)
    assert sent == [("obligations.tasks.export_run", [job.pk])]
    job = export_jobs.export_run(job.pk)
    assert job.state == S.DONE and hashlib.sha256(stored_bytes(job)).hexdigest() == job.sha256


def test_an_unexpected_error_fails_the_job_without_details_leaking(platform, officer, review, sent, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    def broken(snapshot, progress=None):
        raise RuntimeError("/secret/path")

    monkeypatch.setattr(report_documents, "review_pdf", broken)
    job = request(platform, officer, K.REVIEW_PDF, {"review": review.pk}, django_capture_on_commit_callbacks)
    job = export_jobs.export_run(job.pk)
    assert job.state == S.FAILED and "系统内部错误(RuntimeError)" in job.error and "/secret" not in job.error


def test_running_again_leaves_a_done_job_alone(platform, officer, review, sent, django_capture_on_commit_callbacks):
    job = export_jobs.export_run(request(platform, officer, K.REVIEW_PDF, {"review": review.pk},
                                         django_capture_on_commit_callbacks).pk)
    again = export_jobs.export_run(job.pk)
    assert (again.file.name, again.sha256, again.state) == (job.file.name, job.sha256, S.DONE)
    assert export_jobs.export_run(987654) is None


def test_an_open_review_exports_its_live_figures_without_a_seal(platform, officer, sent,
                                                               django_capture_on_commit_callbacks):
    sign(platform, officer)
    tasks_with_states(platform, until=datetime(2026, 12, 1, tzinfo=SH))
    review = Review.objects.create(platform=platform, year=2026, quarter=4, opened_at=NOW,
                                   period_start=datetime(2026, 10, 1, tzinfo=SH),
                                   period_end=datetime(2027, 1, 1, tzinfo=SH))
    job = export_jobs.export_run(request(platform, officer, K.REVIEW_PDF, {"review": review.pk},
                                         django_capture_on_commit_callbacks).pk)
    assert job.state == S.DONE, job.error
    text = "".join(pdf_text(stored_bytes(job)).split())
    assert "运营情况及风险排查结果" in text and "本审查尚未签署关闭" in text and "安全检查" in text


@pytest.mark.usefixtures("eager")
def test_eager_mode_runs_the_job_at_commit(platform, officer, review, django_capture_on_commit_callbacks):
    job = request(platform, officer, K.REVIEW_XLSX, {"review": review.pk}, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.state == S.DONE


def test_the_task_is_acknowledged_as_it_starts_time_limited_and_keeps_no_result(settings):
    task = app.tasks["obligations.tasks.export_run"]
    assert task.name == tasks.export_run.name
    # It may run longer than the broker's visibility timeout: acknowledged late, a second
    # worker would be handed it while the first still makes the file.
    assert not task.acks_late and task.ignore_result
    assert task.time_limit > settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.soft_time_limit == settings.PLEDGE_EXPORT_TIME_LIMIT < task.time_limit


def test_exports_by_role():
    assert export_jobs.may_export("officer", K.REGULATOR_PDF) and export_jobs.may_export("auditor", K.EVIDENCE_ZIP)
    assert export_jobs.may_export("supervisor", K.REVIEW_PDF) and export_jobs.may_export("supervisor", K.REVIEW_XLSX)
    assert not export_jobs.may_export("supervisor", K.REGULATOR_DOCX)
    assert not export_jobs.may_export("staff", K.REVIEW_PDF) and not export_jobs.may_export(None, K.REVIEW_PDF)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_completes_an_export_job(platform, officer):
    review = closed_review(platform)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        job = export_jobs.export_request(platform=platform, kind=K.REVIEW_PDF, params={"review": review.pk},
                                         user=officer, now=NOW)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state in (S.DONE, S.FAILED):
                break
            time.sleep(0.2)
    assert (job.state, job.error, job.progress) == (S.DONE, "", 100)
    assert hashlib.sha256(stored_bytes(job)).hexdigest() == job.sha256
