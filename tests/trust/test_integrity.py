"""The daily integrity sweep and the download's re-hash: a replaced evidence file, or a
broken audit chain, reaches the platform's officer and every site administrator, and a
replaced file is never served under its original hash."""

import hashlib
import logging
from datetime import datetime, time, timedelta

import pytest
from django.db import connection

from compliance.celery import app
from obligations import tasks
from obligations.models import (
    AuditEvent,
    Evidence,
    Notification,
    Occurrence,
    Platform,
    Role,
    UserPreferences,
)
from obligations.models.evidence import evidence_storage
from obligations.tasks import run_sweeps as sweep
from obligations.trust.audit import audit_verify
from obligations.trust.integrity import SHARES, evidence_share, integrity_check
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT, anchor_as_committed, make_user
from tests.dbroles import guard_lifted
from tests.trust.people_support import make_site_admin
from tests.work.test_evidence import pdf

NOW = SIGNED_AT + timedelta(hours=1)


@pytest.fixture
def files(signed_letter, staff):
    """Three evidence files of one completed check."""
    sweep(now=SIGNED_AT)
    occ = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW)
    completion_with_evidence(occurrence=occ, user=staff, note="", now=NOW,
                             files=[pdf(f"check-{i}.pdf", PDF_BYTES + b"%" + bytes([65 + i])) for i in range(3)])
    anchor_as_committed()
    return list(Evidence.objects.order_by("id"))


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    return {"officer": officer, "staff": staff, "root": make_site_admin(),
            "other_officer": make_user("otto", other, Role.OFFICER),
            "auditor": make_user("aud", platform, Role.AUDITOR)}


def day_of(evidence):
    """An instant on the day whose share holds this file."""
    base = SIGNED_AT.date()
    day = next(base + timedelta(days=d) for d in range(SHARES)
               if (base + timedelta(days=d)).toordinal() % SHARES == evidence.pk % SHARES)
    return datetime.combine(day, time(3, 40), tzinfo=Platform.objects.first().tz)


def replace(evidence, data=b"%PDF-1.4\nforged\n%%EOF\n"):
    with open(evidence_storage().path(evidence.file.name), "wb") as f:
        f.write(data)


def alerts():
    return {n.recipient.username: n for n in Notification.objects.filter(kind="integrity").select_related("recipient")}


def test_every_file_is_rehashed_once_a_week(files):
    days = [SIGNED_AT.date() + timedelta(days=d) for d in range(SHARES)]
    shares = [set(evidence_share(day).values_list("pk", flat=True)) for day in days]
    assert sorted(pk for share in shares for pk in share) == [e.pk for e in files]


def test_a_replaced_file_alerts_the_officer_and_the_site_admin(files, people, caplog):
    victim = files[1]
    replace(victim)
    now = day_of(victim)
    with caplog.at_level(logging.ERROR, logger="obligations.trust.integrity"):
        report = integrity_check(now=now)
    assert report.chain.ok and not report.ok
    assert [m.evidence.pk for m in report.mismatches] == [victim.pk]
    assert report.mismatches[0].found == hashlib.sha256(b"%PDF-1.4\nforged\n%%EOF\n").hexdigest()
    assert f"evidence {victim.pk}" in caplog.text
    sent = alerts()
    assert set(sent) == {"alice", "root"}  # not staff, not the auditor, not another platform's officer
    assert "check-1.pdf" in sent["alice"].body and sent["alice"].digest_date == now.date()
    assert sent["alice"].subject.startswith("完整性告警")
    [record] = AuditEvent.objects.filter(action="evidence.mismatch", object_id=str(victim.pk))
    assert record.platform == victim.platform and record.data["expected"] == victim.sha256
    # Twice the same day: nothing new. The next week: told again.
    assert integrity_check(now=now + timedelta(hours=1)).notified == 0
    assert Notification.objects.filter(kind="integrity").count() == 2
    assert AuditEvent.objects.filter(action="evidence.mismatch").count() == 1
    assert integrity_check(now=now + timedelta(days=SHARES)).notified == 2


