"""After downtime: the messages that should have gone out long ago are not mailed, nor written,
one by one. `fold` writes one catch-up message per person and day that tells what they missed,
in the transaction that marks those tasks told (told.py): the marks, the catch-up and its
wording are committed together or not at all, so a plan cut short (kill -9, a time limit, a
restart) leaves every notice either in a catch-up or still to plan. Planning writes a row per
person, not per missed task.

One catch-up a day per person, and one more only for notices folded after it went out (claimed
for sending): a sweep adds its notices to the person's catch-up of the day not yet claimed, or
writes that next one. The day's first is keyed by (person, day) in the database and locked
while notices are folded, so sweeps catching up for the same person take turns. The day's
catch-ups are locked in id order, the order in which senders lock the rows they mark, so a
planner and a sender never deadlock.

A catch-up says what its person missed: how many per kind, the first CATCH_UP_LINES one line
each (earliest due first), and a link to My tasks. Its `summary` keeps the tasks it tells of,
per kind, and its first lines, and its wording is remade from that summary, so merging never
parses text, and what each person was told stays on record."""

import json
from collections import defaultdict

from django.db import connection
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Notification, Occurrence
from ..schedule.periods import local_midnight
from ..trust.preferences import languages_of
from .outbox import json_rows

CATCH_UP_LINES = 20  # the first tasks a catch-up names; the rest are counted
OWED = "pledge_owed"  # the temporary table of one fold: the notices owed
PENDING = "c.claimed_at IS NULL AND c.sent_at IS NULL AND c.cancelled_at IS NULL"


def catch_up_text(counts: dict, lines: list[str]) -> tuple[str, str]:
    """The catch-up's subject and body, in the active language: per kind how many, the first
    lines, how many more, the link to My tasks."""
    total = sum(counts.values())
    subject = _("停机期间未能按时发送的通知 %(n)d 条") % {"n": total}
    body = [_("调度恢复后汇总如下:")]
    body += [_("%(kind)s:%(n)d 条") % {"kind": Notification.Kind(kind).label, "n": n}
             for kind, n in sorted(counts.items())]
    body += [" ".join(line.split()) for line in lines]  # one line each
    if total > len(lines):  # My tasks need not list them (another's task, one done since): the inbox does
        body.append(_("……另有 %(n)d 条,站内通知中列出全部:%(link)s") % {
            "n": total - len(lines), "link": absolute_url("notifications")})
    body.append(_("我的任务:%(link)s") % {"link": absolute_url("my-tasks")})
    return subject, "\n".join(body)


def catch_up_tasks(notifications) -> dict[int, list]:
    """{catch-up id: every task it tells of, earliest due first} for the catch-ups among
    `notifications`, in one query: what the inbox lists under each."""
    wanted = {n.pk: {pk for _kind, pk in summary_tasks(n.summary)} for n in notifications
              if n.kind == Notification.Kind.CATCH_UP}
    found = (Occurrence.objects.filter(pk__in=set().union(*wanted.values()))
             .select_related("obligation", "platform", "case").order_by("due_at", "pk")) if wanted else []
    return {n: [o for o in found if o.pk in ids] for n, ids in wanted.items()}


def summary_tasks(summary: dict | None) -> set[tuple[str, int]]:
    """The (kind, occurrence id) a catch-up tells of."""
    return {(kind, pk) for kind, ids in ((summary or {}).get("tasks") or {}).items() for pk in ids}


def create_owed(cursor) -> None:
    cursor.execute(f"CREATE TEMP TABLE {OWED} (recipient_id integer, kind varchar(24), occurrence_id bigint, "
                   "due_at timestamp with time zone)")


def _due(value) -> str:
    """A due time as a summary keeps it (ISO, UTC), from PostgreSQL's datetime or SQLite's text."""
    at = value if hasattr(value, "isoformat") else parse_datetime(value)
    return (at if timezone.is_aware(at) else timezone.make_aware(at, timezone.UTC)).astimezone(timezone.UTC).isoformat()


