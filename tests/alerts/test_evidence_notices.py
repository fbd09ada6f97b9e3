"""A download that finds an evidence file changed or missing tells the platform's officers at
once, in the app and by mail, once per file (issue 22, item 8 of the attacks: before, the 409 and
an audit record told nobody until the weekly re-hash reached that file's day)."""

import hashlib

import pytest
from django.core import mail
from django.test import Client

from obligations.models import Evidence, Notification, Occurrence, Platform, Role, UserPreferences
from obligations.models.evidence import evidence_storage
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user
from tests.oversight.export_support import eager  # noqa: F401 (a fixture)
from tests.work.test_evidence import pdf

FORGED = b"%PDF-1.4\nforged\n%%EOF\n"


@pytest.fixture
def files(signed_letter, staff, officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer.email = "alice@example.com"
    officer.save()
    second = make_user("olga", signed_letter.platform, Role.OFFICER)
    second.email, second.save = "olga@example.com", second.save
    second.save()
    UserPreferences.objects.create(user=second, language="en")
    make_user("otto", Platform.objects.create(slug="beta", name="Beta"), Role.OFFICER)  # another platform's
    run_sweeps(now=SIGNED_AT)
    occ = Occurrence.objects.filter(obligation__key="三.2", opens_at__lte=SIGNED_AT).order_by("due_at").first()
    completion_with_evidence(occurrence=occ, user=staff, note="", now=SIGNED_AT,
                             files=[pdf(f"check-{i}.pdf", PDF_BYTES + b"%" + bytes([65 + i])) for i in range(2)])
    return list(Evidence.objects.order_by("id"))


def told():
    return list(Notification.objects.filter(kind=Notification.Kind.EVIDENCE_MISMATCH)
                .select_related("recipient").order_by("recipient__username", "id"))


def mismatch_mails():
    return [m for m in mail.outbox if "check-0.pdf" in m.subject]


def test_a_changed_file_tells_the_officers_at_once_in_the_app_and_by_mail(files, staff, eager,  # noqa: F811
                                                                         django_capture_on_commit_callbacks):
    victim = files[0]
    with open(evidence_storage().path(victim.file.name), "wb") as f:
        f.write(FORGED)
    client = Client()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"/evidence/{victim.pk}/download/").status_code == 409
    notices = told()
    assert [n.recipient.username for n in notices] == ["alice", "olga"]  # not staff, not another platform's officer
    alice, olga = notices
    assert alice.evidence == victim and alice.sent_at is not None  # sent at once, so in the inbox now
    assert "check-0.pdf" in alice.subject and "内容已被改动" in alice.subject
    assert victim.sha256 in alice.body and hashlib.sha256(FORGED).hexdigest() in alice.body and "bob" in alice.body
    assert "changed" in olga.subject  # in her language
    assert sorted(m.to[0] for m in mismatch_mails()) == ["alice@example.com", "olga@example.com"]
    alice_client = Client()
    alice_client.force_login(alice.recipient)
    assert "check-0.pdf" in alice_client.get("/notifications/").content.decode()

    # Once per file: another download of the same file tells no one again.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"/evidence/{victim.pk}/download/").status_code == 409
    assert len(told()) == 2 and len(mismatch_mails()) == 2


def test_a_missing_file_is_told_too_and_each_file_once(files, staff):
    first, second = files
    evidence_storage().delete(first.file.name)
    with open(evidence_storage().path(second.file.name), "wb") as f:
        f.write(FORGED)
    client = Client()
    client.force_login(staff)
    for victim in (first, second, first, second):
        assert client.get(f"/evidence/{victim.pk}/download/").status_code == 409
    notices = told()
    assert len(notices) == 4  # two officers, two files, each once
    assert {n.evidence_id for n in notices} == {first.pk, second.pk}
    missing = next(n for n in notices if n.evidence_id == first.pk and n.recipient.username == "alice")
    assert "已缺失" in missing.subject


def test_the_platforms_webhooks_hear_of_a_changed_file_once_whether_a_download_or_the_daily_check_finds_it(
        files, staff, officer, monkeypatch):
    from obligations import tasks
    from obligations.models import WebhookDelivery, WebhookEndpoint
    from obligations.trust.integrity import IntegrityReport, Mismatch

    WebhookEndpoint.objects.create(platform=files[0].platform, url="https://hooks.example.cn/x",
                                   events=["evidence.mismatch"], created_by=officer, created_at=SIGNED_AT)
    victim = files[0]
    with open(evidence_storage().path(victim.file.name), "wb") as f:
        f.write(FORGED)
    found = hashlib.sha256(FORGED).hexdigest()
    client = Client()
    client.force_login(staff)
    assert client.get(f"/evidence/{victim.pk}/download/").status_code == 409
    chain = type("Chain", (), {"reason": "", "broken_id": None})()
    daily = IntegrityReport(chain=chain, mismatches=[Mismatch(victim, found), Mismatch(files[1], None)])
    monkeypatch.setattr(tasks, "integrity_check", lambda now: daily)
    tasks._integrity(SIGNED_AT)
    rows = {r.subject_id: r.payload["data"]["evidence"] for r in WebhookDelivery.objects.all()}
    assert set(rows) == {victim.pk, files[1].pk}  # the download's file once, the missing one from the daily check
    assert rows[victim.pk]["found_sha256"] == found and rows[files[1].pk]["missing"] is True
