"""Benchmark: a simulated day of sweeping at 2,000 platforms (officer, staff and supervisor
each: 3 members), caught up, against its floor in the same run.

The day: 1,440 beat ticks of one minute, each running what beat runs at that minute
(compliance/celery.py), in this process, each step inside its heartbeat as the tasks do:
materialize every 5 minutes (the fan-out's key ranges, one after the other), close-out,
plan and send every minute, the digest at :02 and the reviews at :07 of every hour.
(Integrity and retention, once a day, are not sweeps of tasks and are left out.) The
public functions are called, so it measures whatever planning and sending are merged.

Printed: per step, calls, statements and seconds; per table, the rows inserted, updated
and deleted (PostgreSQL's own counters); then the floor: for every table and kind of
write, ONE statement writing the same rows (the day's inserted rows by INSERT … SELECT
from a saved copy, the changed rows in their final state by UPDATE … FROM, the deleted
rows by DELETE), from the table as it stood before the day, triggers and deferred
foreign keys on, committed inside the timing. A row the day inserted and changed again
(a task raised open and then missed) is inserted as the app must insert it (the database
refuses a task created in another state) and counted among the updates too.

    .venv/bin/python bench/day.py [--platforms 2000]
        (PostgreSQL: DATABASE_URL, default pledge_bench, or DATABASE_OWNER_URL naming the
         same database: it is dropped and made again; statements are counted through
         Django's cursor, so the one COPY of each materialize batch is not among them)
"""

import argparse
import collections
import logging
import time
from datetime import UTC, datetime, timedelta

from common import pg_settings_line, platforms, setup_database

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--platforms", type=int, default=2000)
parser.add_argument("--minutes", type=int, default=24 * 60, help="length of the simulated day (default a day)")
args = parser.parse_args()
setup_database()

from django.db import connection, transaction  # noqa: E402

from obligations.alerts.notifications import notifications_digest, notifications_plan, notifications_send  # noqa: E402
from obligations.models import Obligation, Occurrence  # noqa: E402
from obligations.oversight.reviews import reviews_open  # noqa: E402
from obligations.tasks import run_sweeps  # noqa: E402
from obligations.trust.heartbeat import heartbeat  # noqa: E402
from obligations.work.sweeps import materialize_batches, materialize_range, occurrences_close_out  # noqa: E402

logging.getLogger("obligations.sweeps").setLevel(logging.WARNING)  # a line per sweep: 4,000 lines a day
SIGNED = datetime(2026, 1, 5, 1, tzinfo=UTC)  # Monday 09:00 in Shanghai
DAY = datetime(2026, 1, 7, 16, tzinfo=UTC)  # Thursday 8 January, 00:00 in Shanghai


def sql(statement, params=None):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else cur.rowcount


class Counter:
    """Statements and seconds per step, counted through Django's cursor."""

    def __init__(self):
        self.statements = collections.Counter()
        self.seconds = collections.Counter()
        self.calls = collections.Counter()
        self.step = None

    def __call__(self, execute, sql_text, params, many, context):
        self.statements[self.step] += 1
        return execute(sql_text, params, many, context)

    def run(self, step, fn):
        self.step = step
        t = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[step] += time.perf_counter() - t
            self.calls[step] += 1
            self.step = None


def materialize(now):
    with heartbeat("materialize") as figures:
        ranges = materialize_batches(now=now)
        figures["batches"] = len(ranges)
    for lo, hi in ranges:  # each a materialize_batch task, without a heartbeat of its own
        materialize_range(lo=lo, hi=hi, now=now)


def step(name, key, fn):
    def run():
        with heartbeat(name) as figures:
            figures[key] = fn()
    return run


def beat_minute(counter, now, minute):
    if minute % 5 == 0:
        counter.run("materialize", lambda: materialize(now))
    counter.run("close_out", step("close_out", "missed", lambda: occurrences_close_out(now=now)))
    counter.run("plan", step("plan", "planned", lambda: notifications_plan(now=now, digests=False)))
    counter.run("send", step("send", "sent", lambda: notifications_send(now=now)))
    if minute % 60 == 2:
        counter.run("digest", step("digest", "planned", lambda: notifications_digest(now=now)))
    if minute % 60 == 7:
        counter.run("reviews", step("reviews", "opened", lambda: reviews_open(now=now)))


# The tables a day may write, each with its key.
def tables_with_keys():
    rows = sql("""SELECT c.relname, a.attname FROM pg_index i
                  JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                  WHERE i.indisprimary AND i.indnatts = 1 AND n.nspname = 'public' AND c.relkind = 'r'
                  AND c.relname NOT LIKE 'floor\\_%%'""")
    return dict(rows)


