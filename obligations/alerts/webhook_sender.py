"""Sending the webhook outbox (webhooks.py): one delivery at a time, never two sends of one.

`claim` takes the first delivery due (pending, its next attempt come, its endpoint enabled)
with FOR UPDATE SKIP LOCKED, counts the attempt and marks it claimed for LEASE, in a short
transaction of its own: no transaction stays open across the HTTP request. LEASE outlasts a
send task's hard time limit (tasks.MINUTE_TASK), so nobody else takes the row while its sender
may still be sending; a sender that died leaves it to be taken again after LEASE (so a receiver
may, rarely, get one delivery twice: the body's id and X-Pledge-Delivery tell it so).

A 2xx answer delivers it. Anything else (another code, a timeout, a refused connection, an
address no longer allowed) schedules the next attempt after PLEDGE_WEBHOOK_BACKOFF_SECONDS,
doubled after each failure (1, 2, 4, 8, 16, 32, 64 minutes by default), until
PLEDGE_WEBHOOK_MAX_ATTEMPTS, when it is failed; the officer may retry a failed one
(webhook_endpoints.delivery_retry). Redirects are not followed (a redirect could lead inside).
The connection goes to the address webhook_targets checked, the host named for TLS and Host."""

import http.client
import socket
import ssl
import time
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ..errors import DomainError
from ..models import WebhookDelivery
from . import webhook_targets
from .webhooks import SIGNATURE_HEADER, body_of, signature_header

LEASE = timedelta(seconds=120)
BUDGET_SECONDS = 30  # a send run claims no new delivery past this, well inside its task's time limit
USER_AGENT = "Pledge-Webhooks/1"
D = WebhookDelivery.Status


class _Pinned(http.client.HTTPConnection):
    """HTTP to the checked address (the Host header names the host)."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """HTTPS to the checked address, the certificate checked against the host's name."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return timedelta(seconds=settings.PLEDGE_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1))


def schedule() -> list[timedelta]:
    """The waits between attempts, as docs/webhooks.md lists them."""
    return [backoff(n) for n in range(1, settings.PLEDGE_WEBHOOK_MAX_ATTEMPTS)]


def claim(*, now) -> WebhookDelivery | None:
    with transaction.atomic():
        row = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("endpoint")
               .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), status=D.PENDING,
                       next_attempt_at__lte=now, endpoint__enabled=True)
               .order_by("next_attempt_at", "id").first())
        if row is None:
            return None
        row.attempts += 1
        row.claimed_until, row.last_attempt_at = now + LEASE, now
        row.save(update_fields=["attempts", "claimed_until", "last_attempt_at"])
        return row


def post(delivery: WebhookDelivery, *, now) -> int:
    """POST the delivery, signed; the response's status code (raises OSError, DomainError)."""
    target = webhook_targets.resolve(delivery.endpoint.url)
    body = body_of(delivery)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Pledge-Event": delivery.event, "X-Pledge-Delivery": str(delivery.pk),
               "X-Pledge-Attempt": str(delivery.attempts),
               SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, int(now.timestamp()), body)}
    connection = (_PinnedTLS if target.scheme == "https" else _Pinned)(target, settings.PLEDGE_WEBHOOK_TIMEOUT)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)  # what the receiver says is not kept
        return response.status
    finally:
        connection.close()


def settle(delivery: WebhookDelivery, *, code: int | None, error: str, now) -> str:
    """Record an attempt's outcome, if the claim is still this sender's. Returns the status."""
    if code is not None and 200 <= code < 300:
        status, fields = D.DELIVERED, {"delivered_at": now, "last_error": ""}
    elif delivery.attempts >= settings.PLEDGE_WEBHOOK_MAX_ATTEMPTS:
        status, fields = D.FAILED, {"last_error": error[:200]}
    else:
        status, fields = D.PENDING, {"last_error": error[:200], "next_attempt_at": now + backoff(delivery.attempts)}
    WebhookDelivery.objects.filter(pk=delivery.pk, claimed_until=delivery.claimed_until).update(
        status=status, claimed_until=None, last_status_code=code, **fields)
    return status


def reason(exc: Exception) -> str:
    """Why an attempt failed, as a code (WebhookDelivery.REASONS) the log shows in its reader's
    language: the worker's exception text (its language, its errno) is no reader's."""
    R = WebhookDelivery.Reason
    if isinstance(exc, DomainError):  # the address is no longer allowed
        return R.BLOCKED
    for kind, code in ((ConnectionRefusedError, R.REFUSED), (TimeoutError, R.TIMEOUT), (socket.gaierror, R.UNRESOLVED),
                       (ssl.SSLError, R.TLS), (ConnectionError, R.RESET), (http.client.HTTPException, R.BAD_ANSWER)):
        if isinstance(exc, kind):
            return code
    return R.NETWORK


def send_one(delivery: WebhookDelivery, *, now) -> str:
    code, error = None, ""
    try:
        code = post(delivery, now=now)
        if not 200 <= code < 300:
            error = WebhookDelivery.Reason.HTTP
    except (DomainError, OSError, http.client.HTTPException) as exc:  # refused, timed out, reset, TLS, a bad answer
        error = reason(exc)
    return settle(delivery, code=code, error=error, now=now)


class Sent(NamedTuple):
    """A send run's figures: attempts made (each a POST, or an address refused) and deliveries delivered."""

    attempts: int
    delivered: int


def webhooks_send(*, now, budget: float = BUDGET_SECONDS) -> Sent:
    """Send the deliveries due, one at a time, until none is left or the budget is spent."""
    attempts, delivered, started = 0, 0, time.monotonic()
    while time.monotonic() - started < budget:
        delivery = claim(now=now)
        if delivery is None:
            break
        attempts += 1
        delivered += send_one(delivery, now=now) == D.DELIVERED
    return Sent(attempts, delivered)
