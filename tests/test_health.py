"""/healthz and the scheduler status: 503 when the last sweep is too old, 200 again after
a sweep; a named check each for the database, the broker, a worker's own heartbeat, the
scheduler and the evidence store; the officer's pages say when beat last ran; the site
administrator hears once."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from obligations.models import Role, SweepRun, UserPreferences
from obligations.tasks import run_sweeps
from obligations.trust.heartbeat import heartbeat_record, worker_beat
from tests.conftest import make_user

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def beat_ran(minutes_ago):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    SweepRun.objects.all().delete()
    heartbeat_record("close_out", started_at=at, finished_at=at)


def worker_seen(seconds_ago, hostname="w1@host"):
    at = timezone.now() - timedelta(seconds=seconds_ago)
    worker_beat(hostname, pid=1, started_at=at, now=at)


@pytest.fixture
def worker():
    worker_seen(seconds_ago=5)


def health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


def test_healthz_turns_503_when_the_last_sweep_is_too_old_and_200_after_a_sweep(client, settings, signed_letter,
                                                                               worker):
    assert health(client)[0] == 503 and "ever run" in health(client)[1]["problems"]["scheduler"]
    beat_ran(minutes_ago=1)
    status, body = health(client)
    assert status == 200 and body["status"] == "ok" and body["problems"] == {}
    assert body["last_sweep_age_seconds"] == 60
    assert set(body["checks"]) == {"database", "broker", "worker", "scheduler", "evidence_store"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["workers"] == 1 and body["checks"]["evidence_store"]["probed"]
    beat_ran(minutes_ago=6)  # PLEDGE_HEALTH_MAX_SWEEP_AGE: 300 s
    status, body = health(client)
    assert status == 503 and set(body["problems"]) == {"scheduler"} and "limit 300 s" in body["problems"]["scheduler"]
    assert body["checks"]["scheduler"]["ok"] is False and body["checks"]["worker"]["ok"] is True
    run_sweeps(now=timezone.now())
    assert health(client)[0] == 200
    settings.PLEDGE_HEALTH_MAX_SWEEP_AGE = 0
    assert health(client)[0] == 503


def test_healthz_names_a_missing_worker_apart_from_a_silent_beat(client, settings, signed_letter):
    beat_ran(minutes_ago=0)  # the sweeps ran just now ...
    status, body = health(client)
    assert status == 503 and set(body["problems"]) == {"worker"} and "ever reported" in body["problems"]["worker"]
    worker_seen(seconds_ago=61)  # ... but the worker's own heartbeat is older than one beat interval (60 s)
    status, body = health(client)
    assert status == 503 and set(body["problems"]) == {"worker"} and "limit 60 s" in body["problems"]["worker"]
    assert body["checks"]["worker"] == {"ok": False, "problem": body["problems"]["worker"], "workers": 0,
                                        "last_heartbeat_age_seconds": 61}
    worker_seen(seconds_ago=2, hostname="w2@host")  # another worker is alive: enough
    assert health(client)[0] == 200
    settings.PLEDGE_HEALTH_WORKER_AGE = 1
    assert set(health(client)[1]["problems"]) == {"worker"}


def test_healthz_names_an_evidence_store_nearly_full_or_unwritable(client, settings, signed_letter, worker,
                                                                   tmp_path):
    beat_ran(minutes_ago=0)
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "ev")}}}
    assert health(client)[0] == 200
    assert not list((tmp_path / "ev").iterdir())  # the probe leaves nothing behind
    settings.PLEDGE_HEALTH_MIN_FREE_MB = 1024 * 1024 * 1024  # a petabyte: more than this disk has free
    status, body = health(client)
    assert status == 503 and set(body["problems"]) == {"evidence_store"}
    assert "nearly full" in body["problems"]["evidence_store"] and body["checks"]["evidence_store"]["free_mb"] > 0
    settings.PLEDGE_HEALTH_MIN_FREE_MB = 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker / "ev")}}}
    status, body = health(client)
    assert status == 503 and "not writable" in body["problems"]["evidence_store"]
    settings.STORAGES = {**settings.STORAGES, "evidence": {  # a storage that is no folder of ours: not probed
        "BACKEND": "django.core.files.storage.InMemoryStorage", "OPTIONS": {"location": str(blocker / "ev")}}}
    status, body = health(client)
    assert status == 200 and body["checks"]["evidence_store"] == {"ok": True, "probed": False}


def test_healthz_names_a_broker_that_does_not_answer_and_shows_no_data(client, settings, signed_letter, worker):
    beat_ran(minutes_ago=0)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503 and set(body["problems"]) == {"broker"}
    assert "alpha" not in response.content.decode() and response["Cache-Control"].startswith("max-age=0")


def test_the_officer_sees_when_beat_last_ran_and_a_red_banner_when_silent(client, signed_letter, officer, staff):
    client.force_login(officer)
    dashboard = reverse("dashboard", args=["alpha"])
    assert "调度尚未运行" in client.get(dashboard).content.decode()  # a fresh install: said, no banner
    beat_ran(minutes_ago=3)
    page = client.get(dashboard).content.decode()
    assert "上次调度 3 分钟前" in page and "scheduler-silent" not in page
    beat_ran(minutes_ago=12)
    page = client.get(dashboard).content.decode()
    assert 'id="scheduler-silent"' in page and "上次调度 12 分钟前" in page and "alert-danger" in page
    assert "scheduler-" not in client.get(reverse("letter-detail", args=["alpha"])).content.decode()  # the dashboard's
    client.force_login(staff)  # staff do not see the scheduler
    assert "scheduler-" not in client.get(reverse("my-tasks")).content.decode()


def test_the_site_administrator_is_mailed_once_per_silence(client, signed_letter, officer):
    admin = make_user("root")
    admin.is_staff, admin.email = True, "root@example.com"
    admin.save()
    admin.user_permissions.add(Permission.objects.get(codename="administer_site"))
    beat_ran(minutes_ago=10)
    client.force_login(officer)
    for _ in range(3):
        client.get(reverse("dashboard", args=["alpha"]))
        client.get("/healthz")
    assert [m.to for m in mail.outbox] == [["root@example.com"]] and "调度已停止" in mail.outbox[0].subject
    run_sweeps(now=timezone.now())  # beat is back ...
    SweepRun.objects.update(finished_at=timezone.now() - timedelta(minutes=20))  # ... and silent again
    client.get("/healthz")
    assert len(mail.outbox) == 2


def test_each_site_administrator_is_mailed_in_their_own_language(client, signed_letter, officer):
    for name, language in (("root", "en"), ("rita", None)):
        admin = make_user(name)
        admin.is_staff, admin.email = True, f"{name}@example.com"
        admin.save()
        admin.user_permissions.add(Permission.objects.get(codename="administer_site"))
        if language:
            UserPreferences.objects.create(user=admin, language=language)
    beat_ran(minutes_ago=10)
    client.get("/healthz")
    mails = {m.to[0]: m for m in mail.outbox}
    assert set(mails) == {"root@example.com", "rita@example.com"} and len(mail.outbox) == 2
    assert "The scheduler has stopped" in mails["root@example.com"].subject
    assert "调度已停止" in mails["rita@example.com"].subject
    assert mails["root@example.com"].body.endswith("/healthz")


def test_the_site_administrator_without_a_platform_sees_the_status_too(client, db):
    admin = make_user("root")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    beat_ran(minutes_ago=2)
    client.force_login(admin)
    assert "上次调度 2 分钟前" in client.get(reverse("platform-overview")).content.decode()
    assert Role.OFFICER  # the role that sees it on a platform
