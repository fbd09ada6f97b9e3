"""Planning reminders and escalations, as an outbox. Every message is written in
its recipient's language (trust/preferences.py), its links absolute (links.py).

`notifications_plan` plans each (task, kind) once: a task carries a bit per kind told
(told.py), set in the transaction that writes its messages, and only tasks whose bit is unset
are candidates. Its lead-time and threshold tests run in SQL, and only on occurrences somebody
would hear of: a platform without a supervisor has no group escalation to plan, so its overdue
tasks are not reloaded every minute. The candidates of every kind are read once per plan, in
one statement (into DUE); tasks whose escalations are both told leave the partial index of
escalations, and tasks told of both reminders that of reminders. And they are read only once
the wake has come (wake.py: the earliest instant an untold task can become due a message,
lowered by the database whenever a write may bring one sooner): a minute before it reads one
row of a tiny table and plans nothing.

A message due within PLEDGE_CATCH_UP_MINUTES is worded in Python (once per language) and
written to be mailed alone (one row per recipient, unique per occurrence, kind and recipient).
An older one (beat or the workers were down) gets no row: catch_up.fold counts and names it in
its person's one catch-up of the day, in the transaction that marks its task told, a
transaction per PLEDGE_PLAN_BATCH platforms. So planning is exactly once whatever stops it: a
kill, a time limit or a restart leaves each notice either in the message that carries it, or
still to plan, and the next plan does the rest; and after a long outage it writes a row per
person, not per missed task. Who is owed each late notice is found in SQL, and the lines a
catch-up names are worded in SQL too (late_rows.py), so planning costs a few statements per
batch, not a statement or a wording per person or task.

A message's words are in messages.py (a case's clock named by its case and step); the notices
of a new case in case_notices.py; the daily digest in digest.py; sending the outbox in
sending.py. This module offers them all, as it always has.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import translation

from ..models import Notification, Occurrence, Role
from ..trust import access
from ..trust.preferences import languages_of
from . import late_rows, told, wake
from .candidates import (  # noqa: F401 - the rules, as this module has always offered them
    LOOKBACK,
    candidate_querysets,
    group_due,
    moment,
    officer_threshold,
    pairs_sql,
    reminder_lead,
)
from .catch_up import OWED, create_owed, fold
from .digest import notifications_digest
from .messages import message, task_name, templates  # noqa: F401 - offered here, as always
from .outbox import insert_notifications, json_rows, placeholders
from .sending import (  # noqa: F401 - offered here, as always
    claim,
    deliver,
    mark_sent,
    notifications_cancel,
    notifications_release,
    notifications_send,
    send_batch,
)

DUE = "pledge_due"  # the temporary table of one plan's candidates: (kind, occurrence_id, platform_id, late)
SQL_WORDING = True  # catch-up lines of calendar tasks worded in SQL on PostgreSQL (late_rows.py); tests compare it off


def _load(queryset) -> list[Occurrence]:
    return list(queryset.select_related("obligation", "platform", "clause", "case"))


def plan_candidates(*, now) -> dict:
    """Per kind, the occurrences due a message now that nobody got yet, loaded."""
    return {kind: _load(queryset) for kind, queryset in candidate_querysets(now=now).items()}


def notifications_plan(*, now, digests: bool = True) -> int:
    """Add the notifications that are due now (and the daily digest, unless the digest runs
    on its own). A message due within PLEDGE_CATCH_UP_MINUTES is written to be mailed alone;
    older ones (downtime) are counted and named in their person's catch-up (catch_up.py), a
    transaction per PLEDGE_PLAN_BATCH platforms: a plan cut short keeps the batches it
    finished, and the next plan, finding their tasks told, does the rest. The candidates are
    read once, into DUE, and only once the wake has come (wake.py): a minute before it reads
    one row and plans nothing. Returns the rows really written and the late notices folded
    into catch-ups."""
    created = 0
    if not wake.asleep(now):
        created = _plan(now)
        wake.settle(now)
    return created + (notifications_digest(now=now) if digests else 0)


def _plan(now) -> int:
    stale_before = now - timedelta(minutes=settings.PLEDGE_CATCH_UP_MINUTES)
    created = 0
    if _read_due(candidate_querysets(now=now), stale_before):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT kind, occurrence_id FROM {DUE} WHERE late = 0")  # nosec B608 - names from the code
            fresh = cursor.fetchall()
        if fresh:
            occs = {o.pk: o for o in _load(Occurrence.objects.filter(pk__in={pk for _kind, pk in fresh}))}
            plans = defaultdict(list)
            for kind, pk in sorted((row for row in fresh if row[1] in occs), key=lambda row: (occs[row[1]].due_at, row[1])):
                plans[kind].append(occs[pk])
            created += _plan_fresh(plans, now)
        created += _plan_due_late(now)
    _drop_due()
    return created


def _read_due(querysets: dict, stale_before) -> bool:
    """Fill DUE with the candidates (kind, occurrence_id, platform_id, late: due before
    `stale_before`, for the catch-up; every one if None). Returns whether there are any."""
    late = Value(1) if stale_before is None else Case(When(moment__lt=stale_before, then=Value(1)), default=Value(0))
    marked = {kind: q.alias(late=late) for kind, q in querysets.items()}
    sql, params = pairs_sql(marked, extra=("platform_id", "late"))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DUE}")  # nosec B608 - names from the code
        cursor.execute(f"CREATE TEMP TABLE {DUE} AS {sql}", params)  # nosec B608 - compiled by the ORM
        if connection.vendor == "postgresql" and not cursor.rowcount:
            return False
        told.analyze(cursor, DUE)
    return True


def _drop_due() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {DUE}")  # nosec B608 - names from the code


def _plan_fresh(plans: dict, now) -> int:
    """Write the messages due now, each task's kind marked told in the same transaction; a
    task another planner told meanwhile is left to it."""
    rows = _worded(plans)
    if not rows:
        return 0
    pairs, params = json_rows([{"kind": kind, "occurrence_id": occ.pk} for kind, occs in plans.items()
                               for occ in occs], ("kind", "occurrence_id"))
    with transaction.atomic(), connection.cursor() as cursor:
        told.claim(cursor, f"SELECT r.kind, r.occurrence_id FROM {pairs}", params)  # nosec B608 - names from the code
        cursor.execute(f"SELECT kind, occurrence_id FROM {told.TOLD}")  # nosec B608 - names from the code
        mine = set(cursor.fetchall())
        told.drop(cursor)
        return len(insert_notifications([Notification(**row, created_at=now) for row in rows
                                         if (row["kind"], row["occurrence_id"]) in mine]))


def _worded(plans: dict) -> list[dict]:
    """The rows of the planned messages, each written in its recipient's language
    (trust/preferences.py): a message is worded once per language, not once per person."""
    K = Notification.Kind
    everyone = [o for occs in plans.values() for o in occs]
    if not everyone:
        return []
    recipients = access.Doers(everyone)
    planned = []
    for kind, occs in plans.items():
        for occ in occs:
            users = {K.ESCALATE_OFFICER: lambda o: recipients.role(o, Role.OFFICER),
                     K.ESCALATE_GROUP: lambda o: recipients.role(o, Role.SUPERVISOR)}.get(kind, recipients.doers)(occ)
            planned.append((kind, occ, users))
    languages = languages_of({u for _kind, _occ, users in planned for u in users})
    worded, rows = {}, []
    for kind, occ, users in planned:
        for u in users:
            key = (kind, occ.pk, languages[u])
            if key not in worded:
                with translation.override(languages[u]):
                    worded[key] = message(kind, occ)
            subject, body = worded[key]
            rows.append({"recipient_id": u, "kind": kind, "occurrence_id": occ.pk, "subject": subject, "body": body})
    return rows


def _plan_late(late: dict, now) -> int:
    """Plan `late` (per kind, candidates all due long ago) as notifications_plan plans the late ones."""
    _read_due(late, None)
    written = _plan_due_late(now)
    _drop_due()
    return written


def _plan_due_late(now) -> int:
    """Mark the late candidates in DUE told and fold them into catch-ups, a transaction per
    batch of platforms: their people found in SQL, the lines a catch-up names worded in SQL on
    PostgreSQL (late_rows.py), in Python for a case's clock and on SQLite. A candidate told,
    done or waived since it was read is dropped by the claim."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT platform_id FROM {DUE} WHERE late = 1 ORDER BY platform_id")  # nosec B608 - names from the code
        ids = [pk for (pk,) in cursor.fetchall()]
    written, step = 0, settings.PLEDGE_PLAN_BATCH
    for i in range(0, len(ids), step):
        batch = ids[i:i + step]
        with transaction.atomic(), connection.cursor() as cursor:
            if told.claim(cursor, f"SELECT kind, occurrence_id FROM {DUE} "  # nosec B608 - names from the code
                          f"WHERE late = 1 AND platform_id IN ({placeholders(batch)})", batch):
                create_owed(cursor)
                recipients, params = late_rows.recipients_sql(told.TOLD)
                cursor.execute(f"INSERT INTO {OWED} (recipient_id, kind, occurrence_id, due_at) {recipients}",  # nosec B608 - names from the code
                               params)
                told.analyze(cursor, OWED)
                written += fold(cursor, now, _lines)
                cursor.execute(f"DROP TABLE {OWED}")  # nosec B608 - names from the code
            told.drop(cursor)
    return written


