"""After downtime: the messages that should have gone out long ago are not mailed one by one.
`fold_late` writes them as delivered in the app and folds them into one catch-up message per
person, in one transaction: the rows, their catch-up and its wording are committed together
or not at all, so a plan cut short (kill -9, a time limit, a restart) leaves every notice
either in a catch-up or still to plan, never delivered without the message that carries it.

One catch-up a day per person, and one more only for rows folded after it went out (claimed
for sending): a sweep adds its rows to the person's catch-up of the day not yet claimed, or
writes that next one. The day's first is keyed by (person, day) in the database and locked
while rows are folded, so sweeps catching up for the same person take turns. The day's catch-ups
are locked in id order, the order in which senders lock the rows they mark, so a planner and a
sender never deadlock.

A catch-up says what its person missed: how many per kind, the first CATCH_UP_LINES one
line each (earliest due first), and a link to the in-app inbox, which lists every folded
row. Its wording is recomputed from the rows folded into it, so merging never parses text.
Every step is one set-based statement whatever the number of people and rows."""

from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Notification, Occurrence
from ..schedule.periods import local_midnight
from ..trust.preferences import languages_of
from .outbox import json_rows

CATCH_UP_LINES = 20  # the first rows a catch-up lists by name; the rest are counted
LATE = "pledge_late"  # temporary tables of one fold: its rows, and each person's catch-up
TARGET = "pledge_catch_up"
PENDING = "c.claimed_at IS NULL AND c.sent_at IS NULL AND c.cancelled_at IS NULL"


def catch_up_text(counts: dict, lines: list[str]) -> tuple[str, str]:
    """The catch-up's subject and body, in the active language: per kind how many, the first
    lines, how many more, the inbox link."""
    total = sum(counts.values())
    subject = _("停机期间未能按时发送的通知 %(n)d 条") % {"n": total}
    body = [_("调度恢复后汇总如下,每条详情见站内通知:")]
    body += [_("%(kind)s:%(n)d 条") % {"kind": Notification.Kind(kind).label, "n": n}
             for kind, n in sorted(counts.items())]
    body += [" ".join(line.split()) for line in lines]  # one line each
    if total > len(lines):
        body.append(_("……另有 %(n)d 条,见站内通知") % {"n": total - len(lines)})
    body.append(_("站内通知:%(link)s") % {"link": absolute_url("notifications")})
    return subject, "\n".join(body)


