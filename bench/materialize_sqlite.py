"""Benchmark, SQLite (the embedded default): materialize one year ahead for 100 platforms
(`--platforms N`) with several ways of writing the rows, each against the raw floor, in
one run on the same file:

- raw floors: INSERT … SELECT of the very same rows from a saved copy into the same empty
  table (same indexes); an executemany of the very same rows, already adapted; and a
  recursive-CTE insert of as many rows generated in SQL;
- candidates for insert_occurrences' SQLite path, each plugged into the real
  obligations_materialize: a VALUES list adapting every datetime (what it did before),
  the same with each distinct datetime adapted once, executemany, and a CTE fed by the
  rows as one JSON array;
- the path insert_occurrences takes now.

Every run starts from an emptied table (DELETE and VACUUM) and commits inside its timing.

    .venv/bin/python bench/materialize_sqlite.py [--platforms 100]
        (a scratch file, default /tmp/pledge_bench.sqlite3: SQLITE_PATH)
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--platforms", type=int, default=100)
parser.add_argument("--runs", type=int, default=3, help="runs of each way; the median is printed")
args = parser.parse_args()

PATH = Path(os.environ.get("SQLITE_PATH", "/tmp/pledge_bench.sqlite3"))
for suffix in ("", "-journal", "-wal", "-shm"):
    Path(f"{PATH}{suffix}").unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{PATH}"
os.environ.pop("DATABASE_OWNER_URL", None)  # one file, no roles
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402 - the path, settings and key
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from obligations.models import Obligation, Occurrence  # noqa: E402
from obligations.work import sweeps  # noqa: E402
from obligations.work.sweeps import INSERT_COLUMNS, obligations_materialize  # noqa: E402

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
TABLE = Occurrence._meta.db_table
COLUMNS = ", ".join(INSERT_COLUMNS)


def sql(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


def fresh_table():
    sql(f"DELETE FROM {TABLE}")
    Obligation.objects.update(materialized_until=None)
    sql("VACUUM")


# The candidates: each has insert_occurrences' contract (a batch of INSERT_COLUMNS tuples,
# rows that exist already ignored, returns the rows really inserted).

def values_adapt_each(rows):
    """What insert_occurrences did before: a VALUES list, every datetime adapted by Django."""
    inserted, adapt = 0, connection.ops.adapt_datetimefield_value
    placeholders = "(" + ",".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            batch = rows[i: i + 2000]
            params = [adapt(v) if isinstance(v, datetime) else v for row in batch for v in row]
            cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES {','.join([placeholders] * len(batch))} "
                           "ON CONFLICT DO NOTHING", params)
            inserted += cursor.rowcount
    return inserted


def adapted(rows):
    """The rows with each distinct datetime adapted once, as insert_occurrences does now."""
    return sweeps._datetimes_once(rows, connection.ops.adapt_datetimefield_value)


ONE_ROW = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({','.join(['?'] * len(INSERT_COLUMNS))}) ON CONFLICT DO NOTHING"


def executemany(rows):
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the sqlite3 cursor
        raw.executemany(ONE_ROW, adapted(rows))
        return raw.rowcount


def temporary_table(rows):
    """As on PostgreSQL: the batch into a temporary table without indexes, then one
    INSERT … SELECT … ON CONFLICT DO NOTHING."""
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS occurrence_batch AS SELECT {COLUMNS} FROM {TABLE} WHERE 0")
        raw.executemany(f"INSERT INTO occurrence_batch ({COLUMNS}) VALUES ({','.join(['?'] * len(INSERT_COLUMNS))})",
                        adapted(rows))
        raw.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM occurrence_batch WHERE true "
                    "ON CONFLICT DO NOTHING")
        inserted = raw.rowcount
        raw.execute("DELETE FROM occurrence_batch")
        return inserted


def json_cte(rows):
    picks = ", ".join(f"value ->> {i}" for i in range(len(INSERT_COLUMNS)))
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {picks} FROM json_each(?) WHERE true "
                    "ON CONFLICT DO NOTHING", [json.dumps(adapted(rows), ensure_ascii=False)])
        return raw.rowcount


CANDIDATES = {
    "VALUES lists, every datetime adapted (before)": values_adapt_each,
    "executemany, each distinct datetime adapted once": executemany,
    "a temporary table, then INSERT … SELECT": temporary_table,
    "a CTE fed by the rows as one JSON array": json_cte,
    "VALUES lists, each distinct datetime adapted once (insert_occurrences now)": sweeps.insert_occurrences,
}


def materialize_with(insert):
    real = sweeps.insert_occurrences
    sweeps.insert_occurrences = insert
    try:
        return obligations_materialize(now=NOW, horizon=YEAR)
    finally:
        sweeps.insert_occurrences = real


def raw_select():
    with transaction.atomic():
        return sql(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM bench_saved WHERE true "
                   "ON CONFLICT DO NOTHING")


def raw_executemany(prepared):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.cursor.executemany(ONE_ROW, prepared)
        return cursor.cursor.rowcount


def recursive_cte(count, ob):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)
            INSERT INTO {TABLE} ({COLUMNS})
            SELECT %s, %s, %s, datetime('2026-01-01', '+' || n || ' seconds'),
                   datetime('2026-01-01', '+' || n || ' seconds', '+1 day'), 1,
                   datetime('2026-01-01', '+' || n || ' seconds'), datetime('2026-01-01', '+' || n || ' seconds', '+8 hours'),
                   datetime('2026-01-01', '+' || n || ' seconds', '+9 hours'), 0, 'open', '', '2026-01-01 00:00:00'
            FROM g WHERE true ON CONFLICT DO NOTHING""", [count, ob.pk, ob.platform_id, ob.clause_id])
        cur.execute("SELECT changes()")  # the sqlite3 module counts no rows for a WITH … INSERT
        return cur.fetchone()[0]


