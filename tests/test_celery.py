"""The sweep as Celery runs it: a real worker consuming from the Redis broker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from compliance.celery import app
from obligations.demo import demo_setup
from obligations.models import Occurrence
from tests.conftest import SIGNED_AT


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
