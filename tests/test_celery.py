"""The sweep as Celery runs it: a real worker consuming from the Redis broker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from compliance.celery import app
from obligations.demo import demo_setup
from obligations.models import Occurrence
from tests.conftest import SIGNED_AT

REPO = Path(__file__).resolve().parent.parent


def test_beat_schedule_runs_the_sweep_every_minute():
    entry = app.conf.beat_schedule["sweep-every-minute"]
    assert entry["task"] == "obligations.tasks.sweep"
    assert entry["schedule"] == 60.0
    from obligations import tasks

    assert app.tasks[entry["task"]].name == tasks.sweep.name == "obligations.tasks.sweep"
    # One sweep entry, not one per obligation.
    assert len(app.conf.beat_schedule) < 10


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_runs_the_sweep_task():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    demo_setup(now=SIGNED_AT)
    Occurrence.objects.all().delete()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = app.send_task("obligations.tasks.sweep")
        counts = result.get(timeout=30)
    assert counts["created"] > 0
    assert Occurrence.objects.filter(platform__slug="demo").count() == counts["created"]


def test_embedded_broker_keeps_its_state_under_var(tmp_path):
    """A worker started on the filesystem broker writes its exchange table under var/,
    not in the folder it was started from (which is the repository for bin/run)."""
    cwd, var = tmp_path / "cwd", tmp_path / "var"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "CELERY_RESULT_BACKEND")}
    env.update(PLEDGE_VAR_DIR=str(var), PYTHONPATH=str(REPO), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    script = ("import django; django.setup(); from compliance.celery import app; "
              "app.send_task('obligations.tasks.sweep', ignore_result=True)")
    subprocess.run([sys.executable, "-c", script], cwd=cwd, env={**env, "DJANGO_SETTINGS_MODULE": "compliance.settings"},
                   check=True, timeout=60)
    assert list(cwd.iterdir()) == []
    assert list((var / "broker" / "control").glob("*.exchange"))
