"""Reminders, escalations and the daily digest, as an outbox. Every message is written in
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

A message about a case's clock names the case and the step (`task_name`); the notices of
a new case are in case_notices.py.

`notifications_send` claims unsent rows with one set-based UPDATE … RETURNING per batch
(locked rows skipped) and marks the delivered ones sent with another. A claim whose
worker died is retried once after PLEDGE_SEND_RETRY_MINUTES, marked as a repeat: a
message goes out at most twice. A mail server error releases the unsent rest of the
batch and raises, so the Celery task retries with backoff. Besides email, a row goes to its
platform's group robots and its person's SMS, each at most once (deliveries.py).
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..letters.presentation import deadline_phrase
from ..links import absolute_url
from ..models import Membership, Notification, Occurrence, Role
from ..schedule.local_time import zoned
from ..schedule.periods import PeriodKind, period_containing
from ..trust import access
from ..trust.audit_head import audit_head
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
from .deliveries import Routes
from .outbox import insert_notifications, json_rows

DUE = "pledge_due"  # the temporary table of one plan's candidates: (kind, occurrence_id, platform_id, late)
SQL_WORDING = True  # catch-up lines of calendar tasks worded in SQL on PostgreSQL (late_rows.py); tests compare it off


def _when(occ):
    """A task's due time as a message says it: local to its platform, the zone named."""
    return zoned(occ.due_at, occ.platform.tz, year=False)


def task_name(occ) -> str:
    """A task as a message names it: a case's clock by its case and step (投诉举报
    TS-2026-000012 · 24小时内响应), any other by its title (#n when several a period)."""
    ob = occ.obligation
    if occ.deadline:
        case = occ.case
        return _("%(kind)s %(number)s · %(step)s") % {
            "kind": case.get_kind_display(), "number": case.number, "step": deadline_phrase(occ.deadline, case.severity)}
    return ob.title + (f" #{occ.sequence}" if ob.count > 1 else "")


def _subject_format(kind) -> str:
    return {
        Notification.Kind.OPENED: _("任务已开始:%(name)s,%(due)s 到期"),
        Notification.Kind.DUE_SOON: _("即将到期:%(name)s,%(due)s 到期"),
        Notification.Kind.ESCALATE_OFFICER: _("逾期未完成:%(name)s(%(due)s 到期)"),
        Notification.Kind.ESCALATE_GROUP: _("监督小组关注:%(name)s 未按期完成(%(due)s 到期)"),
    }[kind]


def _body_format() -> str:
    return _("%(platform)s · 条款 %(clause)s\n%(subject)s\n详情:%(link)s")


def _message(kind, occ):
    subject = _subject_format(kind) % {"name": task_name(occ), "due": _when(occ)}
    body = _body_format() % {
        "platform": occ.platform.name, "clause": occ.clause.number, "subject": subject,
        "link": absolute_url("occurrence-detail", occ.pk)}  # mail apps open only absolute links
    if occ.case_id:
        body += "\n" + _("案件:%(link)s") % {"link": absolute_url("case-detail", occ.case_id)}
    return subject, body


def _templates() -> list[dict]:
    """Each kind's subject per language, markers where late_rows.py puts a task's own words."""
    rows = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            due = _("%(time)s(%(zone)s)") % {"time": late_rows.TIME, "zone": late_rows.ZONE}
            for kind in (*late_rows.REMINDERS, *late_rows.ESCALATIONS):
                rows.append({"kind": kind, "language": language, "beijing": _("北京时间"),
                             "template": _subject_format(kind) % {"name": late_rows.NAME, "due": due}})
    return rows


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
                    worded[key] = _message(kind, occ)
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
                          f"WHERE late = 1 AND platform_id IN ({_in(batch)})", batch):
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
                                          params, _templates())
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
                    worded[key] = _message(kind, occs[pk])[0]
            texts[(user_id, kind, pk)] = worded[key]
    return texts


