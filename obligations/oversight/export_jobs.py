"""Export jobs: the long-running making of a file people send out of Pledge (the quarterly
report, the regulator report, the evidence archive).

A request creates an ExportJob and, once committed, queues a Celery task with the job's
id only. With the broker (Redis) down the request is refused before any job is made, in the
user's language (`BROKER_DOWN`); should the broker go between that check and the sending,
the job is marked failed with the same reason (never left queued), and may be run again. The worker runs `export_run`: it claims the job, writes the file to a temporary
file while reporting progress, stores it in the "exports" storage with its SHA-256, and
marks it done; any error marks it failed with a message for the user, and a failed job
may be run again (`export_retry`). Who may export what: `may_export`.
"""

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import ExportJob, Review, Role
from ..trust.audit import audit_record
from ..trust.preferences import language_of, supported
from . import archive, regulator_documents, regulator_report, report_documents
from .review_snapshot import review_snapshot
from .seal import seal_name

log = logging.getLogger(__name__)

TASK = "obligations.tasks.export_run"
K = ExportJob.Kind
S = ExportJob.State
REVIEW_KINDS = (K.REVIEW_PDF, K.REVIEW_XLSX)
PERIOD_KINDS = (K.REGULATOR_PDF, K.REGULATOR_DOCX)
# Officers and auditors export everything; the supervisory group its own review report.
EXPORTERS = (Role.OFFICER, Role.AUDITOR)
REVIEW_EXPORTERS = (Role.OFFICER, Role.AUDITOR, Role.SUPERVISOR)
EXTENSIONS = {K.REVIEW_PDF: ".pdf", K.REVIEW_XLSX: ".xlsx", K.REGULATOR_PDF: ".pdf", K.REGULATOR_DOCX: ".docx",
              K.EVIDENCE_ZIP: ".zip"}
CONTENT_TYPES = {".pdf": "application/pdf", ".xlsx": report_documents.XLSX_TYPE,
                 ".docx": report_documents.DOCX_TYPE, ".zip": "application/zip"}


def exports_storage():
    return storages["exports"]


def may_export(role: str | None, kind: str) -> bool:
    return role in (REVIEW_EXPORTERS if kind in REVIEW_KINDS else EXPORTERS)


def content_type(job: ExportJob) -> str:
    return CONTENT_TYPES.get(EXTENSIONS.get(job.kind, ""), "application/octet-stream")


