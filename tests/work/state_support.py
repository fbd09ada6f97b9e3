"""Tasks put in a state for a test's figures, through the doors the database leaves open
(migration 0014): a missed task has its missed_at, a done one its live completion, a
waived one its reason and a waiver on record. Not through the services: a figure test
needs hundreds of tasks in chosen states at once, not their rules (which tests/work tests)."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F

from obligations.models import Completion, Occurrence, Platform
from obligations.trust.audit import audit_record

LATE_BY = timedelta(hours=1)
WAIVED_AT = datetime(2026, 11, 1, tzinfo=UTC)  # any time: the record only has to name the tasks


def put_in_state(ids, state: str, *, completed_by=None, completed_at=None, reason: str = "test") -> None:
    """Open tasks `ids` become `state` (done and done late: completed by `completed_by`, or
    the first user, at `completed_at`, or at their due time, an hour after it when late)."""
    ids = list(ids)
    rows = Occurrence.objects.filter(pk__in=ids)
    if state == Occurrence.State.MISSED:
        rows.update(state=state, missed_at=F("close_at"), state_changed_at=F("close_at"))
    elif state == Occurrence.State.WAIVED:
        per_platform = defaultdict(list)
        for pk, platform_id in rows.values_list("pk", "platform_id"):
            per_platform[platform_id].append(pk)
        for platform_id, pks in per_platform.items():
            platform = Platform.objects.get(pk=platform_id)
            audit_record(at=WAIVED_AT, action="occurrences.waive", data={"occurrences": pks, "reason": reason},
                         platform=platform)
        rows.update(state=state, waived_reason=reason)
    elif state in (Occurrence.State.DONE, Occurrence.State.DONE_LATE):
        user = completed_by or get_user_model().objects.order_by("pk").first()
        late = state == Occurrence.State.DONE_LATE
        due = dict(rows.values_list("pk", "due_at"))
        Completion.objects.bulk_create(
            Completion(occurrence_id=pk, user=user, late=late,
                       completed_at=completed_at or (due_at + LATE_BY if late else due_at))
            for pk, due_at in due.items())
        rows.update(state=state, completed_by=user,
                    completed_at=completed_at or (F("due_at") + LATE_BY if late else F("due_at")))
