"""Retention: evidence past its keep-until date is disposed of only with the officer's
approval. A daily sweep lists it (an EvidenceDisposal row per file, once); the officer
approves on /platforms/<slug>/retention/; only then is the file removed from storage.
The Evidence row stays, with its SHA-256, size and type (the database refuses to change
it), so the record of what was proven outlives the file. Every step is audited."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..models import Evidence, EvidenceDisposal
from ..models.evidence import evidence_storage
from ..trust.audit import audit_record


def retention_list(*, now: datetime) -> int:
    """List the evidence past its keep-until date that is not listed yet, in one
    INSERT … SELECT … ON CONFLICT DO NOTHING. Returns the files newly listed. Removes nothing."""
    today = timezone.localdate(now)
    disposal, evidence = EvidenceDisposal._meta.db_table, Evidence._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {disposal} (evidence_id, platform_id, listed_at) "  # nosec B608 - table and column names from the model, values as parameters
            f"SELECT e.id, e.platform_id, %s FROM {evidence} e WHERE e.keep_until < %s "
            f"AND NOT EXISTS (SELECT 1 FROM {disposal} d WHERE d.evidence_id = e.id) "
            "ON CONFLICT DO NOTHING",
            [connection.ops.adapt_datetimefield_value(now), connection.ops.adapt_datefield_value(today)],
        )
        listed = cursor.rowcount
        if listed:
            audit_record(at=now, action="retention.list", data={"listed": listed})
    return listed


def retention_pending(platform):
    """The files listed for disposal that wait for the officer's approval."""
    return (EvidenceDisposal.objects.filter(platform=platform, approved_at__isnull=True)
            .select_related("evidence", "evidence__occurrence__obligation", "evidence__uploaded_by"))


def retention_disposed(platform):
    return (EvidenceDisposal.objects.filter(platform=platform, approved_at__isnull=False)
            .select_related("evidence", "approved_by").order_by("-approved_at", "-id"))


def retention_approve(*, platform, user, ids, now: datetime) -> int:
    """The officer approves the disposal of listed files (the caller checked the role);
    the files are removed once the approval is committed. Returns the files approved."""
    today = timezone.localdate(now)
    with transaction.atomic():
        approved = list(EvidenceDisposal.objects.select_for_update()
                        .filter(platform=platform, pk__in=ids, approved_at__isnull=True,
                                evidence__keep_until__lt=today)
                        .values_list("pk", "evidence_id"))
        if not approved:
            return 0
        EvidenceDisposal.objects.filter(pk__in=[pk for pk, _e in approved], approved_at__isnull=True).update(
            approved_by=user, approved_at=now)
        audit_record(at=now, action="evidence.dispose.approve", actor=user, platform=platform,
                     data={"evidence": sorted(e for _pk, e in approved)})
        transaction.on_commit(lambda: retention_remove_approved(now=now, platform=platform))
    return len(approved)


def retention_remove_approved(*, now: datetime, platform=None) -> int:
    """Remove the files whose disposal was approved and that are still stored (the
    daily sweep retries what a storage failure left). Returns the files removed."""
    pending = EvidenceDisposal.objects.filter(approved_at__isnull=False, file_removed_at__isnull=True)
    if platform is not None:
        pending = pending.filter(platform=platform)
    storage, removed = evidence_storage(), []
    for disposal in pending.select_related("evidence"):
        storage.delete(disposal.evidence.file.name)  # a missing file is no error: removal is idempotent
        if EvidenceDisposal.objects.filter(pk=disposal.pk, file_removed_at__isnull=True).update(file_removed_at=now):
            removed.append(disposal)
    for platform_id in {d.platform_id for d in removed}:
        mine = [d for d in removed if d.platform_id == platform_id]
        audit_record(at=now, action="evidence.dispose", platform=mine[0].platform, data={
            "evidence": [d.evidence_id for d in mine],
            "sha256": {str(d.evidence_id): d.evidence.sha256 for d in mine},
            "approved_by": sorted({d.approved_by_id for d in mine}),
        })
    return len(removed)


def disposal_of(evidence: Evidence) -> EvidenceDisposal | None:
    """The approved disposal of a file, if any: its file is gone or going."""
    return EvidenceDisposal.objects.filter(evidence=evidence, approved_at__isnull=False).select_related(
        "approved_by").first()
