"""The Celery app. Beat runs a handful of fixed sweeps defined here, never a periodic
task per obligation: each sweep works on every obligation in bulk."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")

app = Celery("compliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-every-minute": {"task": "obligations.tasks.sweep", "schedule": 60.0},
    # Beat runs in UTC: 19:40 UTC is 03:40 in Shanghai, a quiet hour.
    "integrity-daily": {"task": "obligations.tasks.integrity", "schedule": crontab(hour=19, minute=40)},
}
