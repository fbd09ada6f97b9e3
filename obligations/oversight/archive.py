"""The evidence archive kept for inspection (留存备查): a zip of a period's evidence files,
or of a review's, with manifest.csv (each file's clause, task, period, the task's due time
and state, path in the zip, SHA-256, uploader, time and keep-until date; times in the
platform's local time, the header naming the zone) and seal.txt (the review's seal when made
for a review, named with its algorithm, else the SHA-256 of the manifest).

Files are read through the evidence storage and streamed into the zip in chunks, never
whole into memory; each file's hash is checked against its record on the way.
"""

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import DomainError
from ..models import Evidence
from ..models.evidence import evidence_storage
from ..schedule.local_time import stamp, zone_name
from ..schedule.periods import local_midnight

CHUNK = 1024 * 1024
MANIFEST = "manifest.csv"
SEAL = "seal.txt"
# In the language the archive is written in (export_jobs runs it under the requester's).
MANIFEST_HEADER = (gettext_lazy("条款"), gettext_lazy("任务"), gettext_lazy("周期"), gettext_lazy("到期时间"),
                   gettext_lazy("任务状态"), gettext_lazy("文件"), "SHA-256", gettext_lazy("上传人"),
                   gettext_lazy("上传时间"), gettext_lazy("留存至"))
TIME_COLUMNS = {3, 8}  # their header names the zone
ZIP64_FROM = 1 << 31


@dataclass
class Entry:
    evidence: Evidence
    clause: str
    task: str


def period_evidence(platform, start: date, end: date) -> list[Entry]:
    """The evidence of the tasks due in the local dates start..end (inclusive), as the
    reports count them: due time in (start, end]. One query."""
    tz = platform.tz
    rows = (Evidence.objects.filter(platform=platform, occurrence__due_at__gt=local_midnight(start, tz),
                                    occurrence__due_at__lte=local_midnight(end + timedelta(days=1), tz))
            .select_related("occurrence__obligation__clause", "uploaded_by")
            .order_by("occurrence__obligation__clause__ordinal", "occurrence__due_at", "occurrence_id", "id"))
    return [Entry(e, e.occurrence.obligation.clause.number, e.occurrence.obligation.title) for e in rows]


def review_evidence(platform, snapshot: dict) -> list[Entry]:
    """The files a review's snapshot lists, found by task and hash. One query. A listed
    file that cannot be found is refused by name."""
    listed = snapshot.get("evidence", [])
    rows = (Evidence.objects.filter(platform=platform, occurrence_id__in={row["occurrence"] for row in listed})
            .select_related("uploaded_by", "occurrence"))
    found = {}
    for e in rows:
        found.setdefault((e.occurrence_id, e.sha256), []).append(e)
    entries = []
    for row in listed:
        candidates = found.get((row["occurrence"], row["sha256"]), [])
        match = next((e for e in candidates if e.original_name == row["file"]), candidates[0] if candidates else None)
        if match is None:
            raise DomainError(_("审查清单中的文件“%(name)s”(条款 %(clause)s)在佐证材料中找不到。")
                              % {"name": row["file"], "clause": row["clause"]})
        entries.append(Entry(match, row["clause"], row["task"]))
    return entries


def _safe(part: str) -> str:
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in part).strip(" .")
    return cleaned or "_"


def _period_text(evidence: Evidence, tz) -> str:
    start = evidence.period_start.astimezone(tz).date()
    last = (evidence.period_end - timedelta(microseconds=1)).astimezone(tz).date()
    return start.isoformat() if last <= start else f"{start.isoformat()} — {last.isoformat()}"


def _copy(source, target, expected: str, name: str) -> None:
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    if digest.hexdigest() != expected:
        raise DomainError(_("文件“%(name)s”的内容与登记的 SHA-256 不符,归档已停止,请联系合规负责人核查。")
                          % {"name": name})


def write_archive(out, entries: Iterable[Entry], *, tz, seal: str | None = None, seal_name: str = "",
                  progress: Callable[[int], None] | None = None) -> str:
    """Write the zip to the binary file `out`; returns the seal written to seal.txt."""
    entries = list(entries)
    storage = evidence_storage()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    zone = zone_name(tz)
    writer.writerow([_("%(label)s(%(zone)s)") % {"label": label, "zone": zone} if i in TIME_COLUMNS else str(label)
                     for i, label in enumerate(MANIFEST_HEADER)])
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for i, entry in enumerate(entries, start=1):
            e = entry.evidence
            folder = f"files/{_safe(entry.clause)}/{e.occurrence_id}"
            name = _safe(e.original_name)
            path, n = f"{folder}/{name}", 1
            while path in used:  # two files of one task under one name (a correction, say)
                n += 1
                base, dot, ext = name.rpartition(".")
                path = f"{folder}/{base} ({n}).{ext}" if base else f"{folder}/{name} ({n})"
            used.add(path)
            try:
                source = storage.open(e.file.name, "rb")
            except FileNotFoundError:
                raise DomainError(_("佐证材料“%(name)s”的文件在存储中找不到。") % {"name": e.original_name}) from None
            with source, zf.open(path, "w", force_zip64=e.size >= ZIP64_FROM) as target:
                _copy(source, target, e.sha256, e.original_name)
            task = e.occurrence
            writer.writerow([entry.clause, entry.task, _period_text(e, tz), stamp(task.due_at, tz),
                             task.get_state_display(), path, e.sha256, e.uploaded_by.get_username(),
                             stamp(e.uploaded_at, tz, seconds=True), e.keep_until.isoformat()])
            if progress is not None:
                progress(5 + 90 * i // len(entries))
        data = "\ufeff".encode() + manifest.getvalue().encode("utf-8")
        zf.writestr(MANIFEST, data)
        if seal:
            note = _("季度审查的封签(%(algorithm)s),见其汇报。") % {"algorithm": seal_name}
        else:
            seal = hashlib.sha256(data).hexdigest()
            note = _("manifest.csv 的 SHA-256。")
        zf.writestr(SEAL, f"{seal}\n{note}\n".encode())
    return seal
