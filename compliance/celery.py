"""The Celery app. Beat runs a handful of fixed sweeps defined here, never a periodic
task per obligation: each sweep works on every obligation in bulk."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")

app = Celery("compliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-every-minute": {"task": "obligations.tasks.sweep", "schedule": 60.0},
}
