"""The sweeps as Celery runs them: separate beat entries at their own cadences, tasks that
expire before their next tick, and a real worker on Redis running the fanned sweep."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.db import OperationalError

from compliance.celery import app, beat_schedule
from obligations import tasks
from obligations.demo import demo_setup
from obligations.models import Obligation, Occurrence, SweepRun
from tests.conftest import SIGNED_AT

REPO = Path(__file__).resolve().parent.parent
ENTRIES = {"materialize", "close-out", "plan-notifications", "send-notifications", "daily-digest",
           "integrity-daily", "open-reviews", "signin-audit", "send-webhooks"}


def seconds(schedule):
    if isinstance(schedule, crontab):
        return _crontab_period(schedule)
    return schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)


def _crontab_period(cron):
    hours, minutes = len(cron.hour), len(cron.minute)
    return 24 * 3600 / (hours * minutes) if hours < 24 else 3600 / minutes


def test_beat_runs_separate_sweeps_each_expiring_before_its_next_tick():
    schedule = app.conf.beat_schedule
    assert set(schedule) == ENTRIES  # a few fixed sweeps, never one per obligation
    for name, entry in schedule.items():
        task = app.tasks[entry["task"]]
        period = seconds(entry["schedule"])
        assert entry["options"]["expires"] < period, name
        assert task.expires is not None and task.expires <= max(period, 600), name
        assert task.soft_time_limit < task.time_limit, name
        assert task.ignore_result, name
        assert task.acks_late == (task.time_limit <= tasks.BATCH_TASK["time_limit"]), name  # test below
        assert set(tasks.TRANSIENT_ERRORS) <= set(task.autoretry_for) and task.retry_backoff, name
    assert seconds(schedule["close-out"]["schedule"]) == 60
    assert seconds(schedule["materialize"]["schedule"]) == 300
    assert schedule["open-reviews"]["task"] == "obligations.tasks.open_reviews"
    batch = app.tasks["obligations.tasks.materialize_batch"]
    assert batch.acks_late and batch.ignore_result and batch.expires and batch.soft_time_limit < batch.time_limit
    send = app.tasks["obligations.tasks.send_notifications"]
    assert send.autoretry_for and send.retry_backoff and send.max_retries
    # The fault tests shrink the minute cadences; the daily ones stay.
    fast = beat_schedule(0.05)
    assert seconds(fast["close-out"]["schedule"]) == 3 and fast["close-out"]["options"]["expires"] < 3


def test_the_visibility_timeout_outlasts_every_late_acknowledged_task(settings):
    """A message acknowledged late stays unacknowledged through a retry's countdown, a wait in
    the worker behind another batch, then its own run: the broker must not hand it to a second
    worker meanwhile. Tasks that may run longer are acknowledged when they start."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    late = {name: t for name, t in app.tasks.items() if name.startswith("obligations.") and t.acks_late}
    early = {name: t for name, t in app.tasks.items() if name.startswith("obligations.") and not t.acks_late}
    longest = max(t.time_limit for t in late.values())
    assert "obligations.tasks.materialize_batch" in late and "obligations.tasks.close_out" in late
    assert {"obligations.tasks.integrity", "obligations.tasks.export_run"} <= set(early)
    assert visibility >= tasks.RETRY_BACKOFF_MAX + 2 * longest, (visibility, longest)
    assert min(t.time_limit for t in early.values()) > longest


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_runs_the_fanned_sweep(settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.PLEDGE_SWEEP_BATCH = 4
    demo_setup(now=SIGNED_AT)
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    live = Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event").count()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        app.send_task("obligations.tasks.materialize")
        deadline = time.monotonic() + 60
        while Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event").filter(
                materialized_until__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    batches = SweepRun.objects.get(name="materialize").result["batches"]
    assert batches == -(-live // 4) > 1  # one task per key range of 4 obligations
    assert Occurrence.objects.filter(platform__slug="demo").count() > 0
    assert not Obligation.objects.filter(ends_at__isnull=True, materialized_until__isnull=True).exclude(
        kind="event").exists()


def test_embedded_broker_keeps_its_state_under_var(tmp_path):
    """A worker started on the filesystem broker writes its exchange table under var/,
    not in the folder it was started from (which is the repository for bin/run)."""
    cwd, var = tmp_path / "cwd", tmp_path / "var"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DATABASE_URL", "DATABASE_OWNER_URL", "CELERY_RESULT_BACKEND")}
    env.update(PLEDGE_VAR_DIR=str(var), PYTHONPATH=str(REPO), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    script = ("import django; django.setup(); from compliance.celery import app; "
              "app.send_task('obligations.tasks.close_out', ignore_result=True)")
    subprocess.run([sys.executable, "-c", script], cwd=cwd, env={**env, "DJANGO_SETTINGS_MODULE": "compliance.settings"},
                   check=True, timeout=60)
    assert list(cwd.iterdir()) == []
    assert list((var / "broker" / "control").glob("*.exchange"))


@pytest.mark.django_db
def test_each_task_records_its_heartbeat(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for task, name in ((tasks.close_out, "close_out"), (tasks.plan_notifications, "plan"),
                       (tasks.send_notifications, "send"), (tasks.daily_digest, "digest"),
                       (tasks.open_reviews, "reviews"), (tasks.integrity, "integrity_retention"),
                       (tasks.send_webhooks, "webhooks"),
                       (tasks.materialize, "materialize")):
        task.run()
        assert SweepRun.objects.filter(name=name, runs=1).exists(), name
    assert settings.CELERY_TASK_IGNORE_RESULT


def _flaky(monkeypatch, failures):
    """materialize_range failing with a dropped database connection `failures` times first."""
    real, attempts = tasks.materialize_range, []

    def flaky(**kwargs):
        attempts.append(time.monotonic())
        if len(attempts) <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "materialize_range", flaky)
    return attempts


def _live():
    return Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_batch_failing_on_the_database_is_retried_at_once_with_backoff(settings, monkeypatch):
    """A real worker on Redis: the batch fails twice with OperationalError and is run again
    within seconds (backoff 1 s, 2 s, jittered), not at the next beat."""
    from tests.faults.procs import clear_queues

    clear_queues(settings.CELERY_BROKER_URL)
    demo_setup(now=SIGNED_AT)
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    ids = list(_live().values_list("pk", flat=True))
    attempts = _flaky(monkeypatch, failures=2)
    t = time.monotonic()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        tasks.materialize_batch.apply_async((min(ids), max(ids) + 1, SIGNED_AT.isoformat()))
        deadline = time.monotonic() + 60
        while _live().filter(materialized_until__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    gaps = [round(b - a, 1) for a, b in zip(attempts, attempts[1:], strict=False)]
    print(f"\n[batch retried] {len(attempts)} attempts, {gaps} s apart; done {time.monotonic() - t:.1f} s after sending")
    assert len(attempts) == 3
    assert not _live().filter(materialized_until__isnull=True).exists() and Occurrence.objects.exists()


@pytest.mark.django_db
def test_a_batch_that_keeps_failing_stops_after_its_retries(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_setup(now=SIGNED_AT)
    attempts = _flaky(monkeypatch, failures=100)
    result = tasks.materialize_batch.apply((0, 10**9, SIGNED_AT.isoformat()))
    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(attempts) == tasks.RETRY_MAX + 1  # bounded: the next beat takes it from there
    error = tasks.materialize_batch.apply((0, 10**9, SIGNED_AT.isoformat()), throw=False)
    assert len(attempts) == 2 * (tasks.RETRY_MAX + 1) and error.failed()
