"""Celery tasks, run by beat: thin wrappers over the sweeps of work/, alerts/ and
oversight/. Each periodic sweep is its own task at its own cadence (compliance/celery.py);
materialize fans out into one task per key range of obligations, so N workers share a
large sweep; sending mail is its own task, retried with backoff on mail-server errors. The
export jobs (oversight/export_jobs.py) are queued by the pages.

Every task expires (a worker back after 20 minutes does not run 20 queued sweeps back
to back), has a soft and a hard time limit, and ignores its result. The minute sweeps and the
materialize batches are acknowledged late (running them twice is harmless: the sweeps are
idempotent, and a claim keeps a message from going out twice), so a task whose worker died
runs again after the broker's visibility timeout, which outlasts them (compliance/settings.py,
PLEDGE_BROKER_VISIBILITY_TIMEOUT). The hourly and daily tasks and the exports run far longer
than that timeout: they are acknowledged when they start (a late ack would have a second
worker start the same task while the first still runs it); one lost with its worker runs at
its next tick (an export is shown stalled and may be run again). A task that meets a database
or broker error is retried at once with backoff (`TRANSIENT_ERRORS`), not at the next beat.
Each sweep records its heartbeat (SweepRun).
"""

import logging
import smtplib
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .alerts.evidence_notices import evidence_webhooks
from .alerts.notifications import notifications_digest, notifications_plan, notifications_send
from .alerts.webhook_sender import webhooks_send
from .alerts.webhooks import webhooks_plan
from .oversight import export_jobs
from .oversight.reviews import reviews_open
from .trust.failed_signins import failures_audit
from .trust.heartbeat import heartbeat
from .trust.integrity import integrity_check
from .work.retention import retention_list, retention_remove_approved
from .work.sweeps import materialize_batches, materialize_range, obligations_materialize, occurrences_close_out

log = logging.getLogger(__name__)

# Seconds: expiry, soft and hard time limits; whether acknowledged late (module docstring). A
# periodic task expires before its next tick.
MINUTE_TASK = {"expires": 50, "soft_time_limit": 45, "time_limit": 55, "acks_late": True}
BATCH_TASK = {"expires": 600, "soft_time_limit": 240, "time_limit": 300, "acks_late": True}
HOURLY_TASK = {"expires": 3000, "soft_time_limit": 600, "time_limit": 660, "acks_late": False}
DAILY_TASK = {"expires": 20 * 3600, "soft_time_limit": 1800, "time_limit": 1900, "acks_late": False}

# The database or the broker gone for a moment (a restart, a failover, a dropped connection):
# the task is retried at once, after 1, 2, 4, 8 then 16 s (jittered, each at most
# RETRY_BACKOFF_MAX), instead of waiting for its next beat. After RETRY_MAX it fails; the next
# beat runs it again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError)
RETRY_BACKOFF_MAX = 60
RETRY_MAX = 5
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 1, "retry_backoff_max": RETRY_BACKOFF_MAX,
         "retry_jitter": True, "max_retries": RETRY_MAX}


def task(name, limits, **options):
    """A shared task named obligations.tasks.<name> with the house options: retried on
    TRANSIENT_ERRORS (and whatever else the task names in its own autoretry_for)."""
    retry = {**RETRY, **options}
    retry["autoretry_for"] = tuple(dict.fromkeys(TRANSIENT_ERRORS + tuple(options.get("autoretry_for", ()))))
    return shared_task(name=f"obligations.tasks.{name}", ignore_result=True, acks_late=limits["acks_late"],
                       reject_on_worker_lost=False, expires=limits["expires"],
                       soft_time_limit=limits["soft_time_limit"], time_limit=limits["time_limit"], **retry)


def run_sweeps(*, now: datetime) -> dict:
    """Materialize, close out, then notify, in this process: after downtime the missed
    periods are made first, marked missed, and escalated in the same run. The `sweep`
    command and the tests call it; beat runs the same steps as separate tasks."""
    result = {}
    for key, name, step in (
        ("created", "materialize", lambda: obligations_materialize(now=now)),
        ("missed", "close_out", lambda: occurrences_close_out(now=now)),
        ("planned", "plan", lambda: notifications_plan(now=now)),
        ("sent", "send", lambda: notifications_send(now=now)),
        ("reviews", "reviews", lambda: reviews_open(now=now)),
        ("webhooks", "webhooks", lambda: webhooks_run(now=now)),
    ):
        with heartbeat(name) as figures:
            value = step()
            # A step with several figures (webhooks: attempts and deliveries) reports each by name.
            figures.update(value if isinstance(value, dict) else {key: value})
        result.update(figures)
    return result


@task("sweep", HOURLY_TASK)
def sweep():
    """Everything in one process (by hand: `celery call obligations.tasks.sweep`); beat
    does not schedule it."""
    return run_sweeps(now=timezone.now())