def notifications_digest(*, now) -> int:
    """One digest a day per person with open tasks due today or overdue, after the digest hour."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    if local.hour < settings.PLEDGE_DIGEST_HOUR:
        return 0
    today = period_containing(PeriodKind.DAILY, now, tz)
    if Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today.start_date).exists():
        return 0
    occs = list(Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__gt=now - timedelta(days=7),
                                          due_at__lte=today.end).select_related("obligation", "clause", "case", "platform"))
    if not occs:
        return 0
    recipients = access.Doers(occs)
    per_user = defaultdict(list)
    for occ in occs:
        for user_id in recipients.doers(occ):
            per_user[user_id].append(occ)
    rows = []
    languages = languages_of(per_user)
    # Officers keep the audit chain's head of the day outside the database (trust/audit_head.py).
    officers = set(Membership.objects.filter(role=Role.OFFICER, user_id__in=per_user).values_list("user_id", flat=True))
    head = audit_head() if officers else None
    for user_id, items in per_user.items():
        with translation.override(languages[user_id]):  # the recipient's language
            late = [o for o in items if o.due_at <= now]
            lines = [f"{'⚠ ' if o.due_at <= now else ''}{o.clause.number} {task_name(o)} {_when(o)}"
                     for o in sorted(items, key=lambda o: o.due_at)]
            subject = _("今日待办 %(today)d 项,逾期 %(late)d 项") % {"today": len(items) - len(late), "late": len(late)}
            lines.append(_("我的任务:%(link)s") % {"link": absolute_url("my-tasks")})
            if user_id in officers:
                lines.append(_("今日审计链链头(记录数:哈希,请留存以备核对):%(head)s") % {"head": head})
            rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.DIGEST, digest_date=today.start_date,
                                     subject=subject, body="\n".join(lines), created_at=now))
    return len(insert_notifications(rows))


# Sending: claim, deliver, mark. Separate steps so a test can stop between them.

def _in(ids) -> str:
    return ", ".join(["%s"] * len(ids))


def claim(*, now, batch=200) -> list[Notification]:
    """Claim unsent rows (new ones, and stale claims once more) with one UPDATE …
    RETURNING; rows another sender holds are skipped. A row sent twice at worst already
    is cancelled rather than sent a third time."""
    table = Notification._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    retry_before = now - timedelta(minutes=settings.PLEDGE_SEND_RETRY_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # nosec B608 - table and column names from the model, values as parameters
            "attempts = CASE WHEN attempts >= 2 THEN attempts ELSE attempts + 1 END, "
            "repeat = CASE WHEN attempts >= 2 THEN repeat ELSE attempts >= 1 END, "
            "claimed_at = CASE WHEN attempts >= 2 THEN claimed_at ELSE %s END, "
            "cancelled_at = CASE WHEN attempts >= 2 THEN %s ELSE NULL END "
            f"WHERE id IN (SELECT id FROM {table} WHERE sent_at IS NULL AND cancelled_at IS NULL "
            "AND (claimed_at IS NULL OR claimed_at < %s) "
            f"ORDER BY created_at, id LIMIT %s{lock}) "
            "RETURNING id, cancelled_at",  # (SQLite got "cancelled_at IS NULL" wrong here)
            [adapt(now), adapt(now), adapt(retry_before), batch],
        )
        ids = [pk for pk, cancelled in cursor.fetchall() if cancelled is None]
    if not ids:
        return []
    return list(Notification.objects.filter(pk__in=ids).select_related("recipient", "occurrence", "case")
                .order_by("created_at", "id"))


def deliver(n: Notification, routes: Routes | None = None) -> bool:
    """Send one claimed row to its channels (deliveries.py): its platform's group robots, its
    person's SMS, and email when they chose it or a channel failed; False if its task no
    longer needs it."""
    occ = n.occurrence
    if occ is not None and occ.state not in Occurrence.TODO_STATES:
        return False

    def mail():
        if n.recipient.email:
            prefix = _("[重复] ") if n.repeat else ""
            send_mail(f"【Pledge】{prefix}{n.subject}", n.body, None, [n.recipient.email])

    (routes or Routes([n])).deliver(n, mail)
    return True


def _update_ids(sql_set: str, params: list, ids: list[int]) -> int:
    """Update a batch's rows, locking them in id order: a planner folding into catch-ups locks
    them in that order too (catch_up.fold_late), so a sender and a planner never wait on each
    other in a circle (a deadlock)."""
    if not ids:
        return 0
    table = Notification._meta.db_table
    rows = f"id IN ({_in(ids)}) AND sent_at IS NULL"
    if connection.vendor == "postgresql":
        rows = f"id IN (SELECT id FROM {table} WHERE {rows} ORDER BY id FOR UPDATE)"  # nosec B608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sql_set} WHERE {rows} AND sent_at IS NULL RETURNING id",  # nosec B608 - table and column names from the model, values as parameters
                       [*params, *ids])
        return len(cursor.fetchall())


def mark_sent(ids: list[int], now) -> int:
    """One UPDATE … RETURNING for a batch: how many were really marked (not by another sender)."""
    return _update_ids("sent_at = %s", [connection.ops.adapt_datetimefield_value(now)], ids)


def notifications_cancel(ids: list[int], now) -> int:
    return _update_ids("cancelled_at = %s", [connection.ops.adapt_datetimefield_value(now)], ids)


def notifications_release(ids: list[int]) -> int:
    """Give back claims that were never delivered (the mail server failed): they are
    sent on the next try as if new, not marked as a repeat."""
    return _update_ids("claimed_at = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
                       "repeat = %s", [False], ids)


def send_batch(rows: list[Notification], now) -> int:
    """Deliver a claimed batch, then mark it in one statement; on a mail error the
    delivered ones are marked, the rest released, and the error raised."""
    delivered, cancelled, tried = [], [], set()
    routes = Routes(rows)  # the rows' channels, and their people's languages
    languages = routes.languages
    try:
        for n in rows:
            with translation.override(languages[n.recipient_id]):  # the recipient's language
                (delivered if deliver(n, routes) else cancelled).append(n.pk)
            tried.add(n.pk)
    except Exception:
        notifications_release([n.pk for n in rows if n.pk not in tried])
        raise
    finally:
        sent = mark_sent(delivered, now)
        notifications_cancel(cancelled, now)
    return sent


def notifications_send(*, now, batch=200) -> int:
    sent = 0
    while True:
        rows = claim(now=now, batch=batch)
        if not rows:
            return sent
        sent += send_batch(rows, now)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, sent_at__isnull=False, read_at__isnull=True).count()
