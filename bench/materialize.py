"""Benchmark: materialize one year ahead for 500 and 2,000 platforms (`--sizes 500,2000,10000`
adds 10,000: a few minutes), each against the raw floor: INSERT … SELECT of the very same
rows, from a saved copy, into the same empty table with the same indexes and constraints.
Both start from a TRUNCATEd table after a CHECKPOINT, and both commit inside the timing
(the foreign keys are DEFERRABLE INITIALLY DEFERRED: their checks run at commit). Run
order: materialize, raw, raw, materialize, so the ratio is printed both ways (materialize
measured first, and raw measured first). Each figure is the wall time and the CPU time of
this process plus its PostgreSQL backend: on a shared machine the CPU time is the steadier.

Then, at the same size: the raw floor without the foreign keys of the copied columns
`occurrence.platform_id` and `occurrence.clause_id` (what their checks cost), and, with the
year in place, one platform's reads as the code writes them (by `occurrence.platform_id`,
index platform, due_at) against the same rows reached through the obligation, as they would
be without the copied column. (No read filters on `occurrence.clause_id`; the clause is
only joined.) Last, the queries of a sweep that finds nothing new.

    .venv/bin/python bench/materialize.py [--sizes 500,2000,10000]
        (PostgreSQL: DATABASE_URL, default pledge_bench; the database is dropped and made again)
"""

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import pg_settings_line, platforms, setup_database, sizes_argument

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
sizes_argument(parser, "500,2000", "10000 takes a few minutes")
args, _ = parser.parse_known_args()  # other parts of this bench may take their own arguments
setup_database()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from obligations.models import Obligation, Occurrence, Platform  # noqa: E402
from obligations.tasks import run_sweeps as sweep  # noqa: E402
from obligations.work import sweeps  # noqa: E402
from obligations.work.sweeps import INSERT_COLUMNS, obligations_materialize  # noqa: E402

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
TABLE = Occurrence._meta.db_table
COLUMNS = ", ".join(INSERT_COLUMNS)
# The foreign keys of the columns copied from the obligation (platform, clause).
COPIED_FKS = ("platform_id", "clause_id")


def sql(statement, params=None):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else cur.rowcount


def truncate():
    """TRUNCATE … CASCADE reaches the completions, which the database keeps permanent
    (trust/append-only triggers): in this throwaway bench database, with triggers off."""
    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        sql(f"TRUNCATE {TABLE} CASCADE")


def fresh_table():
    """Empty the table (a new file, its indexes empty) and flush dirty pages, so every run
    starts in the same state."""
    truncate()
    Obligation.objects.update(materialized_until=None)
    sql("CHECKPOINT")


def backend_pid():
    return sql("SELECT pg_backend_pid()")[0][0]


