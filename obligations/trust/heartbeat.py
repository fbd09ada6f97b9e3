"""Heartbeats of the periodic sweeps: each run records when it ran and how long it took
in one row per sweep name (models.SweepRun), moved forward by one conditional upsert,
never backwards (a slower run that finishes later than a newer one changes nothing).

/healthz and the officer's pages read the newest heartbeat to tell whether Celery beat
is alive; the site administrator is told once per silence (`silence_claim`).

A worker also writes a heartbeat of its own (models.WorkerBeat, `worker_beat`), from a
thread of its main process (compliance/celery.py), whatever beat does: so /healthz tells a
dead worker (its heartbeat stops) from a silent beat (the workers' go on, the sweeps' stop)."""

import json
import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from ..models import SweepRun, WorkerBeat

log = logging.getLogger("obligations.sweeps")


def heartbeat_record(name: str, *, started_at: datetime, finished_at: datetime, result=None) -> bool:
    """Record a finished run of sweep `name`; False if a newer run was recorded already."""
    table = SweepRun._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    duration = max(0, int((finished_at - started_at).total_seconds() * 1000))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, started_at, finished_at, duration_ms, runs, result, silence_alerted_at) "  # nosec B608 - table and column names from the model, values as parameters
            "VALUES (%s, %s, %s, %s, 1, %s, NULL) "
            f"ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, "
            f"duration_ms = EXCLUDED.duration_ms, runs = {table}.runs + 1, result = EXCLUDED.result, "
            f"silence_alerted_at = NULL WHERE {table}.finished_at <= EXCLUDED.finished_at",
            [name, adapt(started_at), adapt(finished_at), duration, json.dumps(result or {}, default=str)],
        )
        return cursor.rowcount == 1


@contextmanager
def heartbeat(name: str):
    """Time the block and record it as a run of `name` when it ends without error. The
    block may put its figures into the yielded dict."""
    started, t0 = timezone.now(), time.monotonic()
    figures: dict = {}
    yield figures
    elapsed = time.monotonic() - t0
    heartbeat_record(name, started_at=started, finished_at=started + timedelta(seconds=elapsed), result=figures)
    # One line per sweep, so a console shows the scheduler at work.
    log.info("sweep %s: %s in %.2f s", name, " ".join(f"{k}={v}" for k, v in figures.items()) or "done", elapsed)


def last_run() -> datetime | None:
    """When the newest sweep finished, whichever it was; None if none ever ran."""
    return SweepRun.objects.aggregate(last=Max("finished_at"))["last"]


def silence_claim(*, now: datetime, max_age: timedelta) -> bool:
    """True exactly once per silence: when no sweep finished within `max_age` and nobody
    was told of this silence yet. A conditional UPDATE, so concurrent callers (web
    processes, health probes) agree on one of them."""
    table = SweepRun._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET silence_alerted_at = %s WHERE silence_alerted_at IS NULL "  # nosec B608 - table and column names from the model, values as parameters
            f"AND NOT EXISTS (SELECT 1 FROM {table} fresh WHERE fresh.finished_at >= %s)",
            [adapt(now), adapt(now - max_age)],
        )
        return cursor.rowcount > 0


def worker_beat(hostname: str, *, pid: int, started_at: datetime, now: datetime) -> None:
    """Record that worker `hostname` is alive at `now`."""
    WorkerBeat.objects.update_or_create(hostname=hostname, defaults={"pid": pid, "started_at": started_at,
                                                                      "seen_at": now})


def worker_gone(hostname: str) -> None:
    """A worker stopping cleanly takes its heartbeat with it."""
    WorkerBeat.objects.filter(hostname=hostname).delete()


def workers_seen(*, since: datetime) -> tuple[int, datetime | None]:
    """How many workers wrote a heartbeat since `since`, and the newest heartbeat of any."""
    fresh = WorkerBeat.objects.filter(seen_at__gte=since).count()
    return fresh, WorkerBeat.objects.aggregate(last=Max("seen_at"))["last"]
