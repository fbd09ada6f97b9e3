"""Benchmark: the fanned sweep (one materialize_batch task per PLEDGE_SWEEP_BATCH
obligations) on real Celery workers (Redis: REDIS_URL) with 1, 2 and 4 worker processes,
from the same state each time: the speed-up per worker.

    .venv/bin/python bench/fanout.py   (PostgreSQL: DATABASE_URL, default pledge_bench;
                                        FANOUT_PLATFORMS, FANOUT_DAYS, FANOUT_BATCH)
"""

import os
import time
from datetime import UTC, datetime, timedelta

from common import celery_worker, make_platforms, setup_database, stop_workers

setup_database()

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)


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


fanout()