def cpu_seconds():
    """CPU time of this process and of its PostgreSQL backend (same machine), if readable."""
    try:
        with open(f"/proc/{backend_pid()}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        backend = 0.0
    return time.process_time() + backend


class Timed:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.t, cpu_seconds() - self.c

    def __str__(self):
        return f"{self.wall:.2f} s (CPU {self.cpu:.2f} s)"


class InsertTimer:
    """Time spent inside insert_occurrences (the COPY and the INSERT … SELECT)."""

    def __init__(self):
        self.seconds, self.inner = 0.0, sweeps.insert_occurrences

    def __call__(self, rows):
        t = time.perf_counter()
        try:
            return self.inner(rows)
        finally:
            self.seconds += time.perf_counter() - t


def materialize():
    fresh_table()
    timer = sweeps.insert_occurrences = InsertTimer()
    try:
        with Timed() as t:
            rows = obligations_materialize(now=NOW, horizon=YEAR)
        t.insert = timer.seconds
        return rows, t
    finally:
        sweeps.insert_occurrences = timer.inner


def raw():
    fresh_table()
    with Timed() as t, transaction.atomic():
        rows = sql(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM bench_saved ON CONFLICT DO NOTHING")
    return rows, t


def foreign_keys(columns):
    """name, definition of the foreign keys of the occurrence table on `columns`."""
    return sql("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                  WHERE conrelid = %s::regclass AND contype = 'f'
                    AND (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) = ANY(%s)""",
               [TABLE, list(columns)])


def raw_without(columns):
    """The raw floor with the foreign keys on `columns` dropped (added back after)."""
    dropped = foreign_keys(columns)
    for name, _ in dropped:
        sql(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    try:
        return raw()
    finally:
        truncate()
        for name, definition in dropped:
            sql(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')


def median_ms(statement, params, runs=9):
    sql(statement, params)  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sql(statement, params)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# Reads of one platform's rows, the way the code writes them (by occurrence.platform_id,
# index platform, due_at) and the same rows reached through the obligation instead, as
# they would be without the copied column. No read filters on occurrence.clause_id: the
# clause is only joined (select_related), which the obligation's clause_id does as well.
READS = {
    "quarter by state": f"""SELECT o.state, count(*) FROM {TABLE} o
        WHERE {{where}} AND o.due_at > %(qs)s AND o.due_at <= %(qe)s GROUP BY 1""",
    "quarter by clause and state (the dashboard's figures)": f"""SELECT c.number, o.state, count(*)
        FROM {TABLE} o JOIN obligations_obligation b ON b.id = o.obligation_id
        JOIN obligations_clause c ON c.id = b.clause_id
        WHERE {{where}} AND o.due_at > %(qs)s AND o.due_at <= %(qe)s GROUP BY 1, 2""",
    "90 days by day (the heat map)": f"""SELECT date_trunc('day', o.due_at), count(*) FROM {TABLE} o
        WHERE {{where}} AND o.due_at > %(qs)s AND o.due_at <= %(qs)s + interval '90 days' GROUP BY 1""",
}
ACCESS = {
    "occurrence.platform_id": "o.platform_id = %(p)s",
    "through the obligation": "o.obligation_id IN (SELECT id FROM obligations_obligation WHERE platform_id = %(p)s)",
}


def measure(size):
    fresh_table()
    platforms_now = Platform.objects.count()
    m1_rows, m1 = materialize()
    sql("DROP TABLE IF EXISTS bench_saved")
    sql(f"CREATE TABLE bench_saved AS SELECT {COLUMNS} FROM {TABLE} ORDER BY id")
    r1_rows, r1 = raw()
    r2_rows, r2 = raw()
    m2_rows, m2 = materialize()
    assert m1_rows == r1_rows == r2_rows == m2_rows, (m1_rows, r1_rows, r2_rows, m2_rows)
    rows = m1_rows
    print(f"{size:,} platforms ({platforms_now:,}), one year ahead: {rows:,} rows")
    print(f"  materialize, measured first: {m1} = {rows / m1.wall:,.0f} rows/s; in insert_occurrences {m1.insert:.2f} s")
    print(f"  raw INSERT … SELECT of the same rows, after it: {r1} = {rows / r1.wall:,.0f} rows/s")
    print(f"  raw INSERT … SELECT of the same rows, measured first: {r2} = {rows / r2.wall:,.0f} rows/s")
    print(f"  materialize, after it: {m2} = {rows / m2.wall:,.0f} rows/s; in insert_occurrences {m2.insert:.2f} s")
    print(f"  ratio materialize / raw: materialize first {m1.wall / r1.wall:.2f}x (CPU {m1.cpu / r1.cpu:.2f}x), "
          f"raw first {m2.wall / r2.wall:.2f}x (CPU {m2.cpu / r2.cpu:.2f}x) (target: within 2x)")

    no_fk_rows, no_fk = raw_without(COPIED_FKS)
    assert no_fk_rows == rows
    with_fk = Timed()
    with_fk.wall, with_fk.cpu = (r1.wall + r2.wall) / 2, (r1.cpu + r2.cpu) / 2
    print(f"  raw without the foreign keys of occurrence.platform_id and clause_id: {no_fk}; their checks cost "
          f"{(with_fk.wall - no_fk.wall) / with_fk.wall:.0%} of the raw floor (CPU {(with_fk.cpu - no_fk.cpu) / with_fk.cpu:.0%})")

    # Leave the year in place, as it is after a year of sweeps, and read one platform's quarter.
    raw()
    sql(f"ANALYZE {TABLE}")
    p = Platform.objects.order_by("pk").first().pk
    params = {"p": p, "qs": NOW, "qe": NOW + timedelta(days=92)}
    for label, read in READS.items():
        print(f"  one platform's {label}: " + ", ".join(
            f"{how} {median_ms(read.format(where=where), params):.2f} ms" for how, where in ACCESS.items())
            + " (median of 9)")

    fresh_table()
    sweep(now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(now=NOW + timedelta(minutes=5))
    assert (result["created"], result["missed"]) == (0, 0), result
    print(f"  queries of a sweep that finds nothing new ({Obligation.objects.count():,} obligations): "
          f"{len(ctx.captured_queries)}")
    # An hour later the horizon has moved: every obligation is read (in batches of
    # PLEDGE_SWEEP_BATCH) and nothing is inserted, as the new hour opens no new period.
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(now=NOW + timedelta(hours=1, minutes=5))
    print(f"  queries of the next hour's sweep that reads every obligation: {len(ctx.captured_queries)} "
          f"(created {result['created']})")


print(f"PostgreSQL: {pg_settings_line()}")
for size in sorted(args.sizes):
    t = time.perf_counter()
    added = platforms(size, NOW)
    print(f"setup: {added:,} platforms added (the first through the services, the rest copied) "
          f"in {time.perf_counter() - t:.1f} s")
    measure(size)
