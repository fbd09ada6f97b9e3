"""Celery tasks: the sweeps beat runs (thin wrappers over work/ and alerts/), and the
export jobs (oversight/export_jobs.py) queued by the pages."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .alerts.notifications import notifications_plan, notifications_send
from .oversight import export_jobs
from .oversight.reviews import reviews_open
from .trust.integrity import integrity_check
from .work.sweeps import obligations_materialize, occurrences_close_out


def run_sweeps(*, now: datetime) -> dict:
    """Materialize, close out, then notify: after downtime the missed periods are made
    first, marked missed, and escalated in the same run. The `sweep` command calls it too."""
    return {
        "created": obligations_materialize(now=now),
        "missed": occurrences_close_out(now=now),
        "planned": notifications_plan(now=now),
        "sent": notifications_send(now=now),
        "reviews": reviews_open(now=now),
    }


@shared_task(name="obligations.tasks.sweep")
def sweep():
    return run_sweeps(now=timezone.now())


@shared_task(name="obligations.tasks.integrity")
def integrity():
    """Daily: the audit chain verified, a seventh of the evidence files re-hashed."""
    report = integrity_check(now=timezone.now())
    return {"chain": report.chain.reason or "ok", "broken": report.chain.broken_id, "checked": report.checked,
            "mismatched": [m.evidence.pk for m in report.mismatches], "notified": report.notified}


@shared_task(name="obligations.tasks.export_run", acks_late=True, ignore_result=True,
             soft_time_limit=settings.PLEDGE_EXPORT_TIME_LIMIT, time_limit=settings.PLEDGE_EXPORT_TIME_LIMIT + 60)
def export_run(job_id):
    """Make an export job's file (a report or an archive); the job records the outcome."""
    export_jobs.export_run(job_id)
