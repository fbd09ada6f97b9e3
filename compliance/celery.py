"""The Celery app. Beat runs a handful of fixed sweeps defined here, never a periodic
task per obligation: each sweep works on every obligation in bulk (materialize fans out
into one task per key range). Each entry has its own cadence and expires before its
next tick, so a worker that was down does not run a backlog of the same sweep."""

import logging
import os
from datetime import timedelta

from celery import Celery, signals
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")

app = Celery("compliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
        "daily-digest": {"task": "obligations.tasks.daily_digest", "schedule": crontab(minute=2),
                         "options": {"expires": 3000}},  # hourly: the digest goes out once past the digest hour
        # Integrity and retention, daily at 19:40 UTC (03:40 in Shanghai, a quiet hour).
        "integrity-daily": {"task": "obligations.tasks.integrity", "schedule": crontab(hour=19, minute=40),
                            "options": {"expires": 20 * 3600}},
        "open-reviews": {"task": "obligations.tasks.open_reviews", "schedule": crontab(minute=7),
                         "options": {"expires": 3000}},
    }


app.conf.beat_schedule = beat_schedule(float(os.environ.get("PLEDGE_BEAT_SCALE", "1")))
