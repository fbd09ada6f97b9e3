"""Benchmark: the compliance dashboard with one platform holding a year of history from
the demo letter, then with 500 such platforms. Prints the dashboard's queries (the same
at both sizes), its server time, and, in the same run, the raw SQL aggregate that yields
the same per-clause figures: as it was first written (joining every platform's
obligations) and restricted to the platform's obligations, as the ORM query is.

The page and the raw SQL are timed in turns (page, raw, raw restricted, and again), so
a machine busy with other work slows them alike; medians of RUNS turns.

    .venv/bin/python bench/dashboard.py      (PostgreSQL: DATABASE_URL, default pledge_bench)
"""

import os
import statistics
import time
from datetime import timedelta

from common import make_platforms, setup_database

setup_database()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import Membership, Occurrence, Platform  # noqa: E402
from obligations.oversight import dashboard  # noqa: E402
from obligations.schedule.periods import PeriodKind, period_containing  # noqa: E402
from obligations.work.sweeps import obligations_materialize  # noqa: E402

setup_test_environment()
NOW = timezone.now()
RUNS = int(os.environ.get("RUNS", "21"))
SIGNED = NOW - timedelta(days=365)
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
# The same, reading only the platform's own obligations (as the ORM query does).
RAW_OWN = RAW.replace("WHERE o.platform_id = %(p)s", "WHERE o.platform_id = %(p)s AND b.platform_id = %(p)s")


def populate(first, count):
    make_platforms(first, count, SIGNED)
    obligations_materialize(now=NOW, horizon=timedelta(0))
    with connection.cursor() as cur:  # a plausible year: most done, some late, a few missed
        cur.execute("""UPDATE obligations_occurrence SET state = CASE WHEN id %% 10 < 7 THEN 'done'
                       WHEN id %% 10 < 8 THEN 'done_late' WHEN id %% 10 < 9 THEN 'missed' ELSE 'open' END
                       WHERE due_at < %s AND state = 'open'""", [NOW])
        cur.execute("ANALYZE obligations_occurrence")


def in_turns(fns, runs=RUNS):
    """Median milliseconds of each function, timed in turns."""
    times = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return [statistics.median(t) for t in times]


def measure(label):
    platform = Platform.objects.order_by("pk").first()
    officer = Membership.objects.get(platform=platform, role="officer").user
    client = Client()
    client.force_login(officer)
    url = f"/platforms/{platform.slug}/dashboard/"
    assert client.get(url).status_code == 200
    reset_queries()  # the request resets the log too; start both counts from zero
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)  # read now: later requests reset the log
    tz = platform.tz
    month, quarter = (period_containing(k, NOW, tz) for k in (PeriodKind.MONTHLY, PeriodKind.QUARTERLY))
    params = {"p": platform.pk, "ms": month.start, "me": month.end, "qs": quarter.start, "qe": quarter.end}

    def raw(sql):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    ours_rows, _, _ = dashboard.clause_figures(platform, now=NOW, tz=tz)
    for sql in (RAW, RAW_OWN):
        assert [(r.number, r.month.due, r.quarter.due, r.quarter.missed) for r in ours_rows] == \
            [(r[0], r[1], r[7], r[10]) for r in raw(sql)], "the ORM and the raw SQL disagree"
    page, figures, raw_ms, raw_own_ms = in_turns([
        lambda: client.get(url), lambda: dashboard.clause_figures(platform, now=NOW, tz=tz),
        lambda: raw(RAW), lambda: raw(RAW_OWN)])
    total = Occurrence.objects.count()
    print(f"{label}: {Platform.objects.count()} platforms, {total:,} occurrences")
    print(f"  dashboard queries: {queries}")
    print(f"  dashboard page server time: {page:.1f} ms (median of {RUNS})")
    print(f"  raw SQL aggregate: {raw_ms:.2f} ms; restricted to the platform's obligations: {raw_own_ms:.2f} ms")
    print(f"  per-clause figures through the ORM: {figures:.2f} ms; ratio {figures / raw_ms:.2f}x the raw SQL, "
          f"{figures / raw_own_ms:.2f}x the restricted one (target: within 3x)")
    print(f"  whole page / raw SQL aggregate: {page / raw_ms:.1f}x (target: within 3x); "
          f"/ the restricted one: {page / raw_own_ms:.1f}x")
    return queries


populate(0, 1)
small = measure("one platform")
populate(1, 499)
large = measure("500 platforms")
print(f"queries equal at both sizes: {small == large}")