def fold(cursor, now, word) -> int:
    """Fold the notices in OWED (recipient_id, kind, occurrence_id, due_at) into each person's
    catch-up, inside the caller's transaction; `word` words the lines a catch-up names:
    {(recipient_id, kind, occurrence_id): line} for the (recipient_id, kind, occurrence_id) it
    is given. Returns the notices folded and the catch-ups new."""
    table = Notification._meta.db_table
    day = timezone.localdate(now)
    midnight = local_midnight(day, timezone.get_default_timezone())
    adapt, adapt_day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    at, on = adapt(now), adapt_day(day)
    kind = Notification.Kind.CATCH_UP
    # The SQL below: table and column names from the model and this module, values as parameters.
    people = f"SELECT DISTINCT recipient_id FROM {OWED}"  # nosec B608 - names from the model and this module
    new = f"INSERT INTO {table} (recipient_id, kind, digest_date, subject, body, created_at, attempts, repeat) "  # nosec B608 - names from the model and this module
    # The day's first catch-up of everyone concerned, unless written already; then locked: the turn.
    cursor.execute(new + f"SELECT p.recipient_id, %s, %s, '', '', %s, 0, %s FROM ({people}) p WHERE true "  # nosec B608 - names from the model and this module
                   "ORDER BY p.recipient_id ON CONFLICT DO NOTHING", [kind, on, at, False])
    written = cursor.rowcount
    day_of_people = (f"FROM {table} c WHERE c.kind = %s AND c.occurrence_id IS NULL "  # nosec B608 - names from the model and this module
                     "AND (c.digest_date = %s OR (c.digest_date IS NULL AND c.created_at >= %s)) "
                     f"AND c.recipient_id IN ({people})")
    if connection.vendor == "postgresql":
        # Every catch-up of the day of these people, locked in id order, as senders lock the rows
        # they mark (sending._update_ids): no circle of waits, and none is claimed while
        # this transaction decides. Sent ones too: the day's first, sent, is still the turn that
        # keeps two sweeps from writing two "one more".
        cursor.execute(f"SELECT c.id {day_of_people} ORDER BY c.id FOR UPDATE", [kind, on, adapt(midnight)])
    # Which still wait to be sent: read after the lock by a new statement, which sees the "one
    # more" a sweep that held the turn before committed, and locks it too: no sender claims a
    # catch-up between this reading and the rewording.
    lock = " ORDER BY c.id FOR UPDATE" if connection.vendor == "postgresql" else ""
    cursor.execute(f"SELECT c.id, c.recipient_id, CASE WHEN {PENDING} THEN 1 ELSE 0 END {day_of_people}{lock}",
                   [kind, on, adapt(midnight)])
    targets = {}  # each person's latest catch-up still waiting
    for catch_up_id, user_id, waiting in cursor.fetchall():
        if waiting:
            targets[user_id] = max(catch_up_id, targets.get(user_id, 0))
    cursor.execute(people)
    more = sorted({user_id for (user_id,) in cursor.fetchall()} - targets.keys())
    if more:  # whose day's catch-up went out already, with no later one waiting: one more, after it
        source, params = json_rows([{"recipient_id": user_id} for user_id in more], ("recipient_id",))
        cursor.execute(new + f"SELECT r.recipient_id, %s, NULL, '', '', %s, 0, %s FROM {source} "  # nosec B608 - names from the model and this module
                       "RETURNING id, recipient_id", [kind, at, False, *params])
        targets.update({user_id: catch_up_id for catch_up_id, user_id in cursor.fetchall()})
        written += len(more)
    return _reword(cursor, word, targets) + written


def _reword(cursor, word, targets: dict) -> int:
    """Merge each person's notices into their catch-up (`targets`: {recipient_id: catch-up id})
    summary and word it anew, in their language, in one UPDATE. Returns the notices folded."""
    table = Notification._meta.db_table
    ids = ("string_agg(occurrence_id::text, ',')" if connection.vendor == "postgresql"
           else "group_concat(occurrence_id, ',')")
    cursor.execute(f"SELECT recipient_id, kind, {ids}, count(*) FROM {OWED} GROUP BY recipient_id, kind")  # nosec B608 - names from this module
    tasks, folded = defaultdict(dict), 0
    for user_id, kind, listed, n in cursor.fetchall():
        tasks[user_id][kind] = [int(pk) for pk in listed.split(",")]
        folded += n
    cursor.execute(f"SELECT x.recipient_id, x.kind, x.occurrence_id, x.due_at FROM (SELECT o.*, row_number() OVER "  # nosec B608 - names from this module
                   f"(PARTITION BY o.recipient_id ORDER BY o.due_at, o.occurrence_id, o.kind) AS rn FROM {OWED} o) x "
                   "WHERE x.rn <= %s", [CATCH_UP_LINES])
    first = [(user_id, kind, pk, _due(due)) for user_id, kind, pk, due in cursor.fetchall()]
    texts = word([row[:3] for row in first])
    lines = defaultdict(list)
    for user_id, kind, pk, due in first:
        lines[user_id].append([due, kind, pk, texts[(user_id, kind, pk)]])
    ids = sorted(targets.values())
    cursor.execute(f"SELECT recipient_id, id, summary FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})",  # nosec B608 - names from the model, values as parameters
                   ids)
    targets = cursor.fetchall()
    languages = languages_of({user_id for user_id, _id, _summary in targets})
    rows = []
    for user_id, catch_up_id, summary in targets:
        summary = _loaded(summary)
        kinds = summary.get("tasks", {})
        for kind, pks in tasks[user_id].items():
            kinds[kind] = sorted({*kinds.get(kind, ()), *pks})
        merged = sorted([*summary.get("lines", []), *lines[user_id]], key=lambda line: (line[0], line[2], line[1]))
        summary = {"tasks": kinds, "lines": merged[:CATCH_UP_LINES]}
        with translation.override(languages[user_id]):
            subject, body = catch_up_text({k: len(v) for k, v in kinds.items()}, [line[3] for line in summary["lines"]])
        rows.append({"id": catch_up_id, "subject": subject, "body": body, "summary": summary})
    source, params = json_rows(rows, ("id", "subject", "body", "summary"))
    cursor.execute(f"UPDATE {table} SET subject = r.subject, body = r.body, summary = r.summary FROM {source} "  # nosec B608 - names from the model and this module
                   f"WHERE {table}.id = r.id", params)
    return folded


def _loaded(summary) -> dict:
    """A summary as the database cursor returns it: a dict, or its JSON text."""
    if summary is None:
        return {}
    return json.loads(summary) if isinstance(summary, str) else summary