def test_each_recipient_reads_the_alert_in_their_own_language(files, people):
    UserPreferences.objects.create(user=people["root"], language="en")
    victim = files[1]
    replace(victim)
    integrity_check(now=day_of(victim))
    sent = alerts()
    assert sent["root"].subject == "Integrity alert: 1 problems to check"
    assert "Evidence file" in sent["root"].body and "check-1.pdf" in sent["root"].body
    assert sent["alice"].subject.startswith("完整性告警") and "佐证文件" in sent["alice"].body


def test_a_missing_file_is_a_mismatch_too(files, people):
    victim = files[0]
    evidence_storage().delete(victim.file.name)
    report = integrity_check(now=day_of(victim))
    assert [(m.evidence.pk, m.found) for m in report.mismatches] == [(victim.pk, None)]
    assert "已缺失" in alerts()["alice"].body


def test_files_of_other_days_are_left_for_their_day(files, people):
    replace(files[0])
    other_day = day_of(files[0]) + timedelta(days=1)
    report = integrity_check(now=other_day)
    assert files[0].pk not in {e.pk for e in evidence_share(other_day.date())}
    assert not any(m.evidence.pk == files[0].pk for m in report.mismatches)


@pytest.mark.django_db(transaction=True)  # the owner lifts the guard on a connection of its own
def test_a_broken_chain_alerts_and_an_intact_one_is_anchored(files, people, caplog):
    report = integrity_check(now=NOW)
    assert report.ok and report.notified == 0 and not alerts()
    assert audit_verify().anchored  # the sweep anchored the head it verified
    victim = AuditEvent.objects.filter(platform__slug="alpha").order_by("id")[1]
    with guard_lifted(), connection.cursor() as cur:
        cur.execute("UPDATE obligations_auditevent SET data = '{}' WHERE id = %s", [victim.pk])
    with caplog.at_level(logging.ERROR, logger="obligations.trust.integrity"):
        report = integrity_check(now=NOW + timedelta(days=1))
    assert not report.chain.ok and report.chain.broken_id == victim.pk
    assert "audit chain broken" in caplog.text
    sent = alerts()
    assert set(sent) == {"alice", "root"}  # the broken record is alpha's
    assert f"#{victim.pk}" in sent["root"].body


def test_the_integrity_task_runs_daily_in_beat(files, people):
    entry = app.conf.beat_schedule["integrity-daily"]
    assert entry["task"] == tasks.integrity.name == "obligations.tasks.integrity"
    assert entry["schedule"].hour == {19} and entry["schedule"].minute == {40}  # 03:40 in Shanghai
    result = tasks.integrity()
    assert result["chain"] == "ok" and result["mismatched"] == []


def test_the_download_rehashes_and_refuses_a_replaced_file(files, people, client):
    intact, victim = files[0], files[2]
    client.force_login(people["auditor"])
    response = client.get(f"/evidence/{intact.pk}/download/")
    assert response.status_code == 200 and response["X-Content-SHA256"] == intact.sha256
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == intact.sha256
    replace(victim)
    response = client.get(f"/evidence/{victim.pk}/download/")
    assert response.status_code == 409 and "X-Content-SHA256" not in response
    text = response.content.decode()
    assert "check-2.pdf" in text and "SHA-256 不一致" in text and "forged" not in text
    uploaded = victim.uploaded_at.astimezone(victim.platform.tz)
    assert f"{uploaded:%Y-%m-%d %H:%M}" in text and "时间均为北京时间" in text
    [record] = AuditEvent.objects.filter(action="evidence.mismatch", object_id=str(victim.pk))
    assert record.actor == people["auditor"] and record.data["by"] == "download"
    evidence_storage().delete(victim.file.name)
    response = client.get(f"/evidence/{victim.pk}/download/")
    assert response.status_code == 409 and "已缺失" in response.content.decode()
