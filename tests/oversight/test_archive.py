"""The evidence archive: every file of the period or the review, a manifest whose hashes
match the files in the zip, and a seal; streamed, never whole in memory."""

import csv
import io
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta

import pytest

from obligations.errors import DomainError
from obligations.models import Evidence, Occurrence
from obligations.models.evidence import evidence_storage
from obligations.oversight import archive
from obligations.oversight.seal import seal_name
from tests.conftest import PDF_BYTES
from tests.oversight.export_support import SH, local_day, sha256, sign, with_evidence
from tests.oversight.review_sample import closed_review, sample_snapshot

START, END = date(2026, 11, 1), date(2026, 11, 30)


def due_on(platform, key, day, sequence=1):
    return Occurrence.objects.get(platform=platform, obligation__key=key, sequence=sequence,
                                  period_start__lte=datetime.combine(day, datetime.min.time(), SH),
                                  period_end__gt=datetime.combine(day, datetime.min.time(), SH))


@pytest.fixture
def files(platform, officer, staff):
    """Evidence of checks and an audit inside November, and of a check outside it."""
    from obligations.work.sweeps import obligations_materialize

    sign(platform, officer)
    obligations_materialize(now=datetime(2026, 12, 3, tzinfo=SH), horizon=timedelta(days=3))
    with_evidence(due_on(platform, "三.2", date(2026, 11, 3)), staff,
                  {"巡检记录.txt": "11月3日 第一次巡检 正常".encode(), "截图.pdf": PDF_BYTES})
    with_evidence(due_on(platform, "三.2", date(2026, 11, 30), 3), staff, {"巡检记录.txt": b"30 Nov: all fine\n"})
    with_evidence(due_on(platform, "三.3", date(2026, 11, 15)), officer, {"审计报告.csv": "项目,结果\n用户信息,完整\n".encode()})
    with_evidence(due_on(platform, "三.2", date(2026, 12, 1)), staff, {"outside.txt": b"December\n"})
    return platform


def read(data: bytes):
    zf = zipfile.ZipFile(io.BytesIO(data))
    raw = zf.read(archive.MANIFEST)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    return zf, raw, rows


def test_period_archive_manifest_hashes_match_its_files(files):
    out = io.BytesIO()
    steps = []
    seal = archive.write_archive(out, archive.period_evidence(files, START, END), tz=SH, progress=steps.append)
    zf, raw, rows = read(out.getvalue())
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM, for Excel
    assert rows[0] == ["\ufeff条款", "任务", "周期", "到期时间(北京时间)", "任务状态", "文件", "SHA-256", "上传人",
                       "上传时间(北京时间)", "留存至"]
    body = rows[1:]
    inside = [e for e in Evidence.objects.filter(platform=files).select_related("occurrence")
              if START <= local_day(e.occurrence.due_at) <= END]
    assert len(body) == len(inside) == 4
    assert {r[6] for r in body} == {e.sha256 for e in inside}
    uploads = {e.sha256: e.uploaded_at.astimezone(SH).strftime("%Y-%m-%d %H:%M:%S") for e in inside}
    for clause, _task, _period, _due, _state, path, digest, uploader, uploaded_at, keep_until in body:
        assert sha256(zf.read(path)) == digest  # recomputed from the bytes in the zip
        assert path.startswith(f"files/{clause}/")
        assert uploader in {"alice", "bob"} and uploaded_at == uploads[digest]  # local, as the header says
        assert date.fromisoformat(keep_until) >= date(2029, 11, 1)
    assert "outside.txt" not in " ".join(zf.namelist())
    assert {r[1] for r in body} == {"安全检查", "服务数据合规性审计"}
    assert ["2026-11-03"] == sorted({r[2] for r in body if r[5].endswith("截图.pdf")})
    assert zf.read(archive.SEAL).decode().splitlines()[0] == seal == sha256(raw)
    assert steps == sorted(steps) and steps[-1] == 95


