"""Retention: evidence past keep-until is listed, removed only after the officer approves,
audited; the metadata stays and the download says the file was disposed of."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from obligations.models import AuditEvent, Evidence, EvidenceDisposal, Occurrence, Role
from obligations.models.evidence import evidence_storage
from obligations.work.evidence import completion_with_evidence
from obligations.work.retention import retention_approve, retention_list, retention_remove_approved
from obligations.work.sweeps import obligations_materialize
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user


@pytest.fixture
def proof(signed_letter, officer, staff):
    obligations_materialize(now=SIGNED_AT)
    occ = Occurrence.objects.filter(state="open").order_by("due_at").first()
    completion_with_evidence(occurrence=occ, user=officer, note="", now=SIGNED_AT,
                             files=[SimpleUploadedFile("old.pdf", PDF_BYTES)])
    return Evidence.objects.get()


def after(evidence, days=1):
    """An instant past the file's keep-until date (the sweeps take `now`; the trigger reads the clock)."""
    return SIGNED_AT + (evidence.keep_until - SIGNED_AT.date()) + timedelta(days=days)


def stored(evidence):
    return evidence_storage().exists(evidence.file.name)


def test_nothing_is_removed_without_approval(proof):
    assert retention_list(now=SIGNED_AT) == 0  # not yet past keep-until
    later = after(proof)
    assert retention_list(now=later) == 1 and retention_list(now=later) == 0  # listed once
    assert retention_remove_approved(now=later + timedelta(days=400)) == 0
    assert stored(proof) and Evidence.objects.filter(pk=proof.pk).exists()
    assert AuditEvent.objects.filter(action="retention.list").exists()


def test_the_officer_approves_then_the_file_goes_and_the_record_stays(proof, officer, django_capture_on_commit_callbacks):
    later = after(proof)
    retention_list(now=later)
    disposal = EvidenceDisposal.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_approve(platform=proof.platform, user=officer, ids=[disposal.pk], now=later) == 1
    disposal.refresh_from_db()
    assert disposal.approved_by == officer and disposal.file_removed_at == later
    assert not stored(proof)
    kept = Evidence.objects.get(pk=proof.pk)
    assert (kept.sha256, kept.size, kept.original_name) == (proof.sha256, proof.size, "old.pdf")
    assert AuditEvent.objects.filter(action="evidence.dispose.approve", actor=officer).exists()
    removed = AuditEvent.objects.get(action="evidence.dispose")
    assert removed.data["sha256"] == {str(proof.pk): proof.sha256}
    # Approving again removes nothing more.
    assert retention_approve(platform=proof.platform, user=officer, ids=[disposal.pk], now=later) == 0


def test_a_file_still_kept_cannot_be_approved(proof, officer):
    later = after(proof)
    retention_list(now=later)
    disposal = EvidenceDisposal.objects.get()
    assert retention_approve(platform=proof.platform, user=officer, ids=[disposal.pk], now=SIGNED_AT) == 0
    assert stored(proof)


def test_the_page_lists_approves_and_the_download_says_disposed(client, proof, officer, staff, platform,
                                                                 django_capture_on_commit_callbacks):
    later = after(proof)
    retention_list(now=later)
    disposal = EvidenceDisposal.objects.get()
    url = reverse("retention", args=[platform.slug])
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"disposal": [disposal.pk]}).status_code == 403
    supervisor = make_user("sue", platform, Role.SUPERVISOR)
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert "old.pdf" in page and "approve-disposal" not in page and "时间均为北京时间" in page
    assert client.post(url, {"disposal": [disposal.pk]}).status_code == 403
    assert stored(proof)
    client.force_login(officer)
    assert "approve-disposal" in client.get(url).content.decode()
    assert "尚未超过留存期限" in client.post(url, {"disposal": [disposal.pk]}, follow=True).content.decode()
    with time_machine.travel(later, tick=False):
        client.force_login(officer)  # years later: a fresh session
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"disposal": [disposal.pk]}, follow=True)
        assert "已批准销毁 1 个文件" in response.content.decode() and not stored(proof)
        download = client.get(reverse("evidence-download", args=[proof.pk]))
    html = download.content.decode()
    assert download.status_code == 410 and "已按留存期限销毁" in html and proof.sha256 in html
