"""Evidence files: checked before anything is written, stored under generated names,
hashed, and kept until the clause's retention runs out."""

import errno
import hashlib
import logging
import mimetypes
import tempfile
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import filetype
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Evidence, Occurrence
from ..models.evidence import evidence_storage
from ..trust.audit import audit_record
from ..trust.integrity import file_sha256
from .occurrences import occurrence_complete

log = logging.getLogger(__name__)
SNIFF_BYTES = 8192
SPOOL_BYTES = 2 * 1024 * 1024  # a verified copy stays in memory up to this size, then on disk
# The storage is full: nothing is kept, the user is told to try again later.
STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
# Zip containers whose name says what is inside.
ZIP_FAMILY = {
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE_FAMILY = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
              "application/x-ole-storage"}


@dataclass
class CheckedFile:
    upload: object  # a Django UploadedFile (or any file with .name, .chunks(), .seek())
    name: str
    size: int
    sha256: str
    content_type: str


def _check_name(name: str) -> str:
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        raise DomainError(_("文件名“%(name)s”含有路径,请只上传文件本身。") % {"name": name}, field="files")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise DomainError(_("文件名含有控制字符,请重命名后再上传。"), field="files")
    return name


def _sniff(head: bytes, name: str) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a cut multi-byte character at the end is fine
                continue
        return "text/csv" if name.lower().endswith(".csv") else "text/plain"
    return None


def _same_kind(by_name: str | None, by_bytes: str) -> bool:
    if by_name is None or by_name == by_bytes:
        return True
    if by_bytes.startswith("text/") and by_name.startswith("text/"):
        return True
    if by_bytes in ZIP_FAMILY and by_name in ZIP_FAMILY:
        return True  # an office file read as a plain zip, or the reverse
    return by_bytes in OLE_FAMILY and by_name in OLE_FAMILY


def check_upload(upload) -> CheckedFile:
    """Refuse an empty, oversized, misnamed or disallowed file, with the reason."""
    name = _check_name(upload.name)
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise DomainError(_("文件“%(name)s”是空文件。") % {"name": name}, field="files")
    if upload.size > limit:
        raise DomainError(_("文件“%(name)s”超过大小上限 %(mb).0f MB。") % {"name": name, "mb": limit / 1024 / 1024},
                          field="files")
    digest, size, head = hashlib.sha256(), 0, b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    content_type = _sniff(head, name)
    if content_type is None or content_type not in settings.EVIDENCE_ALLOWED_TYPES:
        raise DomainError(_("文件“%(name)s”的类型不在允许范围内(允许:PDF、图片、Office 文档、文本、CSV、ZIP)。")
                          % {"name": name}, field="files")
    if not _same_kind(mimetypes.guess_type(name)[0], content_type):
        raise DomainError(_("文件“%(name)s”的内容与扩展名不符。") % {"name": name}, field="files")
    return CheckedFile(upload, name, size, digest.hexdigest(), content_type)


def keep_until(occurrence: Occurrence, years: int) -> date:
    end = occurrence.period_end.astimezone(occurrence.platform.tz).date()
    try:
        return end.replace(year=end.year + years)
    except ValueError:  # 29 February
        return end.replace(year=end.year + years, day=28)


def _storage_name(occurrence: Occurrence, checked: CheckedFile, now) -> str:
    ext = mimetypes.guess_extension(checked.content_type) or ""
    if checked.content_type == "text/plain":
        ext = ".txt"
    return f"{occurrence.platform_id}/{now:%Y/%m}/{uuid.uuid4().hex}{ext}"


def store_evidence(*, occurrence, completion, checked: list[CheckedFile], user, now, written: list,
                   corrects=None) -> list[Evidence]:
    """Write the files and their rows; each stored name goes into `written` at once, so
    a caller can remove the files again if the transaction fails."""
    storage = evidence_storage()
    years = occurrence.obligation.retention_years
    rows = []
    for item in checked:
        # The name is fixed (and listed for clean-up) before a byte is written: a write that
        # fails half-way (a full disk) leaves a partial file that the clean-up must find.
        name = storage.get_available_name(_storage_name(occurrence, item, now))
        written.append(name)
        try:
            saved = storage.save(name, item.upload)
        except OSError as exc:
            if exc.errno in STORAGE_FULL:
                log.error("evidence storage full while writing %s: %s", name, exc)
                raise DomainError(_("证据存储空间已满,文件“%(name)s”未能保存,任务未完成。请稍后重试或联系管理员。")
                                  % {"name": item.name}, field="files") from exc
            raise
        if saved != name:
            written.append(saved)
            name = saved
        rows.append(Evidence.objects.create(
            platform=occurrence.platform, occurrence=occurrence, completion=completion, file=name,
            original_name=item.name, sha256=item.sha256, size=item.size, content_type=item.content_type,
            uploaded_by=user, uploaded_at=now, period_start=occurrence.period_start,
            period_end=occurrence.period_end, keep_until=keep_until(occurrence, years), corrects=corrects,
        ))
    return rows


