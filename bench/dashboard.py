"""Benchmark: the compliance dashboard of one platform holding a year of history from the
demo letter, beside 0, 499 and 9,999 other platforms with the same year (`--sizes 1,500`
by default; `--sizes 1,500,10000` adds 10,000: some minutes to set up, about 12 million
occurrences). At each size, in one run: the whole page through the Django test client
(middleware, every query, the template), its queries, and the raw SQL aggregate that yields
the page's per-clause figures, as a ratio.

The first platform's year is materialized by the sweep; the others are copies of it made by
SQL (their obligations copied by common.clone_platforms, their occurrences by common.copy_history,
month by month with the platforms interleaved), which is what lets 10,000 platforms' history exist in minutes.

    .venv/bin/python bench/dashboard.py [--sizes 1,500,10000]
        (PostgreSQL: DATABASE_URL, default pledge_bench; the database is dropped and made again)
"""

import argparse
import statistics
import time
from datetime import timedelta

from common import copy_history, pg_settings_line, platforms, setup_database, sizes_argument

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
sizes_argument(parser, "1,500", "10000 takes some minutes to set up")
parser.add_argument("--runs", type=int, default=7, help="requests per figure; the median is printed")
args = parser.parse_args()
setup_database()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import Membership, Occurrence, Platform  # noqa: E402
from obligations.oversight import dashboard  # noqa: E402
from obligations.schedule.periods import PeriodKind, period_containing  # noqa: E402
from obligations.work.sweeps import obligations_materialize  # noqa: E402
from tests.test_query_plans import unrestricted  # noqa: E402 - the plan check (needs requirements-dev)

setup_test_environment()
NOW = timezone.now()
SIGNED = NOW - timedelta(days=365)
TABLE = Occurrence._meta.db_table
RAW = """
SELECT c.number,
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s),
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s AND o.state = 'done'),
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s AND o.state = 'done_late'),
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s AND o.state = 'missed'),
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s AND o.state = 'open'),
       count(*) FILTER (WHERE o.due_at > %(ms)s AND o.due_at <= %(me)s AND o.state = 'waived'),
       count(*), count(*) FILTER (WHERE o.state = 'done'), count(*) FILTER (WHERE o.state = 'done_late'),
       count(*) FILTER (WHERE o.state = 'missed'), count(*) FILTER (WHERE o.state = 'open'),
       count(*) FILTER (WHERE o.state = 'waived')
FROM obligations_occurrence o
JOIN obligations_obligation b ON b.id = o.obligation_id
JOIN obligations_clause c ON c.id = b.clause_id
WHERE o.platform_id = %(p)s AND o.due_at > %(qs)s AND o.due_at <= %(qe)s
GROUP BY c.number, c.ordinal ORDER BY c.ordinal
"""
COPIED = ("period_start", "period_end", "sequence", "opens_at", "due_at", "close_at", "provisional", "state",
          "waived_reason", "created_at", "state_changed_at", "missed_at")


def first_year():
    """The first platform's year, by the sweep, with plausible states: most done, some
    late, a few missed."""
    obligations_materialize(now=NOW, horizon=timedelta(0))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")  # history written below the app's guards
        cur.execute("""UPDATE obligations_occurrence SET state = CASE WHEN id %% 10 < 7 THEN 'done'
                       WHEN id %% 10 < 8 THEN 'done_late' WHEN id %% 10 < 9 THEN 'missed' ELSE 'open' END
                       WHERE due_at < %s AND state = 'open'""", [NOW])


def populate(size):
    have = Platform.objects.count()
    t = time.perf_counter()
    if have == 0:
        platforms(1, SIGNED)
        first_year()
        have = 1
    platforms(size, SIGNED)
    copied = copy_history(have, size - 1, COPIED) if size > have else 0
    if copied:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    print(f"setup: {size - have:,} platforms and {copied:,} occurrences copied in {time.perf_counter() - t:.1f} s")