@task("materialize", MINUTE_TASK)
def materialize():
    """The fan-out: one materialize_batch task per PLEDGE_SWEEP_BATCH obligations."""
    now = timezone.now()
    with heartbeat("materialize") as figures:
        ranges = materialize_batches(now=now)
        for lo, hi in ranges:
            materialize_batch.apply_async((lo, hi, now.isoformat()), expires=BATCH_TASK["expires"])
        figures["batches"] = len(ranges)
    return len(ranges)


@task("materialize_batch", BATCH_TASK)
def materialize_batch(lo: int, hi: int, now_iso: str):
    """One key range of the fanned sweep (no heartbeat of its own: one commit less per batch)."""
    return materialize_range(lo=lo, hi=hi, now=datetime.fromisoformat(now_iso))


@task("close_out", MINUTE_TASK)
def close_out():
    with heartbeat("close_out") as figures:
        figures["missed"] = occurrences_close_out(now=timezone.now())
    return figures["missed"]


@task("plan_notifications", MINUTE_TASK)
def plan_notifications():
    with heartbeat("plan") as figures:
        figures["planned"] = notifications_plan(now=timezone.now(), digests=False)
    if figures["planned"]:
        send_notifications.apply_async(expires=MINUTE_TASK["expires"])
    return figures["planned"]


@task("send_notifications", MINUTE_TASK, autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=5,
      retry_backoff_max=40, retry_jitter=True, max_retries=3)
def send_notifications():
    with heartbeat("send") as figures:
        figures["sent"] = notifications_send(now=timezone.now())
    return figures["sent"]


def webhooks_run(*, now) -> dict:
    """Record the tasks missed and clocks breached lately (alerts/webhooks.py), then send the
    deliveries due (alerts/webhook_sender.py). Returns the rows recorded, the attempts made and
    the deliveries delivered: a run of failed attempts is not "0 webhooks"."""
    recorded = webhooks_plan(now=now)
    sent = webhooks_send(now=now)
    return {"webhooks_recorded": recorded, "webhook_attempts": sent.attempts, "webhooks_delivered": sent.delivered}


@task("send_webhooks", MINUTE_TASK)
def send_webhooks():
    """Every minute; a receiver's failure is the delivery's (retried with backoff by its own
    schedule), not the task's."""
    with heartbeat("webhooks") as figures:
        figures.update(webhooks_run(now=timezone.now()))
    return figures["webhooks_delivered"]


@task("daily_digest", HOURLY_TASK)
def daily_digest():
    with heartbeat("digest") as figures:
        figures["planned"] = notifications_digest(now=timezone.now())
    if figures["planned"]:
        send_notifications.apply_async(expires=MINUTE_TASK["expires"])
    return figures["planned"]


def _integrity(now) -> dict:
    """The audit chain verified, a seventh of the evidence files re-hashed (trust/integrity.py)."""
    report = integrity_check(now=now)
    for m in report.mismatches:  # the platform's webhooks hear of a changed file once, however found
        evidence_webhooks(m.evidence, found=m.found, now=now)
    return {"chain": report.chain.reason or "ok", "broken": report.chain.broken_id, "checked": report.checked,
            "mismatched": [m.evidence.pk for m in report.mismatches], "notified": report.notified}


@task("integrity", DAILY_TASK)
def integrity():
    """Daily: the audit chain verified, a seventh of the evidence files re-hashed; evidence
    past its keep-until date listed for the officer's approval, and approved files not yet
    removed removed."""
    now = timezone.now()
    with heartbeat("integrity_retention") as figures:
        figures.update(_integrity(now), listed=retention_list(now=now), removed=retention_remove_approved(now=now))
    return figures


@task("open_reviews", HOURLY_TASK)
def open_reviews():
    with heartbeat("reviews") as figures:
        figures["opened"] = reviews_open(now=timezone.now())
    return figures["opened"]


@task("signin_audit", MINUTE_TASK)
def signin_audit():
    """Failed sign-ins of windows that have passed, into the audit chain (trust/failed_signins.py)."""
    return failures_audit(now=timezone.now())


def silence_limit() -> timedelta:
    return timedelta(seconds=settings.PLEDGE_HEALTH_MAX_SWEEP_AGE)


@shared_task(name="obligations.tasks.export_run", acks_late=False, ignore_result=True,
             soft_time_limit=settings.PLEDGE_EXPORT_TIME_LIMIT, time_limit=settings.PLEDGE_EXPORT_TIME_LIMIT + 60)
def export_run(job_id):
    """Make an export job's file (a report or an archive); the job records the outcome.
    Acknowledged when it starts: it may run longer than the broker's visibility timeout (a
    late ack would hand it to a second worker meanwhile); one lost with its worker is shown
    stalled, and may be run again."""
    export_jobs.export_run(job_id)
