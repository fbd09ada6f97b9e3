"""Benchmark: materialize one year ahead for 500 platforms, against a raw
INSERT … SELECT generate_series of as many rows into the same table, in one run.
Then the queries of a sweep that finds nothing new, at 500 and at 1,000 platforms.

    .venv/bin/python bench/materialize.py      (PostgreSQL: DATABASE_URL, default pledge_bench)
"""

import time
from datetime import UTC, datetime, timedelta

from common import make_platforms, setup_database

setup_database()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from obligations.models import Obligation, Occurrence  # noqa: E402
from obligations.tasks import run_sweeps as sweep  # noqa: E402
from obligations.work.sweeps import obligations_materialize  # noqa: E402

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)

t = time.perf_counter()
make_platforms(0, 500, NOW)
print(f"setup: 500 platforms with the signed letter in {time.perf_counter() - t:.1f} s")

t = time.perf_counter()
rows = obligations_materialize(now=NOW, horizon=YEAR)
ours = time.perf_counter() - t
print(f"materialize: {rows} rows in {ours:.2f} s = {rows / ours:,.0f} rows/s")

# The same number of rows, the same table and indexes, one raw statement.
ob = Obligation.objects.filter(kind="calendar").first()
Occurrence.objects.all().delete()
with connection.cursor() as cur:
    t = time.perf_counter()
    cur.execute(
        """INSERT INTO obligations_occurrence (obligation_id, platform_id, clause_id, period_start, period_end,
               sequence, opens_at, due_at, close_at, provisional, state, waived_reason, created_at)
           SELECT %s, %s, %s, ts, ts + interval '1 day', 1, ts, ts + interval '8 hours',
                  ts + interval '9 hours', false, 'open', '', now()
           FROM (SELECT %s::timestamptz + g * interval '1 second' AS ts FROM generate_series(1, %s) g) s
           ON CONFLICT DO NOTHING""",
        [ob.pk, ob.platform_id, ob.clause_id, NOW, rows],
    )
    raw = time.perf_counter() - t
print(f"raw INSERT … SELECT generate_series: {rows} rows in {raw:.2f} s = {rows / raw:,.0f} rows/s")
print(f"ratio materialize / raw: {ours / raw:.2f}x (target: within 3x)")

Occurrence.objects.all().delete()
Obligation.objects.update(materialized_until=None)
for hours, platforms in enumerate((500, 1000), start=1):
    if platforms == 1000:
        make_platforms(500, 500, NOW)
    sweep(now=NOW)
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(now=NOW + timedelta(minutes=5))
    assert (result["created"], result["missed"]) == (0, 0), result
    print(f"queries of a sweep that finds nothing new at {platforms} platforms "
          f"({Obligation.objects.count()} obligations): {len(ctx.captured_queries)}")
    # An hour later the horizon has moved: every obligation is read (in batches of
    # PLEDGE_SWEEP_BATCH) and nothing is inserted, as the new hour opens no new period.
    with CaptureQueriesContext(connection) as ctx:
        result = sweep(now=NOW + timedelta(hours=hours, minutes=5))
    print(f"queries of the next hour's sweep that reads every obligation at {platforms} platforms: "
          f"{len(ctx.captured_queries)} (created {result['created']})")
