"""Sending the webhook outbox to a local receiver (port 0, a thread): signed deliveries, retried
after a failure with exponential backoff until delivered or past the cap of attempts, never two
sends of one delivery at once; and the Celery worker doing it."""

import json
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import translation

from compliance.celery import app
from obligations.alerts import webhook_sender
from obligations.alerts.webhook_sender import LEASE, backoff, claim, schedule, webhooks_send
from obligations.alerts.webhooks import verify
from obligations.models import Platform, WebhookDelivery, WebhookEndpoint
from tests.alerts.webhook_receiver import receiver
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT, make_user

NOW = SIGNED_AT


def deliveries(url, count=1, *, platform=None):
    platform = platform or Platform.objects.create(slug="alpha", name="Alpha")
    user = make_user("alice", platform, "officer")
    ep = WebhookEndpoint.objects.create(platform=platform, url=url, events=["case.opened"], created_by=user,
                                        created_at=NOW)
    return [WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=i,
                                           payload={"event": "case.opened", "data": {"case": {"id": i}}},
                                           created_at=NOW, next_attempt_at=NOW) for i in range(1, count + 1)]


@pytest.fixture(autouse=True)
def _local_receivers(settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = True
    settings.PLEDGE_WEBHOOK_BACKOFF_SECONDS = 60
    settings.PLEDGE_WEBHOOK_MAX_ATTEMPTS = 8


def test_500_twice_then_200_is_three_signed_attempts_on_the_backoff_schedule(db):
    with receiver(500, 500, 200) as r:
        [row] = deliveries(r.url)
        secret = row.endpoint.secret
        assert webhooks_send(now=NOW) == (1, 0)  # (attempts, delivered)
        assert webhooks_send(now=NOW + timedelta(seconds=59)) == (0, 0) and len(r.got) == 1  # not before its backoff
        assert webhooks_send(now=NOW + timedelta(seconds=60)) == (1, 0) and len(r.got) == 2
        assert webhooks_send(now=NOW + timedelta(seconds=179)) == (0, 0) and len(r.got) == 2  # then twice as long
        assert webhooks_send(now=NOW + timedelta(seconds=180)) == (1, 1)
        assert webhooks_send(now=NOW + timedelta(hours=5)) == (0, 0)
    assert len(r.got) == 3
    for attempt, got in enumerate(r.got, start=1):
        headers = {k.lower(): v for k, v in got.headers.items()}
        stamp = int(headers["x-pledge-signature"].split(",")[0][2:])
        assert verify(secret, headers["x-pledge-signature"], got.body, now=stamp)
        assert headers["x-pledge-event"] == "case.opened" and headers["x-pledge-delivery"] == str(row.pk)
        assert headers["x-pledge-attempt"] == str(attempt) and headers["content-type"].startswith("application/json")
        assert json.loads(got.body) == {"id": row.pk, **row.payload} and got.path == "/hook"
    assert [int(g.headers["X-Pledge-Signature"].split(",")[0][2:]) for g in r.got] == [
        int((NOW + timedelta(seconds=s)).timestamp()) for s in (0, 60, 180)]  # each signed when sent
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code, row.delivered_at) == ("delivered", 3, 200,
                                                                                NOW + timedelta(seconds=180))
    assert row.claimed_until is None and row.last_error == ""


def test_the_schedule_doubles_and_the_cap_fails_the_delivery(db, settings):
    settings.PLEDGE_WEBHOOK_MAX_ATTEMPTS = 3
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert schedule() == [timedelta(minutes=1), timedelta(minutes=2)]
    with receiver(500, 503, 502, 500) as r:
        [row] = deliveries(r.url)
        for minutes in (0, 1, 3, 10, 60):
            webhooks_send(now=NOW + timedelta(minutes=minutes))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("failed", 3, 502, "http")
    assert row.error_text() == "HTTP 502"
    assert len(r.got) == 3  # nothing after the cap


