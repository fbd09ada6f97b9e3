"""Benchmark, SQLite (the embedded default): materialize one year ahead for 100 platforms
(`--platforms N`), against the raw floor, in one run on the same file:

- raw floors: INSERT … SELECT of the very same rows from a saved copy into the same empty
  table (same indexes); an executemany of the very same rows, already adapted; and a
  recursive-CTE insert of as many rows generated in SQL;
- the sweep as it is: VALUES lists of 2,000 rows, the slots of a schedule computed and
  their datetimes converted once per sweep, shared by the obligations of that schedule
  (the platforms here all signed the demo letter at once, as platforms copied from one
  template do);
- the sweep with no two obligations sharing a schedule: the worst case, platforms that
  signed at different times, before their first sweep.

(Earlier candidates for the insert path, measured here before and dropped: executemany,
a temporary table then INSERT … SELECT, a CTE fed by JSON. The profile showed the
insert itself near its floor; the time was the slots computed and converted per
obligation: 116,000 rows from the same 28 schedules.)

Every run starts from an emptied table (DELETE and VACUUM) and commits inside its timing.

    .venv/bin/python bench/materialize_sqlite.py [--platforms 100]
        (a scratch file, default /tmp/pledge_bench.sqlite3: SQLITE_PATH)
"""

import argparse
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


def adapted(rows):
    """The rows with each distinct datetime adapted once, as insert_occurrences does."""
    return sweeps._datetimes_once(rows, connection.ops.adapt_datetimefield_value)


ONE_ROW = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({','.join(['?'] * len(INSERT_COLUMNS))}) ON CONFLICT DO NOTHING"


def materialize():
    return obligations_materialize(now=NOW, horizon=YEAR)


def materialize_unshared():
    """As each obligation had a schedule of its own (platforms that signed at different
    times, before their first sweep): no two share their slots."""
    real = sweeps._schedule_key
    sweeps._schedule_key = lambda *args: object()
    try:
        return materialize()
    finally:
        sweeps._schedule_key = real


CANDIDATES = {
    "the sweep now (a schedule's slots computed once per sweep)": materialize,
    "the sweep, every obligation's slots computed on its own": materialize_unshared,
}


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
rows = materialize_unshared()
sql("DROP TABLE IF EXISTS bench_saved")
sql(f"CREATE TABLE bench_saved AS SELECT {COLUMNS} FROM {TABLE} ORDER BY id")
expected = table_rows()  # the rows each obligation's own slots make, byte for byte
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
        **{f"materialize, {label}": fn for label, fn in CANDIDATES.items()}}
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

# Every way writes exactly the same rows, and a second run inserts nothing.
for label, fn in CANDIDATES.items():
    fresh_table()
    fn()
    same = table_rows() == expected
    Obligation.objects.update(materialized_until=None)
    print(f"  {label}: the same rows, byte for byte: {same}; run again, it inserts {fn()}")
