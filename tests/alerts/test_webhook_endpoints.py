"""An officer's endpoints: registered with a checked URL and a fresh secret, disabled, enabled,
deleted, a failed delivery retried; each change audited, never with the secret."""

import json
from datetime import timedelta

import pytest

from obligations.alerts.webhook_endpoints import delivery_retry, endpoint_create, endpoint_delete, endpoint_enable
from obligations.errors import DomainError
from obligations.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.conftest import SIGNED_AT

NOW = SIGNED_AT


@pytest.fixture(autouse=True)
def _local(settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = True


def make(platform, officer, **kw):
    args = {"url": "http://127.0.0.1:8080/hook", "events": ["case.opened", "task.missed"], "description": "运维"}
    return endpoint_create(platform=platform, user=officer, now=NOW, **{**args, **kw})


def audits(action):
    return list(AuditEvent.objects.filter(action=action))


def test_an_endpoint_is_made_with_a_secret_of_its_own_and_audited_without_it(platform, officer):
    one, two = make(platform, officer), make(platform, officer, events=["review.sealed", "nonsense"])
    assert one.secret.startswith("whsec_") and len(one.secret) > 40 and one.secret != two.secret
    assert one.events == ["task.missed", "case.opened"] and two.events == ["review.sealed"]
    assert (one.enabled, one.created_by, one.created_at, one.description) == (True, officer, NOW, "运维")
    [record, _] = audits("webhook.create")
    assert record.data == {"url": "http://127.0.0.1:8080/hook", "events": ["task.missed", "case.opened"]}
    assert record.actor == officer and record.platform == platform
    assert one.secret not in json.dumps([a.data for a in AuditEvent.objects.all()])


@pytest.mark.parametrize(("kw", "field"), [({"events": []}, "events"), ({"url": "gopher://x/"}, "url")])
def test_a_bad_endpoint_is_refused_and_nothing_written(platform, officer, kw, field):
    with pytest.raises(DomainError) as refused:
        make(platform, officer, **kw)
    assert refused.value.field == field
    assert not WebhookEndpoint.objects.exists() and not audits("webhook.create")


def test_an_internal_address_is_refused_unless_the_setting_allows_it(platform, officer, settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(DomainError, match="内部网络或本机"):
        make(platform, officer)


def test_disabling_enabling_and_deleting_are_audited_once_each(platform, officer):
    ep = make(platform, officer)
    endpoint_enable(endpoint=ep, enabled=False, user=officer, now=NOW)
    endpoint_enable(endpoint=ep, enabled=False, user=officer, now=NOW)  # no change: no record
    endpoint_enable(endpoint=ep, enabled=True, user=officer, now=NOW)
    assert len(audits("webhook.disable")) == len(audits("webhook.enable")) == 1
    WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=1, payload={},
                                   created_at=NOW, next_attempt_at=NOW)
    pk = ep.pk
    endpoint_delete(endpoint=ep, user=officer, now=NOW)
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    [record] = audits("webhook.delete")
    assert record.data["deliveries"] == 1 and record.object_id == str(pk)


def test_only_a_failed_delivery_is_retried_with_a_fresh_count(platform, officer):
    ep = make(platform, officer)
    row = WebhookDelivery.objects.create(endpoint=ep, platform=platform, event="case.opened", subject_id=1,
                                         payload={}, created_at=NOW, next_attempt_at=NOW, status="failed",
                                         attempts=8, last_status_code=500)
    later = NOW + timedelta(hours=3)
    row = delivery_retry(delivery=row, user=officer, now=later)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, later)
    [record] = audits("webhook.retry")
    assert record.data["attempts"] == 8 and record.data["code"] == 500 and record.actor == officer
    with pytest.raises(DomainError, match="只有发送失败"):
        delivery_retry(delivery=row, user=officer, now=later)
