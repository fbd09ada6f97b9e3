"""The webhook pages, end to end: the officer registers a local receiver (port 0, a thread) and
reads the secret once; a case opened is sent by the worker's sweep, signed, answered 500 twice
and then 200: three attempts, one delivery shown delivered on the log page, times local with the
zone named. Only the platform's officer sees or changes its webhooks; bad input is a clear error."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from obligations.alerts.webhooks import verify
from obligations.cases.services import case_open
from obligations.models import AuditEvent, Platform, Role, WebhookDelivery, WebhookEndpoint
from obligations.tasks import webhooks_run
from tests.alerts.webhook_receiver import receiver
from tests.conftest import SIGNED_AT, make_user

NOW = SIGNED_AT
SECRET = re.compile(r'<code[^>]*lang="zxx">(whsec_[\w-]+)</code>')


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta 平台")
    return {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("aud", platform, Role.AUDITOR), "stranger": make_user("otto", other, Role.OFFICER)}


@pytest.fixture(autouse=True)
def _local(settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = True
    settings.PLEDGE_WEBHOOK_BACKOFF_SECONDS = 60


def signed_in(client, user, language="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def test_a_case_opened_reaches_the_receiver_signed_on_the_third_attempt_and_the_log_says_so(client, people, platform):
    c = signed_in(client, people["officer"])
    page = reverse("webhook-list", args=["alpha"])
    with receiver(500, 500, 200) as r:
        response = c.post(page, {"url": r.url, "events": ["case.opened", "task.missed"], "description": "运维平台"})
        assert response.status_code == 200
        [secret] = SECRET.findall(response.content.decode())
        assert secret == WebhookEndpoint.objects.get().secret
        assert secret not in c.get(page).content.decode()  # shown once
        WebhookEndpoint.objects.update(created_at=NOW - timedelta(hours=1))
        case, _ = case_open(platform=platform, kind="complaint", description="无法登录", received_at=NOW, now=NOW,
                            user=people["officer"])
        for seconds in (0, 60, 180):  # the minute sweep, run when each retry is due
            webhooks_run(now=NOW + timedelta(seconds=seconds))
        webhooks_run(now=NOW + timedelta(hours=1))
    assert len(r.got) == 3
    for got in r.got:
        stamp = int(got.headers["X-Pledge-Signature"].split(",")[0][2:])
        assert verify(secret, got.headers["X-Pledge-Signature"], got.body, now=stamp)
    [delivery] = WebhookDelivery.objects.all()
    html = c.get(reverse("webhook-deliveries", args=["alpha"])).content.decode()
    row = html[html.index(f'id="delivery-{delivery.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-status="delivered" data-attempts="3"' in row and "已送达" in row and ">200<" in row
    assert "受理新案件" in row and r.url in row
    assert "2026-11-02 09:03" in row and "时间均为北京时间" in html  # delivered at 01:03 UTC, read in local time
    assert 'action="/platforms/alpha/webhooks/deliveries/' not in row  # no retry for a delivered one
    english = signed_in(client, people["officer"], "en").get(reverse("webhook-deliveries", args=["alpha"]))
    assert "Delivered" in english.content.decode() and "Case opened" in english.content.decode()


def test_a_failed_delivery_is_retried_from_the_log_and_the_retry_audited(client, people, platform):
    ep = WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/x", events=["case.opened"],
                                        created_by=people["officer"], created_at=NOW)
    row = WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=1,
                                         payload={}, status="failed", attempts=8, last_status_code=503,
                                         last_error="HTTP 503", created_at=NOW, next_attempt_at=NOW, last_attempt_at=NOW)
    c = signed_in(client, people["officer"])
    log = reverse("webhook-deliveries", args=["alpha"])
    html = c.get(log, {"status": "failed"}).content.decode()
    assert 'data-status="failed"' in html and reverse("webhook-retry", args=["alpha", row.pk]) in html
    assert "data-status=" not in c.get(log, {"status": "delivered"}).content.decode()
    response = c.post(reverse("webhook-retry", args=["alpha", row.pk]), {"status": "failed", "page": "1"})
    assert response.url == log + "?status=failed&page=1"  # the officer's filter kept
    assert "已重新排队发送。" in c.get(response.url).content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, row.last_status_code) == ("pending", 0, "", None)
    [audit] = AuditEvent.objects.filter(action="webhook.retry", actor=people["officer"])
    assert (audit.data["attempts"], audit.data["code"], audit.data["error"]) == (8, 503, "HTTP 503")  # the old round kept
    html = c.get(log).content.decode()
    cells = html[html.index(f'id="delivery-{row.pk}"'):]
    assert "已重新排队" in cells[:cells.index("</tr>")] and "HTTP 503" not in cells[:cells.index("</tr>")]
    assert c.post(reverse("webhook-retry", args=["alpha", row.pk]), {"status": "<x>", "page": "2;"}).url == log


@pytest.mark.parametrize(("language", "stored", "says"), [
    ("zh-hans", "refused", "无法连接(连接被拒绝)"), ("en", "refused", "Could not connect (connection refused)"),
    ("zh-hans", "timeout", "超时"), ("en", "timeout", "Timed out"),
    ("zh-hans", "ConnectionRefusedError: [Errno 111] Connection refused", "无法连接(连接被拒绝)"),  # a row of before
])
def test_the_log_says_why_an_attempt_failed_in_the_readers_language(client, people, platform, language, stored, says):
    ep = WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/x", events=["case.opened"],
                                        created_by=people["officer"], created_at=NOW)
    WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=1, payload={},
                                   status="failed", attempts=8, last_error=stored, created_at=NOW, next_attempt_at=NOW)
    html = signed_in(client, people["officer"], language).get(reverse("webhook-deliveries", args=["alpha"])).content
    html = html.decode()
    assert says in html and "Errno" not in html and "ConnectionRefusedError" not in html
    assert 'id="endpoints-link"' in html and (">事件推送<" if language == "zh-hans" else ">Webhooks<") in html


def test_disable_enable_and_delete_from_the_page(client, people, platform):
    c = signed_in(client, people["officer"])
    ep = WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/x", events=["case.opened"],
                                        created_by=people["officer"], created_at=NOW)
    c.post(reverse("webhook-enable", args=["alpha", ep.pk]), {"enabled": "0"})
    ep.refresh_from_db()
    assert not ep.enabled
    assert 'data-enabled="0"' in c.get(reverse("webhook-list", args=["alpha"])).content.decode()
    c.post(reverse("webhook-enable", args=["alpha", ep.pk]), {"enabled": "1"})
    ep.refresh_from_db()
    assert ep.enabled
    c.post(reverse("webhook-delete", args=["alpha", ep.pk]))
    assert not WebhookEndpoint.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="webhook.").values_list("action", flat=True)) == [
        "webhook.disable", "webhook.enable", "webhook.delete"]


@pytest.mark.parametrize(("url", "says"), [
    ("ftp://hooks.example.cn/x", "接收地址必须以 http:// 或 https:// 开头。"),
    ("http://10.0.0.8/x", "接收地址指向内部网络或本机地址(10.0.0.8),不允许发送。"),
    ("", "请填写接收地址。"),
])
def test_a_refused_url_is_said_plainly_and_nothing_is_written(client, people, url, says, settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
    response = signed_in(client, people["officer"]).post(reverse("webhook-list", args=["alpha"]),
                                                         {"url": url, "events": ["case.opened"]})
    assert response.status_code == 400 and says in response.content.decode()
    assert not WebhookEndpoint.objects.exists() and not AuditEvent.objects.filter(action="webhook.create").exists()


def test_english_refusal(client, people):
    c, page = signed_in(client, people["officer"], "en"), reverse("webhook-list", args=["alpha"])
    assert "The endpoint URL must start with http:// or https://." in c.post(
        page, {"url": "ftp://x/", "events": ["case.opened"]}).content.decode()
    assert "Choose at least one event." in c.post(page, {"url": "http://127.0.0.1/x"}).content.decode()


def test_bad_text_writes_nothing_and_no_500(client, people):
    c = signed_in(client, people["officer"])
    for field, value in (("url", "http://127.0.0.1/\x00"), ("url", "<script>alert(1)</script>"),
                         ("description", "a\x00b"), ("url", "http://127.0.0.1/" + "x" * 70_000),
                         ("events", "nonsense")):
        data = {"url": "http://127.0.0.1:8080/x", "events": ["case.opened"], field: value}
        response = c.post(reverse("webhook-list", args=["alpha"]), data)
        assert response.status_code == 400, (field, value[:30])
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    huge = "9" * 25
    for name in ("webhook-enable", "webhook-delete", "webhook-retry"):
        url = reverse(name, args=["alpha", 1]).replace("/1/", f"/{huge}/")
        assert c.post(url).status_code == 404


PAGES = {"officer": 200, "staff": 403, "supervisor": 403, "auditor": 403, "stranger": 404}


@pytest.mark.parametrize(("who", "status"), PAGES.items())
def test_only_the_platforms_officer_sees_or_changes_its_webhooks(client, people, platform, who, status):
    ep = WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/x", events=["case.opened"],
                                        created_by=people["officer"], created_at=NOW)
    row = WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=1,
                                         payload={}, status="failed", created_at=NOW, next_attempt_at=NOW)
    c = signed_in(client, people[who])
    assert c.get(reverse("webhook-list", args=["alpha"])).status_code == status
    assert c.get(reverse("webhook-deliveries", args=["alpha"])).status_code == status
    refused = {200: 302}.get(status, status)
    assert c.post(reverse("webhook-retry", args=["alpha", row.pk])).status_code == refused
    assert c.post(reverse("webhook-enable", args=["alpha", ep.pk]), {"enabled": "0"}).status_code == refused
    assert c.post(reverse("webhook-delete", args=["alpha", ep.pk])).status_code == refused
    assert WebhookEndpoint.objects.exists() == (status != 200)
    links = c.get("/").content.decode() if status != 404 else ""
    assert (reverse("webhook-list", args=["alpha"]) in links) == (who == "officer")


def test_another_platforms_endpoint_is_404_to_an_officer_here(client, people, platform):
    beta = Platform.objects.get(slug="beta")
    theirs = WebhookEndpoint.objects.create(platform=beta, url="http://127.0.0.1:9/x", events=["case.opened"],
                                            created_by=people["stranger"], created_at=NOW)
    c = signed_in(client, people["officer"])
    assert c.post(reverse("webhook-delete", args=["alpha", theirs.pk])).status_code == 404
    assert c.post(reverse("webhook-delete", args=["beta", theirs.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(("language", "note"), [("zh-hans", "时间均为北京时间"), ("en", "All times are Beijing time (UTC+8)")])
def test_the_endpoints_page_names_the_zone_once_as_other_pages_do(client, people, platform, language, note):
    """QA: each row read "00:00(Beijing time (UTC+8))" in English: a Chinese bracket and nested ones."""
    WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/x", events=["case.opened"],
                                   created_by=people["officer"], created_at=NOW)
    html = signed_in(client, people["officer"], language).get(reverse("webhook-list", args=["alpha"])).content.decode()
    assert html.count(note) == 1 and "2026-11-02 09:00" in html
    assert "\uff08" not in html.split('id="endpoint-table"')[1].split("</table>")[0]
    assert "table-stack" in html.split('id="endpoint-table"')[0].rsplit("<table", 1)[1]  # a card per row on a phone