def test_review_archive_holds_the_snapshots_files_and_the_reviews_seal(files):
    listed = [{"clause": e.occurrence.obligation.clause.number, "task": e.occurrence.obligation.title,
               "occurrence": e.occurrence_id, "file": e.original_name, "sha256": e.sha256, "size": e.size,
               "uploader": e.uploaded_by.username, "uploaded_at": e.uploaded_at.isoformat(),
               "keep_until": e.keep_until.isoformat()}
              for e in Evidence.objects.filter(platform=files).select_related("occurrence__obligation__clause",
                                                                               "uploaded_by")[:3]]
    review = closed_review(files, sample_snapshot(evidence=listed))
    out = io.BytesIO()
    seal = archive.write_archive(out, archive.review_evidence(files, review.snapshot), tz=SH, seal=review.seal,
                                 seal_name=seal_name(review.snapshot))
    zf, _raw, rows = read(out.getvalue())
    assert [seal, "季度审查的封签(SHA-256),见其汇报。"] == zf.read(archive.SEAL).decode().splitlines()
    assert seal == review.seal
    assert [r[6] for r in rows[1:]] == [e["sha256"] for e in listed]
    for row in rows[1:]:
        assert sha256(zf.read(row[5])) == row[6]


def test_a_file_missing_from_the_evidence_is_refused_by_name(files):
    snapshot = sample_snapshot()  # lists files of occurrences that are not there
    with pytest.raises(DomainError, match="2026年10月合规审计报告.pdf"):
        archive.review_evidence(files, snapshot)


def test_a_file_whose_bytes_changed_stops_the_archive(files):
    item = Evidence.objects.filter(platform=files).first()
    path = evidence_storage().path(item.file.name)
    with open(path, "ab") as f:
        f.write(b"tampered")
    with pytest.raises(DomainError, match="SHA-256 不符"):
        archive.write_archive(io.BytesIO(), archive.period_evidence(files, START, END), tz=SH)


def test_two_files_of_one_task_under_one_name_both_kept(platform, officer, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from obligations.work.evidence import evidence_add
    from obligations.work.sweeps import obligations_materialize

    sign(platform, officer)
    obligations_materialize(now=datetime(2026, 11, 5, tzinfo=SH), horizon=timedelta(days=1))
    check = due_on(platform, "三.2", date(2026, 11, 3))
    with_evidence(check, staff, {"记录.txt": b"first\n"})
    first = Evidence.objects.get(occurrence=check)
    evidence_add(occurrence=check, user=staff, files=[SimpleUploadedFile("记录.txt", b"corrected\n")],
                 now=check.due_at + timedelta(hours=1), corrects=first)
    out = io.BytesIO()
    archive.write_archive(out, archive.period_evidence(platform, START, END), tz=SH)
    zf, _raw, rows = read(out.getvalue())
    paths = [r[5] for r in rows[1:]]
    assert paths == [f"files/三.2/{check.pk}/记录.txt", f"files/三.2/{check.pk}/记录 (2).txt"]
    assert [zf.read(p) for p in paths] == [b"first\n", b"corrected\n"]


def test_files_are_streamed_not_loaded_whole(platform, officer, staff, settings):
    from obligations.work.sweeps import obligations_materialize

    settings.EVIDENCE_MAX_BYTES = 64 * 1024 * 1024
    sign(platform, officer)
    obligations_materialize(now=datetime(2026, 11, 5, tzinfo=SH), horizon=timedelta(days=1))
    big = b"0123456789abcdef" * (1024 * 1024)  # 16 MB
    with_evidence(due_on(platform, "三.2", date(2026, 11, 3)), staff, {"大文件.txt": big})
    entries = archive.period_evidence(platform, START, END)
    tracemalloc.start()
    try:
        archive.write_archive(io.BytesIO(), entries, tz=SH)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The zip itself grows in the BytesIO (compressed: small); the file never sits whole in memory.
    assert peak < len(big) // 4, peak