@contextmanager
def _files_removed_on_failure():
    """All or nothing: files written before an exception are deleted again."""
    written: list[str] = []
    try:
        yield written
    except Exception:
        storage = evidence_storage()
        for name in written:
            try:
                storage.delete(name)
            except OSError:  # the clean-up must not hide the first error
                log.exception("could not remove the evidence file %s after a failed upload", name)
        raise


def completion_with_evidence(*, occurrence, user, note: str, files, now):
    """Complete with evidence: every file is checked before anything is written."""
    checked = [check_upload(f) for f in files]
    with _files_removed_on_failure() as written:
        return occurrence_complete(
            occurrence=occurrence, user=user, note=note, now=now, evidence_count=len(checked),
            attach=lambda completion: store_evidence(occurrence=completion.occurrence, completion=completion,
                                                     checked=checked, user=user, now=now, written=written))


def evidence_add(*, occurrence: Occurrence, user, files, now, corrects: Evidence | None = None) -> list[Evidence]:
    """Add files to a completed task's live completion. A correction names the file it
    corrects; the corrected file stays, as all proof does."""
    checked = [check_upload(f) for f in files]
    if not checked:
        raise DomainError(_("请选择要上传的文件。"), field="files")
    completion = occurrence.completions.filter(reopened_at__isnull=True).first()
    if completion is None or not occurrence.is_completed:
        raise DomainError(_("只能为已完成的任务补充佐证材料。"))
    if corrects is not None and corrects.occurrence_id != occurrence.pk:
        raise DomainError(_("所更正的文件不属于此任务。"), field="corrects")
    with _files_removed_on_failure() as written, transaction.atomic():
        added = store_evidence(occurrence=occurrence, completion=completion, checked=checked, user=user, now=now,
                               written=written, corrects=corrects)
        audit_record(at=now, action="evidence.add", obj=occurrence, actor=user, platform=occurrence.platform,
                     data={"evidence": [e.pk for e in added], "corrects": corrects.pk if corrects else None})
        return added


def evidence_open(evidence: Evidence):
    return evidence_storage().open(evidence.file.name, "rb")


class EvidenceMismatch(DomainError):
    """The stored file is missing, or is no longer the file whose SHA-256 was recorded;
    `found` is the SHA-256 found, None for a missing file."""

    def __init__(self, message, *, found=None):
        super().__init__(message)
        self.found = found


def evidence_open_verified(evidence: Evidence, *, user, now):
    """The file, re-hashed before it is served (files are at most 25 MB): a copy of exactly
    the bytes that matched the stored SHA-256, so a file swapped meanwhile is not served
    either. A missing or changed file is refused, and the refusal is audited."""
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    found = file_sha256(evidence, copy_to=copy)
    if found == evidence.sha256:
        copy.seek(0)
        return copy
    copy.close()
    log.error("evidence %s (%s) no longer matches its sha256 %s: found %s", evidence.pk, evidence.file.name,
              evidence.sha256, found or "no file")
    audit_record(at=now, action="evidence.mismatch", obj=evidence, actor=user, platform=evidence.platform,
                 data={"expected": evidence.sha256, "found": found, "file": evidence.file.name, "by": "download"})
    if found is None:
        raise EvidenceMismatch(_("佐证文件“%(name)s”已缺失,无法下载。已记录此事件,请联系合规负责人核查。")
                               % {"name": evidence.original_name})  # found stays None
    raise EvidenceMismatch(_("佐证文件“%(name)s”的内容与上传时记录的 SHA-256 不一致,可能已被替换或损坏,"
                             "因此拒绝下载。已记录此事件,请联系合规负责人核查。") % {"name": evidence.original_name},
                           found=found)
