"""A platform's webhook endpoints as its officer keeps them: registered (the URL checked by
webhook_targets, the signing secret made here and shown once), disabled and enabled again,
deleted (with their deliveries), and a failed delivery retried. Every change writes an audit
record; none holds the secret."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..trust.audit import audit_record
from .webhook_targets import clean_url

MAX_PER_PLATFORM = 20


def _events(events) -> list[str]:
    chosen = [e for e in WebhookEvent.values if e in set(events or ())]
    if not chosen:
        raise DomainError(_("请至少选择一个事件。"), field="events")
    return chosen


@transaction.atomic
def endpoint_create(*, platform, url: str, events, description: str, user, now) -> WebhookEndpoint:
    """A new endpoint, enabled; its `secret` is read once by the page that shows it."""
    url, chosen = clean_url(url), _events(events)
    if WebhookEndpoint.objects.filter(platform=platform).count() >= MAX_PER_PLATFORM:
        raise DomainError(_("每个平台最多 %(max)d 个接收地址。") % {"max": MAX_PER_PLATFORM})
    endpoint = WebhookEndpoint.objects.create(platform=platform, url=url, events=chosen,
                                              description=(description or "").strip()[:200],
                                              created_by=user, created_at=now)
    audit_record(at=now, action="webhook.create", obj=endpoint, actor=user, platform=platform,
                 data={"url": url, "events": chosen})
    return endpoint


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, enabled: bool, user, now) -> WebhookEndpoint:
    """Disabled, it hears of no new event and its pending deliveries wait; enabled again, they go."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.enabled != enabled:
        endpoint.enabled = enabled
        endpoint.save(update_fields=["enabled"])
        audit_record(at=now, action="webhook.enable" if enabled else "webhook.disable", obj=endpoint, actor=user,
                     platform=endpoint.platform, data={"url": endpoint.url})
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, user, now) -> None:
    deliveries = endpoint.deliveries.count()
    audit_record(at=now, action="webhook.delete", obj=endpoint, actor=user, platform=endpoint.platform,
                 data={"url": endpoint.url, "events": endpoint.events, "deliveries": deliveries})
    endpoint.delete()


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, user, now) -> WebhookDelivery:
    """A failed delivery tried again now, with a fresh count of attempts (the log reads it as requeued)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != WebhookDelivery.Status.FAILED:
        raise DomainError(_("只有发送失败的投递可以重试。"))
    audit_record(at=now, action="webhook.retry", obj=delivery, actor=user, platform=delivery.platform,
                 data={"event": delivery.event, "url": delivery.endpoint.url, "attempts": delivery.attempts,
                       "code": delivery.last_status_code, "error": delivery.error_text()})
    # The failed round's outcome stays in the audit record; the row reads as queued again, not
    # as "0 attempts" beside the old error.
    delivery.status, delivery.attempts, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, 0, now
    delivery.claimed_until, delivery.last_status_code, delivery.last_error = None, None, ""
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until", "last_status_code",
                                 "last_error"])
    return delivery
