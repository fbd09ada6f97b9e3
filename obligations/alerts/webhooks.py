"""Outbound webhooks as an outbox: an event becomes one row per endpoint that chose it
(models.WebhookDelivery, unique per endpoint, event and object), and the worker sends the rows
(webhook_sender.py). So an event is recorded exactly once whoever records it, however often.

A case opened, a review sealed and evidence found changed are recorded by `record`, in the
transaction of the change (cases/services.py, oversight/reviews.py, evidence_notices.py). A
task marked missed is the close-out's (work/sweeps.py, which stands before this package), so
`webhooks_plan` finds the tasks missed lately (missed_at, within PLEDGE_WEBHOOK_LOOKBACK_HOURS
and not before the endpoint was made) that an endpoint has no row for yet: a task's miss, or a
case clock's breach. Run twice, or by two workers at once, it writes each row once (the unique
constraint, ON CONFLICT DO NOTHING).

Each payload names the event, its platform, the object's ids, every time in UTC (ISO 8601,
"Z") and in the platform's local time with its zone named, and a link to the page
(docs/webhooks.md). It holds no personal information (no complainant's name, contact or
words). Deliveries are signed with HMAC-SHA256 over "<timestamp>.<body>" (`signature_header`)."""

import hashlib
import hmac
import json
from collections import defaultdict
from datetime import UTC, timedelta

from django.conf import settings

from ..links import absolute_url
from ..models import Case, Evidence, Occurrence, Review, WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..schedule.local_time import local_iso

E = WebhookEvent
MISSED_EVENTS = (E.TASK_MISSED, E.CLOCK_BREACHED)
SIGNATURE_HEADER = "X-Pledge-Signature"
TOLERANCE_SECONDS = 300  # how old a signed timestamp a receiver should accept (replay)


def when(value, tz) -> dict | None:
    """An instant in UTC and in the platform's local time, the zone named."""
    if value is None:
        return None
    return {"utc": value.astimezone(UTC).isoformat().replace("+00:00", "Z"), "local": local_iso(value, tz),
            "zone": str(getattr(tz, "key", tz))}


def _envelope(event, platform, now, data: dict, link: str) -> dict:
    return {"event": str(event), "occurred_at": when(now, platform.tz),
            "platform": {"id": platform.pk, "slug": platform.slug, "name": platform.name, "timezone": platform.timezone},
            "data": data, "link": link}


def _task(occ: Occurrence) -> dict:
    tz = occ.platform.tz
    return {"id": occ.pk, "obligation": occ.obligation.key, "title": occ.obligation.title,
            "clause": occ.clause.number, "sequence": occ.sequence, "state": occ.state,
            "period_start": when(occ.period_start, tz), "due_at": when(occ.due_at, tz),
            "missed_at": when(occ.missed_at, tz)}


def _case(case: Case) -> dict:
    return {"id": case.pk, "number": case.number, "kind": case.kind, "severity": case.severity,
            "channel": case.channel, "received_at": when(case.received_at, case.platform.tz)}


def missed_payload(occ: Occurrence) -> tuple[str, dict]:
    """A task missed, or a case clock breached (a clock is a task of a case)."""
    if occ.case_id:
        data = {"task": _task(occ), "step": occ.step, "case": _case(occ.case)}
        return E.CLOCK_BREACHED, _envelope(E.CLOCK_BREACHED, occ.platform, occ.missed_at, data,
                                           absolute_url("case-detail", occ.case_id))
    return E.TASK_MISSED, _envelope(E.TASK_MISSED, occ.platform, occ.missed_at, {"task": _task(occ)},
                                    absolute_url("occurrence-detail", occ.pk))


def case_payload(case: Case, clocks, now) -> dict:
    tz = case.platform.tz
    data = {"case": _case(case), "clocks": [{"id": c.pk, "step": c.step, "due_at": when(c.due_at, tz)} for c in clocks]}
    return _envelope(E.CASE_OPENED, case.platform, now, data, absolute_url("case-detail", case.pk))


