"""Check-off with evidence: stored with its hash, immutable, and refused when bad."""

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InternalError, connection, transaction
from django.test import RequestFactory

from obligations.errors import DomainError
from obligations.models import Completion, Evidence, EvidenceImmutable, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import check_upload, completion_with_evidence
from obligations.work.occurrences import occurrence_complete, occurrence_reopen
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user

NOW = SIGNED_AT + timedelta(hours=1)


@pytest.fixture
def check(signed_letter):
    sweep(now=SIGNED_AT)
    return Occurrence.objects.get(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW)


def pdf(name="check.pdf", data=PDF_BYTES):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files():
    root = Path(settings.EVIDENCE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_completion_stores_evidence_with_hash_and_keep_until(check, staff):
    completion_with_evidence(occurrence=check, user=staff, note="正常", files=[pdf()], now=NOW)
    check.refresh_from_db()
    assert check.state == "done" and check.completed_by == staff
    ev = Evidence.objects.get()
    assert ev.sha256 == hashlib.sha256(PDF_BYTES).hexdigest() and ev.size == len(PDF_BYTES)
    assert ev.content_type == "application/pdf" and ev.original_name == "check.pdf"
    assert ev.keep_until.isoformat() == "2029-11-03"  # period ends 3 Nov 2026 00:00 local; kept 3 years
    [path] = stored_files()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ev.sha256
    assert path.name != "check.pdf" and str(path).startswith(str(settings.EVIDENCE_ROOT))


def test_evidence_cannot_be_changed_or_deleted(check, staff):
    completion_with_evidence(occurrence=check, user=staff, note="", files=[pdf()], now=NOW)
    ev = Evidence.objects.get()
    ev.original_name = "other.pdf"
    with pytest.raises(EvidenceImmutable):
        ev.save()
    with pytest.raises(EvidenceImmutable):
        ev.delete()
    with pytest.raises(EvidenceImmutable):
        Evidence.objects.filter(pk=ev.pk).update(sha256="0" * 64)
    with pytest.raises(EvidenceImmutable):
        Evidence.objects.all().delete()
    # Below the ORM, the database refuses too.
    for sql in ("UPDATE obligations_evidence SET sha256 = 'x'", "DELETE FROM obligations_evidence"):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    ev.refresh_from_db()
    assert ev.original_name == "check.pdf"
    [path] = stored_files()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ev.sha256


def test_admin_cannot_change_or_delete_evidence(check, staff):
    completion_with_evidence(occurrence=check, user=staff, note="", files=[pdf()], now=NOW)
    admin_user = make_user("root")
    admin_user.is_superuser = admin_user.is_staff = True
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[Evidence]
    ev = Evidence.objects.get()
    assert not model_admin.has_change_permission(request, ev)
    assert not model_admin.has_delete_permission(request, ev)
    assert not model_admin.has_add_permission(request)


def test_required_evidence_is_enforced(check, staff):
    with pytest.raises(DomainError, match="佐证材料"):
        completion_with_evidence(occurrence=check, user=staff, note="已检查", files=[], now=NOW)
    assert not Completion.objects.exists()


def test_double_submission_completes_once(check, staff):
    completion_with_evidence(occurrence=check, user=staff, note="", files=[pdf()], now=NOW)
    with pytest.raises(DomainError, match="已由 bob 完成"):
        completion_with_evidence(occurrence=check, user=staff, note="", files=[pdf()], now=NOW)
    assert Completion.objects.count() == 1 and Evidence.objects.count() == 1 and len(stored_files()) == 1


def test_completion_after_due_is_done_late(check, staff):
    completion_with_evidence(occurrence=check, user=staff, note="", files=[pdf()], now=check.due_at + timedelta(minutes=5))
    check.refresh_from_db()
    assert check.state == "done_late" and Completion.objects.get().late


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("empty.pdf", b""), "空文件"),
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64), "类型不在允许范围"),
        (SimpleUploadedFile("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "内容与扩展名不符"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(check, staff, upload, message):
    with pytest.raises(DomainError, match=message):
        completion_with_evidence(occurrence=check, user=staff, note="x", files=[pdf(), upload], now=NOW)
    assert not Completion.objects.exists() and not Evidence.objects.exists() and stored_files() == []
    check.refresh_from_db()
    assert check.state == "open"


def test_oversized_file_is_refused(check, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="超过大小上限"):
        check_upload(pdf(data=PDF_BYTES + b"0" * 2000))


class RawName(io.BytesIO):
    """An upload whose name was not cleaned by Django's parser (a direct caller)."""

    def __init__(self, name, data):
        super().__init__(data)
        self.name, self.size = name, len(data)

    def chunks(self):
        yield self.getvalue()


@pytest.mark.parametrize("name,message", [("../../etc/passwd.pdf", "含有路径"), ("a\\b.pdf", "含有路径"),
                                          ("bad\x07name.pdf", "控制字符")])
def test_names_with_path_parts_or_control_characters_are_refused(name, message):
    with pytest.raises(DomainError, match=message):
        check_upload(RawName(name, PDF_BYTES))


def test_text_csv_images_and_office_files_are_accepted():
    assert check_upload(SimpleUploadedFile("log.txt", "巡检日志 正常\n".encode())).content_type == "text/plain"
    assert check_upload(SimpleUploadedFile("data.csv", b"a,b\n1,2\n")).content_type == "text/csv"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert check_upload(SimpleUploadedFile("shot.png", png)).content_type == "image/png"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    assert check_upload(SimpleUploadedFile("bundle.zip", buf.getvalue())).content_type == "application/zip"


def test_reopen_keeps_the_first_completion_and_links_the_next(check, staff, officer):
    completion_with_evidence(occurrence=check, user=staff, note="第一次", files=[pdf()], now=NOW)
    with pytest.raises(DomainError, match="理由"):
        occurrence_reopen(occurrence=check, user=officer, reason=" ", now=NOW)
    occurrence_reopen(occurrence=check, user=officer, reason="记录不完整", now=NOW)
    check.refresh_from_db()
    assert check.state == "open"
    second = completion_with_evidence(occurrence=check, user=staff, note="补充", files=[pdf("v2.pdf")], now=NOW)
    first = Completion.objects.get(note="第一次")
    assert first.reopened_by == officer and first.reopen_reason == "记录不完整"
    assert second.corrects == first
    assert Evidence.objects.count() == 2
    with pytest.raises(DomainError):
        occurrence_complete(occurrence=check, user=staff, now=NOW, evidence_count=1)
