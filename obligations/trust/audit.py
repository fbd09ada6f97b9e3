"""The audit trail: every state change appends a hash-chained record."""

from django.db import connection, transaction

from ..models import AuditEvent

GENESIS = "0" * 64


def audit_record(*, at, action, obj=None, actor=None, platform=None, data=None) -> AuditEvent:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise writers so the chain stays a chain (SQLite writes are serial anyway).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('pledge-audit-chain'))")
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            at=at,
            platform=platform,
            actor=actor,
            action=action,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=data or {},
            prev_hash=last or GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
        return event


def audit_verify() -> int | None:
    """The id of the first record whose hash or link does not hold, or None if intact."""
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.prev_hash != prev or event.compute_hash() != event.hash:
            return event.pk
        prev = event.hash
    return None
