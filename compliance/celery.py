"""The Celery app. Beat runs a handful of fixed sweeps defined here, never a periodic
task per obligation: each sweep works on every obligation in bulk (materialize fans out
into one task per key range). Each entry has its own cadence and expires before its
next tick, so a worker that was down does not run a backlog of the same sweep."""

import logging
import os
import threading
from datetime import timedelta

from celery import Celery, bootsteps, signals
from celery.schedules import crontab

from . import broker_fix

broker_fix.apply()  # a worker that survives Redis going while a task runs (compliance/broker_fix.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")

app = Celery("compliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
log = logging.getLogger("obligations.worker")


def beat_scale() -> float:
    return float(os.environ.get("PLEDGE_BEAT_SCALE", "1"))


class WorkerHeartbeat(bootsteps.StartStopStep):
    """The worker's own heartbeat (obligations/trust/heartbeat.worker_beat), written every
    PLEDGE_WORKER_HEARTBEAT seconds by a thread of the main process, so /healthz knows the
    worker is alive whatever beat does. A thread, not the event loop's timer: a database that
    hangs does not stall the worker's consumer. Each write opens and closes its own
    connection, so no connection is open when the pool forks a new child. Started after the
    pool; a clean stop removes the row."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs):
        self.stopping = threading.Event()
        self.thread = None

    def start(self, worker):
        from django.conf import settings
        from django.utils import timezone

        interval = max(0.2, settings.PLEDGE_WORKER_HEARTBEAT * beat_scale())
        hostname, pid, started = worker.hostname, os.getpid(), timezone.now()

        def run():
            from django.db import connections

            from obligations.trust.heartbeat import worker_beat

            while True:
                try:
                    worker_beat(hostname, pid=pid, started_at=started, now=timezone.now())
                except Exception as exc:  # noqa: BLE001 - the database down: /healthz says so
                    log.warning("worker heartbeat not written: %s", exc)
                finally:
                    connections.close_all()
                if self.stopping.wait(interval):
                    return

        self.thread = threading.Thread(target=run, name="pledge-worker-heartbeat", daemon=True)
        self.thread.start()

    def stop(self, worker):
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
            try:
                from django.db import connections

                from obligations.trust.heartbeat import worker_gone

                worker_gone(worker.hostname)
                connections.close_all()
            except Exception as exc:  # noqa: BLE001 - stopping anyway
                log.warning("worker heartbeat not removed: %s", exc)

    terminate = stop  # a cold shutdown too (StartStopStep's own would skip a step without an obj)


app.steps["worker"].add(WorkerHeartbeat)


@signals.after_setup_logger.connect
def quiet_task_lines(**_kwargs):
    """At INFO a worker shows each sweep's own line (obligations.sweeps), not two lines of
    Celery's per task received and succeeded."""
    for name in ("celery.app.trace", "celery.worker.strategy"):
        logging.getLogger(name).setLevel(logging.WARNING)


def beat_schedule(scale: float = 1.0) -> dict:
    """The schedule; `scale` shrinks the minute cadences (PLEDGE_BEAT_SCALE, for the
    fault tests only). Times of day are UTC (CELERY_TIMEZONE)."""

    def every(seconds, task, expires):
        return {"task": task, "schedule": timedelta(seconds=seconds * scale),
                "options": {"expires": expires * scale}}

    return {
        "materialize": every(300, "obligations.tasks.materialize", 240),
        "close-out": every(60, "obligations.tasks.close_out", 50),
        "plan-notifications": every(60, "obligations.tasks.plan_notifications", 50),
        "send-notifications": every(60, "obligations.tasks.send_notifications", 50),
        "signin-audit": every(60, "obligations.tasks.signin_audit", 50),
        "send-webhooks": every(60, "obligations.tasks.send_webhooks", 50),
        "daily-digest": {"task": "obligations.tasks.daily_digest", "schedule": crontab(minute=2),
                         "options": {"expires": 3000}},  # hourly: the digest goes out once past the digest hour
        # Integrity and retention, daily at 19:40 UTC (03:40 in Shanghai, a quiet hour).
        "integrity-daily": {"task": "obligations.tasks.integrity", "schedule": crontab(hour=19, minute=40),
                            "options": {"expires": 20 * 3600}},
        "open-reviews": {"task": "obligations.tasks.open_reviews", "schedule": crontab(minute=7),
                         "options": {"expires": 3000}},
    }


app.conf.beat_schedule = beat_schedule(beat_scale())