def test_a_receiver_that_is_not_there_or_redirects_is_a_failed_attempt_retried_later(db):
    with receiver(302) as r:
        gone, moved = deliveries("http://127.0.0.1:9/hook")[0], None
        moved = WebhookDelivery.objects.create(endpoint=WebhookEndpoint.objects.create(
            platform=gone.platform, url=r.url, events=["case.opened"], created_by=gone.endpoint.created_by,
            created_at=NOW), platform=gone.platform, event="case.opened", subject_id=1, payload={}, created_at=NOW,
            next_attempt_at=NOW)
        assert webhooks_send(now=NOW) == (2, 0)
    gone.refresh_from_db()
    moved.refresh_from_db()
    # The reason a code, read in the reader's language: no exception text, no errno.
    assert gone.status == "pending" and gone.last_status_code is None and gone.last_error == "refused"
    assert gone.error_text() == "无法连接(连接被拒绝)"
    with translation.override("en"):
        assert gone.error_text() == "Could not connect (connection refused)"
        assert moved.error_text() == "HTTP 302"
    assert gone.next_attempt_at == NOW + timedelta(minutes=1)
    assert (moved.status, moved.last_status_code, moved.attempts) == ("pending", 302, 1)  # a redirect is not followed


def test_an_address_no_longer_allowed_is_not_connected_to(db, settings):
    with receiver() as r:
        [row] = deliveries(r.url)
        settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
        webhooks_send(now=NOW)
    row.refresh_from_db()
    assert r.got == [] and row.status == "pending" and row.last_error == "blocked" and "内部网络" in row.error_text()


def test_a_claimed_delivery_is_nobody_elses_until_its_lease_runs_out(db):
    [row] = deliveries("http://127.0.0.1:9/hook")
    mine = claim(now=NOW)
    assert mine.pk == row.pk and mine.attempts == 1 and mine.claimed_until == NOW + LEASE
    assert claim(now=NOW + LEASE - timedelta(seconds=1)) is None  # its sender may still be sending
    again = claim(now=NOW + LEASE + timedelta(seconds=1))  # that sender died: the row is taken again
    assert again.pk == row.pk and again.attempts == 2
    webhook_sender.settle(mine, code=200, error="", now=NOW)  # the dead sender's late word changes nothing
    row.refresh_from_db()
    assert row.status == "pending" and row.claimed_until == again.claimed_until


def test_a_disabled_endpoints_deliveries_wait(db):
    [row] = deliveries("http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.update(enabled=False)
    assert claim(now=NOW) is None


@pytest.mark.django_db(transaction=True)
def test_senders_at_once_send_each_delivery_once():
    with receiver() as r:
        rows = deliveries(r.url, count=12)
        assert run_at_once(4, lambda: webhooks_send(now=NOW)) == []
    assert sorted(json.loads(g.body)["id"] for g in r.got) == sorted(d.pk for d in rows)
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_celery_worker_sends_retries_and_delivers(settings):
    settings.PLEDGE_WEBHOOK_BACKOFF_SECONDS = 0  # each retry due at once, so one run of the task tries three times
    with receiver(500, 500, 200) as r:
        [row] = deliveries(r.url)
        row.next_attempt_at = SIGNED_AT - timedelta(days=1)
        row.save()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            app.send_task("obligations.tasks.send_webhooks")
            deadline = time.monotonic() + 60
            while WebhookDelivery.objects.filter(status="pending").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert [verify(row.endpoint.secret, g.headers["X-Pledge-Signature"], g.body, now=time.time()) for g in r.got] == [
        True] * 3


def test_https_connects_to_the_checked_address_and_checks_the_certificate_for_the_host(monkeypatch):
    from obligations.alerts.webhook_targets import Target

    seen = {}

    def connect(address, timeout):
        seen["address"], seen["timeout"] = address, timeout
        return "socket"

    class Context:
        def wrap_socket(self, sock, server_hostname):
            seen["wrapped"], seen["server_hostname"] = sock, server_hostname
            return "tls"

    monkeypatch.setattr(webhook_sender.socket, "create_connection", connect)
    conn = webhook_sender._PinnedTLS(Target("https", "hooks.example.cn", 8443, "/x", "93.184.215.14"), 10)
    conn._context = Context()
    conn.connect()
    assert seen == {"address": ("93.184.215.14", 8443), "timeout": 10, "wrapped": "socket",
                    "server_hostname": "hooks.example.cn"}
    assert conn.sock == "tls" and conn.host == "hooks.example.cn"  # the Host header names the host
    assert webhook_sender._PinnedTLS(Target("https", "h.cn", 443, "/", "1.1.1.1"), 10)._context.check_hostname


def test_the_sweep_reports_failed_attempts_not_zero_webhooks(db):
    """QA: `sweep` said webhooks=0 when it had made failed attempts."""
    from io import StringIO

    from django.core.management import call_command

    deliveries("http://127.0.0.1:9/hook")
    out = StringIO()
    call_command("sweep", "--now", NOW.isoformat(), stdout=out)
    assert "webhook_attempts=1 webhooks_delivered=0" in out.getvalue(), out.getvalue()