def review_payload(review: Review, now) -> dict:
    tz = review.platform.tz
    data = {"review": {"id": review.pk, "year": review.year, "quarter": review.quarter, "label": review.label,
                       "period_start": when(review.period_start, tz), "period_end": when(review.period_end, tz),
                       "closed_at": when(review.closed_at, tz), "seal": review.seal}}
    return _envelope(E.REVIEW_SEALED, review.platform, now, data, absolute_url("review-detail", review.pk))


def evidence_payload(evidence: Evidence, found: str | None, now) -> dict:
    tz = evidence.platform.tz
    data = {"evidence": {"id": evidence.pk, "task": evidence.occurrence_id, "name": evidence.original_name,
                         "uploaded_at": when(evidence.uploaded_at, tz), "sha256": evidence.sha256,
                         "found_sha256": found, "missing": found is None}}
    return _envelope(E.EVIDENCE_MISMATCH, evidence.platform, now, data,
                     absolute_url("occurrence-detail", evidence.occurrence_id))


def _rows(endpoints, event, subject_id, payload, now) -> list[WebhookDelivery]:
    return [WebhookDelivery(endpoint=e, platform_id=e.platform_id, event=event, subject_id=subject_id,
                            payload=payload, created_at=now, next_attempt_at=now)
            for e in endpoints if event in e.events]


def record(event, *, platform_id: int, subject_id: int, payload, now) -> int:
    """Write the event's row for each enabled endpoint of the platform that chose it, in the
    caller's transaction; `payload` is a callable, called only when some endpoint wants it.
    A row written already (the same event recorded twice) is left as it is."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(platform_id=platform_id, enabled=True) if event in e.events]
    if not endpoints:
        return 0
    rows = _rows(endpoints, event, subject_id, payload(), now)
    return len(WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True))


def webhooks_plan(*, now) -> int:
    """Record the tasks missed and the case clocks breached lately that an endpoint wanting
    them has no row for yet. Returns the rows offered (conflicts with a concurrent sweep
    write nothing)."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(enabled=True) if set(e.events) & set(MISSED_EVENTS)]
    if not endpoints:
        return 0
    by_platform = defaultdict(list)
    for e in endpoints:
        by_platform[e.platform_id].append(e)
    since = now - timedelta(hours=settings.PLEDGE_WEBHOOK_LOOKBACK_HOURS)
    found = list(Occurrence.objects.filter(platform_id__in=list(by_platform), missed_at__gt=since, missed_at__lte=now)
                 .values_list("id", "platform_id", "case_id", "missed_at"))
    if not found:
        return 0
    had = set(WebhookDelivery.objects.filter(endpoint__in=endpoints, event__in=MISSED_EVENTS,
                                             subject_id__in=[pk for pk, *_rest in found])
              .values_list("endpoint_id", "subject_id"))
    owed = defaultdict(list)  # occurrence id -> the endpoints owed its event
    for pk, platform_id, case_id, missed_at in found:
        event = E.CLOCK_BREACHED if case_id else E.TASK_MISSED
        for e in by_platform[platform_id]:
            if event in e.events and missed_at >= e.created_at and (e.pk, pk) not in had:
                owed[pk].append(e)
    if not owed:
        return 0
    rows = []
    for occ in Occurrence.objects.filter(pk__in=list(owed)).select_related("obligation", "clause", "platform",
                                                                            "case__platform"):
        event, payload = missed_payload(occ)
        rows += _rows(owed[occ.pk], event, occ.pk, payload, now)
    return len(WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True))


def body_of(delivery: WebhookDelivery) -> bytes:
    """What is posted: the payload with the delivery's id (a receiver's key against a repeat)."""
    return json.dumps({"id": delivery.pk, **delivery.payload}, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (docs/webhooks.md): the header's timestamp is recent and one of its
    v1 signatures matches."""
    parts = [p.split("=", 1) for p in (header or "").split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature(secret, int(stamps[0]), body)
    return any(k.strip() == "v1" and hmac.compare_digest(v, expected) for k, v in parts)
