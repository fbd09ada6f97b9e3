"""Benchmark: materialize one year ahead for 500 platforms, against a raw
INSERT … SELECT generate_series of as many rows into the same table, in one run.
Then the queries of a sweep that finds nothing new, at 500 and at 1,000 platforms.
Then the fanned sweep on real Celery workers (Redis: REDIS_URL) with 1, 2 and 4 worker
processes: the speed-up per worker.

    .venv/bin/python bench/materialize.py          (PostgreSQL: DATABASE_URL, default pledge_bench)
    .venv/bin/python bench/materialize.py fanout   (the fan-out part alone; FANOUT_PLATFORMS, FANOUT_DAYS, FANOUT_BATCH)
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta

from common import celery_worker, make_platforms, setup_database, stop_workers

setup_database()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from obligations.models import Obligation, Occurrence  # noqa: E402
from obligations.tasks import run_sweeps as sweep  # noqa: E402
from obligations.work.sweeps import obligations_materialize  # noqa: E402

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def fanout():
    """The fanned sweep (one materialize_batch task per PLEDGE_SWEEP_BATCH obligations)
    on 1, 2 and 4 real worker processes; the same work each time, from the same state."""
    import redis

    from compliance.celery import app
    from obligations.models import Obligation, Occurrence
    from obligations.tasks import materialize_batch
    from obligations.work.sweeps import materialize_batches

    platforms, days = int(os.environ.get("FANOUT_PLATFORMS", 200)), int(os.environ.get("FANOUT_DAYS", 60))
    batch = int(os.environ.get("FANOUT_BATCH", 50))
    os.environ["PLEDGE_HORIZON_DAYS"] = str(days)
    os.environ["PLEDGE_SWEEP_BATCH"] = str(batch)
    if Obligation.objects.count() == 0:
        t = time.perf_counter()
        make_platforms(0, platforms, NOW)
        print(f"fan-out setup: {platforms} platforms (officer, staff, supervisor) in {time.perf_counter() - t:.1f} s")
    live = Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event")
    horizon = timedelta(days=days)
    limit = NOW.replace(minute=0, second=0, microsecond=0) + horizon
    base = None
    print(f"fanned sweep: {live.count()} obligations, {days}-day horizon, batches of {batch}, on {os.cpu_count()} cores")
    for count in (1, 2, 4):
        Occurrence.objects.all().delete()
        Obligation.objects.update(materialized_until=None)
        redis.Redis.from_url(os.environ["REDIS_URL"]).delete("celery", "unacked", "unacked_index")
        workers = [celery_worker(1, f"bench{i}") for i in range(count)]
        try:
            deadline = time.monotonic() + 120
            while len(app.control.ping(timeout=0.5)) < count:
                if time.monotonic() > deadline:
                    raise SystemExit("the workers did not answer")
            t = time.perf_counter()
            ranges = materialize_batches(now=NOW, horizon=horizon, batch=batch)
            for lo, hi in ranges:
                materialize_batch.apply_async((lo, hi, NOW.isoformat()), expires=3600)
            while live.exclude(materialized_until__gte=limit).exists():
                time.sleep(0.05)
            seconds = time.perf_counter() - t
        finally:
            stop_workers(workers)
        rows = Occurrence.objects.count()
        base = base or seconds
        print(f"  {count} worker(s): {len(ranges)} tasks, {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
              f"speed-up {base / seconds:.2f}x, {base / seconds / count:.2f} per worker")


if sys.argv[1:] == ["fanout"]:
    fanout()
    raise SystemExit(0)

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

fanout()