def median_ms(fn, runs=args.runs):
    return medians_ms(fn, runs)[0]


def medians_ms(fn, runs=args.runs):
    """Median wall time and median CPU time of this process (the web side, without the
    database server's), in ms: on a shared machine the wall time includes others' load."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure():
    platform = Platform.objects.get(slug="p00000")
    officer = Membership.objects.get(platform=platform, role="officer").user
    client = Client()
    client.force_login(officer)
    url = f"/platforms/{platform.slug}/dashboard/"
    assert client.get(url).status_code == 200
    reset_queries()  # the request resets the log too; start both counts from zero
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)  # read now: later requests reset the log
    statements = [q["sql"] for q in ctx.captured_queries]
    selects = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    # The plans PostgreSQL picks at this size: any scan of a tenant table that neither the
    # platform nor a key restricts (tests/test_query_plans.py holds the same rule, forced).
    wide = [(sql, scan) for sql in selects for scan in unrestricted(sql, as_large=False)]
    tz = platform.tz
    month, quarter = (period_containing(k, NOW, tz) for k in (PeriodKind.MONTHLY, PeriodKind.QUARTERLY))
    params = {"p": platform.pk, "ms": month.start, "me": month.end, "qs": quarter.start, "qe": quarter.end}

    def raw():
        with connection.cursor() as cur:
            cur.execute(RAW, params)
            return cur.fetchall()

    raw_rows = raw()
    figures = None
    if hasattr(dashboard, "clause_figures"):  # the page's own selector, while it has this shape
        try:
            ours_rows = dashboard.clause_figures(platform, now=NOW, tz=tz)[0]
            assert [(r.number, r.month.due, r.quarter.due, r.quarter.missed) for r in ours_rows] == \
                [(r[0], r[1], r[7], r[10]) for r in raw_rows], "the ORM and the raw SQL disagree"
            figures = median_ms(lambda: dashboard.clause_figures(platform, now=NOW, tz=tz))
        except (TypeError, AttributeError) as exc:
            print(f"  (per-clause selector not measured: {exc})")
    page, page_cpu = medians_ms(lambda: client.get(url))
    raw_ms = median_ms(raw)
    # Every statement the page ran, replayed as raw SQL on the driver's cursor: the floor of
    # the page's figures (all of them, not only the per-clause table).

    def replay():
        with connection.cursor() as cur:
            for sql in statements:
                cur.cursor.execute(sql)
                if cur.cursor.description:
                    cur.cursor.fetchall()

    replay_ms = median_ms(replay)
    print(f"{Platform.objects.count():,} platforms, {Occurrence.objects.count():,} occurrences "
          f"({Occurrence.objects.filter(platform=platform).count():,} of the measured platform)")
    print(f"  dashboard page through the test client: {page:.1f} ms (median of {args.runs}; "
          f"{page_cpu:.1f} ms CPU in Django), {queries} queries")
    print(f"  raw SQL aggregate of the per-clause figures: {raw_ms:.2f} ms")
    if figures is not None:
        print(f"  per-clause figures through the ORM: {figures:.2f} ms, {figures / raw_ms:.2f}x the raw SQL")
    print(f"  ratio whole page / raw SQL aggregate: {page / raw_ms:.1f}x")
    print(f"  the page's {len(statements)} statements replayed as raw SQL: {replay_ms:.2f} ms; "
          f"ratio whole page / its raw SQL: {page / replay_ms:.1f}x")
    print(f"  scans of a tenant table the platform does not restrict, in the plans at this size: {len(wide) or 'none'}")
    for sql, scan in wide:
        print(f"    {scan}\n      in {sql[:160]}…")
    return queries


print(f"PostgreSQL: {pg_settings_line()}")
counts = []
for size in sorted(args.sizes):
    populate(size)
    counts.append(measure())
print(f"queries equal at every size: {len(set(counts)) == 1} ({counts})")