def _date(value, field: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(_("请输入有效日期,格式为 2026-11-29。"), field=field) from None


def _review(platform_id, value) -> Review:
    try:
        return Review.objects.get(pk=int(value), platform_id=platform_id)
    except (Review.DoesNotExist, TypeError, ValueError):
        raise DomainError(_("找不到该季度审查(编号 %(id)s)。") % {"id": value}, field="review") from None


def clean_params(platform, kind: str, params: dict) -> dict:
    """The job's parameters, checked: a review of the platform, or a period of local dates."""
    if kind not in K.values:
        raise DomainError(_("不支持的导出类型。"), field="kind")
    if kind in REVIEW_KINDS or (kind == K.EVIDENCE_ZIP and params.get("review")):
        return {"review": _review(platform.pk, params.get("review")).pk}
    if not params.get("start") or not params.get("end"):
        raise DomainError(_("请填写报告期的开始和结束日期。"), field="start")
    start, end = _date(params["start"], "start"), _date(params["end"], "end")
    regulator_report.check_period(start, end)
    return {"start": start.isoformat(), "end": end.isoformat()}


def broker_down_message() -> str:
    return _("后台任务队列(Redis)暂时无法连接,导出没有开始,也没有留下排队的任务。请稍后重试。")


# Publishing gives up after about a second (three tries), so a page never hangs on a dead broker.
SEND_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def _broker():
    """A connection to the broker the settings name (as /healthz pings it)."""
    return current_app.connection_for_write(settings.CELERY_BROKER_URL)


def broker_check() -> None:
    """Refuse, before anything is written, when the broker does not answer."""
    if current_app.conf.task_always_eager:
        return
    try:
        with _broker() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means the same to the user
        log.warning("export refused, the broker does not answer: %r", exc)
        raise DomainError(broker_down_message()) from None


def _queue(job_id: int) -> None:
    """Hand the job to a worker (by task name: the domain does not import the task module).
    With CELERY_TASK_ALWAYS_EAGER it runs here and now. A broker lost since `broker_check`
    fails the job with the reason instead of leaving it queued for no one."""
    if current_app.conf.task_always_eager:
        export_run(job_id)
        return
    try:
        with _broker() as conn:
            current_app.send_task(TASK, args=[job_id], connection=conn, retry=True, retry_policy=SEND_RETRY)
    except Exception as exc:  # noqa: BLE001
        log.warning("export job %s not sent to the broker: %r", job_id, exc)
        job = ExportJob.objects.filter(pk=job_id, state=S.QUEUED).first()
        if job is not None:
            with translation.override(job.language_code):
                _fail(job, broker_down_message())


def export_language(kind: str, requested: str | None) -> str:
    """A report to the regulator is written in Chinese, the regulator's language, whoever asks
    for it; the quarterly report and the archive's manifest in the language of the person who
    asked (the one their pages are in)."""
    if kind in PERIOD_KINDS:
        return settings.LANGUAGE_CODE
    return supported(requested) or settings.LANGUAGE_CODE


def export_request(*, platform, kind: str, params: dict, user, now: datetime, language: str | None = None) -> ExportJob:
    """Queue the making of a file; `language` is the requester's (their pages'), else their saved choice."""
    params = clean_params(platform, kind, params or {})
    language = export_language(kind, language or language_of(user))
    broker_check()
    with transaction.atomic():
        job = ExportJob.objects.create(platform=platform, kind=kind, params=params, requested_by=user,
                                       requested_at=now, language=language)
        audit_record(at=now, action="export.request", obj=job, actor=user, platform=platform,
                     data={"kind": kind, "params": params, "language": language})
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def is_stalled(job: ExportJob, now: datetime) -> bool:
    """Queued or running far past the time limit: its worker is gone."""
    limit = timedelta(seconds=settings.PLEDGE_EXPORT_TIME_LIMIT * 2)
    return job.state in (S.QUEUED, S.RUNNING) and now - job.requested_at > limit


def export_retry(*, job: ExportJob, user, now: datetime) -> ExportJob:
    """Run a failed (or stalled) job again, from the start."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != S.FAILED and not is_stalled(job, now):
            raise DomainError(_("只有失败的导出任务可以重试。"))
        broker_check()
        job.state, job.progress, job.error, job.finished_at, job.requested_at = S.QUEUED, 0, "", None, now
        job.save(update_fields=["state", "progress", "error", "finished_at", "requested_at"])
        audit_record(at=now, action="export.retry", obj=job, actor=user, platform=job.platform,
                     data={"kind": job.kind})
        transaction.on_commit(lambda: _queue(job.pk))
    return job


# -- making the file -------------------------------------------------------------------------

def _review_snapshot(job: ExportJob, now: datetime) -> tuple[Review, dict]:
    try:
        review = Review.objects.select_related("platform").get(pk=job.params.get("review"),
                                                                 platform_id=job.platform_id)
    except (Review.DoesNotExist, TypeError, ValueError):
        raise DomainError(_("找不到该季度审查(编号 %(id)s),可能已被删除。") % {"id": job.params.get("review")}) from None
    if review.state == Review.State.CLOSED:
        # A snapshot sealed before it named its zone is read in the platform's.
        return review, {"timezone": review.platform.timezone, **review.snapshot, "seal": review.seal}
    return review, review_snapshot(review, now=now)  # still open: the live figures, no seal


def _period(job: ExportJob) -> tuple[date, date]:
    return _date(job.params.get("start"), "start"), _date(job.params.get("end"), "end")


def _maker(job: ExportJob, now: datetime) -> tuple[str, Callable]:
    """The file's name and the function that writes it: (out, progress) -> None."""
    platform = job.platform
    if job.kind in REVIEW_KINDS:
        review, snapshot = _review_snapshot(job, now)
        render = report_documents.review_pdf if job.kind == K.REVIEW_PDF else report_documents.review_xlsx
        name = f"{platform.slug}-{review.label}-{report_documents.review_title(snapshot)}"
        return name, lambda out, progress: out.write(render(snapshot, progress))
    if job.kind in PERIOD_KINDS:
        start, end = _period(job)
        report = regulator_report.regulator_report(platform, start=start, end=end, now=now)
        render = regulator_documents.regulator_pdf if job.kind == K.REGULATOR_PDF else regulator_documents.regulator_docx
        name = f"{platform.slug}-{_('运营报告')}-{start}_{end}"
        return name, lambda out, progress: out.write(render(report, progress))
    if job.kind == K.EVIDENCE_ZIP:
        if job.params.get("review"):
            review, snapshot = _review_snapshot(job, now)
            entries = archive.review_evidence(platform, snapshot)
            seal, name = review.seal or None, f"{platform.slug}-{review.label}-{_('佐证材料')}"
            algorithm = seal_name(snapshot)
        else:
            start, end = _period(job)
            entries = archive.period_evidence(platform, start, end)
            seal, name, algorithm = None, f"{platform.slug}-{_('佐证材料')}-{start}_{end}", ""
        return name, lambda out, progress: archive.write_archive(out, entries, tz=platform.tz, seal=seal,
                                                                 seal_name=algorithm, progress=progress)
    raise DomainError(_("不支持的导出类型。"))


class _Progress:
    """Writes the percentage when it moves, held below 100 until the file is stored."""

    def __init__(self, job_id):
        self.job_id, self.last = job_id, 0

    def __call__(self, percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if percent > self.last:
            self.last = percent
            ExportJob.objects.filter(pk=self.job_id).update(progress=percent)


def _claim(job_id: int) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("platform").filter(pk=job_id).first()
        # A done job stays done; a failed one waits for export_retry (this is a stale message).
        if job is None or job.state not in (S.QUEUED, S.RUNNING):
            return None
        job.state, job.progress, job.error = S.RUNNING, 1, ""
        job.save(update_fields=["state", "progress", "error"])
        return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    job.state, job.error, job.finished_at = S.FAILED, message, timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    return job


def export_run(job_id: int, *, now: datetime | None = None) -> ExportJob | None:
    """Make the job's file. Safe to run twice: a job already done or failed is left alone."""
    job = _claim(job_id)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    now = now or timezone.now()
    progress = _Progress(job.pk)
    with translation.override(job.language_code):  # the file, and why it failed
        try:
            with tempfile.TemporaryFile() as tmp:
                name, write = _maker(job, now)
                write(tmp, progress)
                tmp.seek(0)
                digest = hashlib.sha256()
                while chunk := tmp.read(1024 * 1024):
                    digest.update(chunk)
                tmp.seek(0)
                ext = EXTENSIONS[job.kind]
                stored = exports_storage().save(f"{job.platform_id}/{job.pk}-{uuid.uuid4().hex}{ext}", File(tmp))
        except DomainError as exc:
            return _fail(job, str(exc))
        except SoftTimeLimitExceeded:
            return _fail(job, _("生成超时(超过 %(minutes)d 分钟),已停止。请缩短报告期后重试。")
                         % {"minutes": settings.PLEDGE_EXPORT_TIME_LIMIT // 60})
        except Exception as exc:
            log.exception("export job %s failed", job.pk)
            return _fail(job, _("生成失败:系统内部错误(%(error)s)。请重试;若仍失败,请联系管理员。")
                         % {"error": type(exc).__name__})
    job.file.name, job.filename, job.sha256 = stored, name + ext, digest.hexdigest()
    job.state, job.progress, job.finished_at = S.DONE, 100, timezone.now()
    job.save(update_fields=["file", "filename", "sha256", "state", "progress", "finished_at"])
    return job


def export_open(job: ExportJob):
    """The stored file, opened for reading (the caller streams and closes it)."""
    if job.state != S.DONE or not job.file.name:
        raise DomainError(_("文件尚未生成。"))
    return exports_storage().open(job.file.name, "rb")