def fold_late(sources: list[tuple[str, list]], now) -> int:
    """Write the late rows that `sources` select (SELECTs of recipient_id, kind, occurrence_id,
    subject, body) as delivered, each folded into its person's catch-up, in one transaction.
    Returns the rows really written: the late rows not planned before, and the catch-ups new."""
    table = Notification._meta.db_table
    day = timezone.localdate(now)
    midnight = local_midnight(day, timezone.get_default_timezone())
    adapt, adapt_day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    at, on = adapt(now), adapt_day(day)
    kind = Notification.Kind.CATCH_UP
    # The SQL below: table and column names from the model and this module, values as parameters.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {LATE} (recipient_id integer, kind varchar(24), occurrence_id bigint, "
                       "subject text, body text)")
        for sql, params in sources:
            cursor.execute(f"INSERT INTO {LATE} (recipient_id, kind, occurrence_id, subject, body) {sql}", params)  # nosec B608 - names from the model and this module
        people = f"SELECT DISTINCT recipient_id FROM {LATE}"  # nosec B608 - names from the model and this module
        new = f"INSERT INTO {table} (recipient_id, kind, digest_date, subject, body, created_at, attempts, repeat) "  # nosec B608 - names from the model and this module
        # The day's first catch-up of everyone concerned, unless written already; then locked: the turn.
        cursor.execute(new + f"SELECT p.recipient_id, %s, %s, '', '', %s, 0, %s FROM ({people}) p WHERE true "  # nosec B608 - names from the model and this module
                       "ORDER BY p.recipient_id ON CONFLICT DO NOTHING", [kind, on, at, False])
        written = cursor.rowcount
        if connection.vendor == "postgresql":
            # Every catch-up of the day of these people, locked in id order, as senders lock the rows
            # they mark (notifications._update_ids): no circle of waits. Sent ones too: the day's
            # first, sent, is still the turn that keeps two sweeps from writing two "one more".
            cursor.execute(f"SELECT id FROM {table} c WHERE c.kind = %s AND c.occurrence_id IS NULL "  # nosec B608 - names from the model and this module
                           "AND (c.digest_date = %s OR (c.digest_date IS NULL AND c.created_at >= %s)) "
                           f"AND c.recipient_id IN ({people}) ORDER BY c.id FOR UPDATE", [kind, on, adapt(midnight)])
        waiting = (f"FROM {table} c WHERE c.kind = %s AND c.occurrence_id IS NULL AND {PENDING} "
                   "AND (c.digest_date = %s OR (c.digest_date IS NULL AND c.created_at >= %s))")
        # Whose day's catch-up went out already, with no later one waiting: one more, after it.
        cursor.execute(new + f"SELECT p.recipient_id, %s, NULL, '', '', %s, 0, %s FROM ({people}) p "  # nosec B608 - names from the model and this module
                       f"WHERE NOT EXISTS (SELECT 1 {waiting} AND c.recipient_id = p.recipient_id)",
                       [kind, at, False, kind, on, adapt(midnight)])
        written += cursor.rowcount
        cursor.execute(f"CREATE TEMP TABLE {TARGET} AS SELECT c.recipient_id, max(c.id) AS catch_up_id {waiting} "  # nosec B608 - names from the model and this module
                       f"AND c.recipient_id IN ({people}) GROUP BY c.recipient_id", [kind, on, adapt(midnight)])
        cursor.execute(f"INSERT INTO {table} (recipient_id, kind, occurrence_id, subject, body, created_at, sent_at, "  # nosec B608 - names from the model and this module
                       "catch_up_id, attempts, repeat) "
                       "SELECT l.recipient_id, l.kind, l.occurrence_id, l.subject, l.body, %s, %s, t.catch_up_id, 0, %s "
                       f"FROM {LATE} l JOIN {TARGET} t ON t.recipient_id = l.recipient_id WHERE true "
                       "ORDER BY l.occurrence_id, l.kind, l.recipient_id ON CONFLICT DO NOTHING", [at, at, False])
        folded = cursor.rowcount
        _reword(cursor)
        # A catch-up made for rows another sweep had folded already carries nothing: it goes.
        cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT catch_up_id FROM {TARGET}) AND subject = '' "  # nosec B608 - names from the model and this module
                       f"AND NOT EXISTS (SELECT 1 FROM {table} f WHERE f.catch_up_id = {table}.id)")
        written -= cursor.rowcount
        cursor.execute(f"DROP TABLE {LATE}")
        cursor.execute(f"DROP TABLE {TARGET}")
    return folded + written


def _reword(cursor) -> None:
    """Word each catch-up touched from the rows folded into it, in its person's language."""
    table, occurrences = Notification._meta.db_table, Occurrence._meta.db_table
    mine = f"f.catch_up_id IN (SELECT catch_up_id FROM {TARGET})"  # nosec B608 - names from the model and this module
    cursor.execute(f"SELECT f.catch_up_id, f.kind, count(*) FROM {table} f WHERE {mine} GROUP BY 1, 2")  # nosec B608 - names from the model and this module
    counts = defaultdict(dict)
    for catch_up_id, kind, n in cursor.fetchall():
        counts[catch_up_id][kind] = n
    if not counts:
        return
    # Each row's due time looked up by key: as a LEFT JOIN the planner merge-joined the whole task
    # table in id order up to the newest task (31 s at 12 M tasks for 11,500 rows; 0.8 s so).
    cursor.execute(f"SELECT x.catch_up_id, x.subject FROM (SELECT f.catch_up_id, f.subject, row_number() OVER "  # nosec B608 - names from the model and this module
                   f"(PARTITION BY f.catch_up_id ORDER BY (SELECT o.due_at FROM {occurrences} o "
                   f"WHERE o.id = f.occurrence_id), f.id) AS rn FROM {table} f WHERE {mine}) x "
                   "WHERE x.rn <= %s ORDER BY x.catch_up_id, x.rn", [CATCH_UP_LINES])
    lines = defaultdict(list)
    for catch_up_id, subject in cursor.fetchall():
        lines[catch_up_id].append(subject)
    cursor.execute(f"SELECT recipient_id, catch_up_id FROM {TARGET}")  # nosec B608 - names from the model and this module
    owners = dict(cursor.fetchall())
    languages = languages_of(owners)
    rows = []
    for user_id, catch_up_id in owners.items():
        if catch_up_id in counts:
            with translation.override(languages[user_id]):
                subject, body = catch_up_text(counts[catch_up_id], lines[catch_up_id])
            rows.append({"id": catch_up_id, "subject": subject, "body": body})
    source, params = json_rows(rows, ("id", "subject", "body"))
    cursor.execute(f"UPDATE {table} SET subject = r.subject, body = r.body FROM {source} "  # nosec B608 - names from the model and this module
                   f"WHERE {table}.id = r.id", params)
