"""kill -9 of a real Celery worker in the middle of a large fanned sweep on Redis, then a
restart: the occurrences equal those of a fault-free run on the same database, row for row."""

import time
from datetime import timedelta

import pytest
from django.conf import settings

from obligations.models import Obligation, Occurrence
from obligations.tasks import materialize_batch
from obligations.work.sweeps import materialize_batches, obligations_materialize
from tests.conftest import SIGNED_AT

from . import procs
from .conftest import clone_platforms, duplicate_counts, occurrences_md5, signed_platform

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
HORIZON_DAYS, BATCH = 45, 10


def fan_out(now):
    ranges = materialize_batches(now=now, horizon=timedelta(days=HORIZON_DAYS), batch=BATCH)
    for lo, hi in ranges:
        materialize_batch.apply_async((lo, hi, now.isoformat()), expires=600)
    return len(ranges)


def remaining(limit):
    return Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event").exclude(
        materialized_until__gte=limit).count()


def test_kill_9_of_a_worker_mid_sweep_then_a_restart_gives_the_fault_free_result():
    url = settings.CELERY_BROKER_URL
    source, _people = signed_platform("kill")
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    obligations = clone_platforms(source, 79)
    now = SIGNED_AT + timedelta(days=1)
    limit = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=HORIZON_DAYS)
    env = {"PLEDGE_HORIZON_DAYS": HORIZON_DAYS, "PLEDGE_SWEEP_BATCH": BATCH}

    # The fault-free run, in this process.
    t = time.monotonic()
    batches = len(materialize_batches(now=now, horizon=timedelta(days=HORIZON_DAYS), batch=BATCH))
    obligations_materialize(now=now, horizon=timedelta(days=HORIZON_DAYS), batch=BATCH)
    clean_seconds = time.monotonic() - t
    clean_md5, rows = occurrences_md5()

    # The same database again, and a worker killed half-way.
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    procs.clear_queues(url)
    w = procs.worker(url, "victim", **env)
    t = time.monotonic()
    fan_out(now)
    try:
        procs.wait_for(lambda: remaining(limit) <= obligations * 0.7, 60, "the sweep to get going", interval=0.02)
    except AssertionError:
        w.stop()
        raise
    w.kill9()
    left_at_kill = remaining(limit)
    rows_at_kill = Occurrence.objects.count()
    restarted = time.monotonic()
    w = procs.worker(url, "restarted", **env)
    try:
        procs.wait_for(lambda: remaining(limit) == 0, 300, "the restarted worker to finish the sweep")  # a loaded 2-core machine
        recovery = time.monotonic() - restarted
    finally:
        w.stop()
    faulty_md5, faulty_rows = occurrences_md5()
    dups = duplicate_counts()
    print(f"\n[kill -9] {obligations} obligations in {batches} batches of {BATCH}, {rows} occurrences; "
          f"fault-free sweep in one process {clean_seconds:.1f} s; killed with {left_at_kill} obligations "
          f"({left_at_kill / obligations:.0%}) and {rows} - {rows_at_kill} rows to go; the restarted worker "
          f"finished in {recovery:.1f} s (fanned with the kill: {time.monotonic() - t:.1f} s in all); md5 {clean_md5} vs {faulty_md5}; "
          f"duplicates {dups}")
    assert 0 < left_at_kill < obligations and rows_at_kill < rows
    assert (faulty_md5, faulty_rows) == (clean_md5, rows)
    assert dups == {"occurrences": 0, "notifications": 0, "completions": 0}
