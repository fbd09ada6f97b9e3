"""When the planner must next look (issue 21): the earliest instant at which any task not yet
told of a kind can become due that message. A minute before it plans nothing, at the cost of
one read of a table of a row or two, instead of reading the candidates (0.1 s at 2,000
platforms, 1,440 times a day).

The wake is kept in models.PlannerWake by the planner and the database together:

- the planner, when a plan has finished, replaces the rows it sees by one (`settle`): the
  earliest start (candidates._windows: for each kind, the instant a task of its window becomes a
  candidate) over the tasks as that one statement sees them, or HORIZON ahead if none starts
  sooner, with the `now` it was computed for and the rules it was computed by (`rules`:
  candidates.py, told.py and the settings they read);
- the database adds a row whenever a write may make a task due a message sooner (migration
  0032's triggers): tasks inserted, or changed in state, opening, due or close time, or a told
  bit cleared (a row per statement, at the earliest opening among them: every kind's start is
  at or after the task's opening); a membership, an obligation's doers or its thresholds
  changed (a row at the epoch: plan at once).

A minute sleeps (`asleep`) when the planner's row is there and every row says later: its
instant is after now, the planner's row was computed at or before now (windows only close as
time goes on, so the wake holds forward, never backward) and by the rules in force. Whatever
else, the minute plans, and the plan settles the wake again. The rules compare instants only:
a platform's zone, a local midnight or a clock change moved the instants the schedule wrote
into the tasks, which the triggers watch. The daily digest is not the wake's: it runs as before.

Rows, not one row updated: a writer adds its row without waiting for anyone (a single row
would make every writer of tasks queue behind the last one's commit, and wait in a circle with
one that holds the audit chain's lock).

Why nothing is missed: `settle` is one statement, so one snapshot: the rows it deletes are
those whose writes it sees, and it counts those tasks; a write committed after its snapshot
leaves its row, which it cannot see and so keeps. Two planners settling at once leave a row
each, and the earlier of the two holds. A plan cut short settles nothing: the wake stays at or
before now and the next minute plans. A candidate left untold (no recipient) keeps the wake at
or before now, as it kept the plan reading it before. Rows written below the triggers (an
owner's `session_replication_role = replica`) must add a wake row of their own (`wake_now`).
On SQLite there are no triggers and every minute plans."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from ..models import PlannerWake
from .candidates import LOOKBACK, pairs_sql, wake_querysets

# How far ahead a wake looks: past it the planner looks again, whatever it found. It bounds what
# settling reads (the tasks whose start comes within it, through the partial indexes by time),
# at the cost of at most one plan per HORIZON with nothing to do.
HORIZON = timedelta(hours=6)

_SOURCES = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes()
                                   for name in ("candidates.py", "told.py"))).hexdigest()


def rules() -> str:
    """The fingerprint of the rules a wake was computed by: another deployment's rules or
    settings (a reminder's lead, an escalation's threshold) make it void."""
    said = json.dumps([_SOURCES, settings.PLEDGE_REMINDER_LEAD, settings.PLEDGE_ESCALATE_OFFICER,
                       LOOKBACK.total_seconds()], sort_keys=True)
    return hashlib.sha256(said.encode()).hexdigest()


def _table() -> str:
    return PlannerWake._meta.db_table


def asleep(now) -> bool:
    """Whether no task can be due a message at `now`: one read of the wake's rows."""
    if connection.vendor != "postgresql":
        return False
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FILTER (WHERE planned_at IS NOT NULL) > 0 AND bool_and("  # nosec B608 - the model's table
                       "at > %s AND (planned_at IS NULL OR (planned_at <= %s AND rules = %s))) "
                       f"FROM {_table()}", [at, at, rules()])
        return bool(cursor.fetchone()[0])


def settle(now) -> None:
    """After a plan: the wake anew, in one statement (module docstring: why one)."""
    if connection.vendor != "postgresql":
        return
    until = now + HORIZON
    sql, params = pairs_sql(wake_querysets(now=now, until=until), column="start")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        # The rows this transaction's triggers wrote are among those deleted: it forgets them
        # (migration 0032: a transaction writes a row only below the earliest it wrote).
        cursor.execute(f"WITH seen AS (DELETE FROM {_table()} RETURNING id), "  # nosec B608 - the model's table, the compiled querysets
                       "forgot AS (SELECT set_config('pledge.wake_written', '', true)) "
                       f"INSERT INTO {_table()} (at, planned_at, rules) "
                       f"SELECT least((SELECT min(w.start) FROM ({sql}) w), %s), %s, %s FROM forgot",
                       [*params, adapt(until), adapt(now), rules()])


def wake_now(cursor) -> None:
    """Plan at the next minute: for rows written below the triggers."""
    cursor.execute(f"INSERT INTO {_table()} (at, planned_at, rules) VALUES ('1970-01-01 00:00+00', NULL, '')")  # nosec B608 - the model's table