def _lines(owed: list[tuple]) -> dict:
    """The line a catch-up names each (recipient_id, kind, occurrence_id) by: its message's
    subject, in the recipient's language; worded in SQL for calendar tasks on PostgreSQL."""
    texts = {}
    if SQL_WORDING and connection.vendor == "postgresql" and owed:
        source, params = json_rows([dict(zip(("recipient_id", "kind", "occurrence_id"), row, strict=True))
                                    for row in owed], ("recipient_id", "kind", "occurrence_id"))
        sql, params = late_rows.lines_sql(f"SELECT r.recipient_id, r.kind, r.occurrence_id FROM {source}",  # nosec B608 - names from the code
                                          params, templates())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            texts = {(user_id, kind, pk): line for user_id, kind, pk, line in cursor.fetchall()}
    rest = [row for row in owed if row not in texts]
    if rest:
        occs = {o.pk: o for o in _load(Occurrence.objects.filter(pk__in={pk for _u, _k, pk in rest}))}
        languages, worded = languages_of({user_id for user_id, _k, _pk in rest}), {}
        for user_id, kind, pk in rest:
            key = (kind, pk, languages[user_id])
            if key not in worded:
                with translation.override(languages[user_id]):
                    worded[key] = message(kind, occs[pk])[0]
            texts[(user_id, kind, pk)] = worded[key]
    return texts


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, sent_at__isnull=False, read_at__isnull=True).count()