def table_rows():
    with connection.cursor() as cur:
        cur.execute(f"SELECT {COLUMNS} FROM {TABLE}")
        return set(cur.fetchall())


call_command("migrate", verbosity=0)
t = time.perf_counter()
common.platforms(args.platforms, NOW)
print(f"SQLite {connection.Database.sqlite_version}, {PATH}: {args.platforms} platforms in {time.perf_counter() - t:.1f} s")

fresh_table()
rows = materialize_with(values_adapt_each)
sql("DROP TABLE IF EXISTS bench_saved")
sql(f"CREATE TABLE bench_saved AS SELECT {COLUMNS} FROM {TABLE} ORDER BY id")
expected = table_rows()  # the rows as the path before wrote them, byte for byte
with connection.cursor() as cur:
    cur.execute(f"SELECT {COLUMNS} FROM bench_saved")
    prepared = cur.fetchall()
ob = Obligation.objects.filter(kind="calendar").first()
print(f"one year ahead: {rows:,} rows; each way {args.runs} times, interleaved, from an emptied table; "
      "median wall time (the machine's other load included) and median CPU time of this process "
      "(SQLite runs in it)")

FLOOR, MANY, CTE = ("raw INSERT … SELECT of the same rows from a saved copy",
                    "raw executemany of the same rows, adapted already",
                    "recursive-CTE insert of as many generated rows")
ways = {FLOOR: raw_select, MANY: lambda: raw_executemany(prepared), CTE: lambda: recursive_cte(rows, ob),
        **{f"materialize, {label}": (lambda insert=insert: materialize_with(insert))
           for label, insert in CANDIDATES.items()}}
wall, cpu = ({label: [] for label in ways} for _ in range(2))
for _ in range(args.runs):
    for label, fn in ways.items():
        fresh_table()
        t, c = time.perf_counter(), time.process_time()
        n = fn()
        wall[label].append(time.perf_counter() - t)
        cpu[label].append(time.process_time() - c)
        assert n == rows, (label, n, rows)
wall, cpu = ({label: statistics.median(t) for label, t in d.items()} for d in (wall, cpu))
for label in ways:
    print(f"  {label}: {wall[label]:.2f} s = {rows / wall[label]:,.0f} rows/s (CPU {cpu[label]:.2f} s)")
for label in CANDIDATES:
    key = f"materialize, {label}"
    print(f"ratio materialize with {label}: " + ", ".join(
        f"{wall[key] / wall[floor]:.2f}x (CPU {cpu[key] / cpu[floor]:.2f}x) {name}"
        for floor, name in ((FLOOR, "INSERT … SELECT"), (MANY, "executemany"), (CTE, "recursive CTE"))))
print("(target: within 2x of the raw insert of the same rows)")

# Every way writes exactly the rows the path before wrote, and a second run inserts nothing.
for label, insert in CANDIDATES.items():
    fresh_table()
    materialize_with(insert)
    same = table_rows() == expected
    Obligation.objects.update(materialized_until=None)
    print(f"  {label}: the same rows, byte for byte: {same}; run again, it inserts {materialize_with(insert)}")