def write_counters():
    sql("SELECT pg_stat_force_next_flush()")
    connection.close()  # the backend flushes its counters as it goes; a new one reads them
    time.sleep(1.5)
    return {name: (ins, upd, dele) for name, ins, upd, dele in sql(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = 'public'")}


def columns(table):
    with connection.cursor() as cur:
        return [c.name for c in connection.introspection.get_table_description(cur, table)]


# Columns of a task as the database lets it be created (trust/append-only triggers).
CREATED_OCCURRENCE = {"state": "'open'", "state_changed_at": "NULL", "missed_at": "NULL", "completed_at": "NULL",
                      "completed_by_id": "NULL", "waived_reason": "''"}


def main():
    t = time.perf_counter()
    platforms(args.platforms, SIGNED)
    run_sweeps(now=DAY - timedelta(minutes=1))  # caught up as the day begins
    sql("VACUUM ANALYZE")
    print(f"PostgreSQL: {pg_settings_line()}")
    print(f"{args.platforms:,} platforms (3 members each), {Obligation.objects.count():,} obligations, "
          f"{Occurrence.objects.count():,} occurrences at the start of the day; set up in {time.perf_counter() - t:.0f} s")

    keys = tables_with_keys()
    for table in keys:
        sql(f'CREATE UNLOGGED TABLE "floor_b_{table}" AS SELECT * FROM "{table}"')
    before = write_counters()

    counter = Counter()
    t = time.perf_counter()
    with connection.execute_wrapper(counter):
        for minute in range(args.minutes):
            beat_minute(counter, DAY + timedelta(minutes=minute), minute)
    day_seconds = time.perf_counter() - t
    after = write_counters()

    print(f"\nthe day: {args.minutes} beat minutes from {DAY:%Y-%m-%d %H:%M} UTC")
    print(f"  {'step':<12}{'calls':>7}{'statements':>12}{'seconds':>9}")
    for name in counter.calls:
        print(f"  {name:<12}{counter.calls[name]:>7}{counter.statements[name]:>12,}{counter.seconds[name]:>9.2f}")
    day_statements = sum(counter.statements.values())
    print(f"  {'total':<12}{sum(counter.calls.values()):>7}{day_statements:>12,}{day_seconds:>9.2f}")

    written = {}
    print("\n  rows written per table (PostgreSQL's counters): inserted, updated, deleted")
    for table in sorted(after):
        if table.startswith("floor_"):
            continue
        delta = tuple(a - b for a, b in zip(after[table], before.get(table, (0, 0, 0)), strict=True))
        if any(delta):
            written[table] = delta
            print(f"    {table:<40}{delta[0]:>10,}{delta[1]:>10,}{delta[2]:>10,}")
    ob_upd = written.get("obligations_obligation", (0, 0, 0))[1]
    print(f"  obligation rows updated: {ob_upd:,} (was 528,000 a day at 2,000 platforms: every row every hour)")

    # The floor: the same rows, one statement per table and kind of write.
    floor = []  # (label, rows, statement)
    for table, key in keys.items():
        if table not in written:
            continue
        cols = columns(table)
        names = ", ".join(f'"{c}"' for c in cols)
        b = f'"floor_b_{table}"'
        sql(f'CREATE UNLOGGED TABLE "floor_i_{table}" AS SELECT t.* FROM "{table}" t '
            f'WHERE NOT EXISTS (SELECT 1 FROM {b} b WHERE b."{key}" = t."{key}")')
        sql(f'CREATE UNLOGGED TABLE "floor_u_{table}" AS SELECT t.* FROM "{table}" t JOIN {b} b ON b."{key}" = t."{key}" '
            f"WHERE (t.*)::text IS DISTINCT FROM (b.*)::text")
        sql(f'CREATE UNLOGGED TABLE "floor_d_{table}" AS SELECT b."{key}" FROM {b} b '
            f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" t WHERE t."{key}" = b."{key}")')
        picks = names
        if table == "obligations_occurrence":
            picks = ", ".join(CREATED_OCCURRENCE.get(c, f'"{c}"') for c in cols)
            sql(f'INSERT INTO "floor_u_{table}" SELECT * FROM "floor_i_{table}" WHERE state <> \'open\'')
        n_ins, n_upd, n_del = (sql(f'SELECT count(*) FROM "floor_{k}_{table}"')[0][0] for k in "iud")
        sets = ", ".join(f'"{c}" = s."{c}"' for c in cols if c != key)
        if n_ins:
            floor.append((f"INSERT {table}", n_ins, f'INSERT INTO "{table}" ({names}) SELECT {picks} FROM "floor_i_{table}"'))
        if n_upd:
            floor.append((f"UPDATE {table}", n_upd, f'UPDATE "{table}" t SET {sets} FROM "floor_u_{table}" s '
                                                    f'WHERE t."{key}" = s."{key}"'))
        if n_del:
            floor.append((f"DELETE {table}", n_del, f'DELETE FROM "{table}" WHERE "{key}" IN '
                                                    f'(SELECT "{key}" FROM "floor_d_{table}")'))
    # Back to the table as it stood before the day, as its owner, below the app's guards.
    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        for table, key in keys.items():
            if table not in written:
                continue
            cols = columns(table)
            names = ", ".join(f'"{c}"' for c in cols)
            sets = ", ".join(f'"{c}" = b."{c}"' for c in cols if c != key)
            sql(f'DELETE FROM "{table}" WHERE "{key}" IN (SELECT "{key}" FROM "floor_i_{table}")')
            sql(f'UPDATE "{table}" t SET {sets} FROM "floor_b_{table}" b WHERE t."{key}" = b."{key}" '
                f'AND t."{key}" IN (SELECT "{key}" FROM "floor_u_{table}")')
            sql(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "floor_b_{table}" '
                f'WHERE "{key}" IN (SELECT "{key}" FROM "floor_d_{table}")')
    sql("VACUUM ANALYZE")
    print("\nthe floor: one statement per table and kind of write, the same rows, one transaction")
    t = time.perf_counter()
    with transaction.atomic():
        for label, rows, statement in floor:
            s = time.perf_counter()
            sql(statement)
            print(f"  {label:<48}{rows:>9,} rows {time.perf_counter() - s:>7.2f} s")
    floor_seconds = time.perf_counter() - t
    print(f"  {'total, with the commit':<48}{len(floor):>4} statements {floor_seconds:>7.2f} s")
    print(f"\nthe day against its floor: {day_seconds:.1f} s / {floor_seconds:.2f} s = {day_seconds / floor_seconds:.1f}x "
          f"in time, {day_statements:,} / {len(floor)} statements (goal: within 3x in time)")
    print("  where the day's time goes: " + ", ".join(
        f"{name} {seconds / day_seconds:.0%}" for name, seconds in counter.seconds.most_common()))

main()
