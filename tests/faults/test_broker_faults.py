"""The broker and the worker lost, for real: Redis killed while a worker runs a sweep (the
worker lives on and sweeps again once Redis is back, whether the sweep ends while Redis is
down or after it returns); a worker killed (/healthz says 503 within one beat interval); an
export requested while Redis is down (refused in the user's language, no job left queued)."""

import time
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from compliance.celery import app
from obligations.models import AuditEvent, ExportJob, Obligation, Occurrence, Role, SweepRun, UserPreferences
from obligations.oversight import export_jobs
from obligations.tasks import close_out, materialize_batch
from obligations.trust.heartbeat import heartbeat_record
from tests.conftest import make_user
from tests.dbroles import database_url
from tests.oversight.export_support import exports_root, sign  # noqa: F401 (exports_root: a fixture)
from tests.oversight.review_sample import closed_review

from . import procs
from .conftest import duplicate_counts, signed_platform

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
SCALE = 0.05  # beat's minute is 3 s; the worker's heartbeat every 0.75 s
NO_DUPLICATES = {"occurrences": 0, "notifications": 0, "completions": 0}


def finished(name):
    row = SweepRun.objects.filter(name=name).first()
    return row.finished_at if row else None


def unmaterialize():
    """The open tasks made again by the next materialize (the missed ones stay: they are records)."""
    Occurrence.objects.filter(state=Occurrence.State.OPEN).delete()
    Obligation.objects.update(materialized_until=None)


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


class TableLock:
    """The occurrence table locked against writes from a connection of the test's own, so a
    sweep that writes occurrences waits, in flight, until `release`."""

    def __init__(self):
        self.conn = psycopg2.connect(database_url())
        with self.conn.cursor() as cursor:
            cursor.execute("LOCK TABLE obligations_occurrence IN EXCLUSIVE MODE")

    def release(self):
        self.conn.rollback()
        self.conn.close()


def a_batch_in_flight(url):
    """Send one materialize batch over every obligation to the worker on `url`; return once it
    runs and waits on the lock."""
    unmaterialize()
    ids = list(Obligation.objects.values_list("pk", flat=True))
    lock = TableLock()
    with app.connection_for_write(url) as conn:
        materialize_batch.apply_async((min(ids), max(ids), timezone.now().isoformat()), connection=conn,
                                      expires=600)
    procs.wait_for(lambda: waiting_on_a_lock() >= 1, 60, "the batch to run and wait on the lock")
    return lock


def worker_alive(worker) -> bool:
    """True while the worker runs; its log's end if it died (the test fails at once)."""
    assert worker.popen.poll() is None, f"the worker died: {worker.output()[-3000:]}"
    return True


def test_redis_lost_while_a_task_runs_the_worker_sweeps_again_after_it_returns():
    """Two processes, one running the batch and one idle: the idle one has a BRPOP under way
    when Redis goes, the case that killed the worker (compliance/broker_fix.py). No beat, so
    nothing else fills the idle process; once Redis is back a close-out is sent as beat would."""
    signed_platform("lost", now=timezone.now() - timedelta(days=1))
    server = procs.RedisServer().start()
    worker = procs.worker(server.url, "w", concurrency=2, PLEDGE_BEAT_SCALE=SCALE)
    rounds = []
    try:
        # Round 1: the sweep ends while Redis is down; round 2: after Redis is back.
        for ends_while_down in (True, False):
            t0 = time.monotonic()
            lock = a_batch_in_flight(server.url)
            time.sleep(0.5)  # the idle process is back to waiting on BRPOP
            server.kill()
            down_at = time.monotonic()
            time.sleep(2)
            if ends_while_down:
                lock.release()
                procs.wait_for(lambda: waiting_on_a_lock() == 0, 30, "the batch to finish")
            server.start()
            back, up_at = datetime.now(UTC), time.monotonic()
            if not ends_while_down:
                time.sleep(3)  # the worker reconnects meanwhile
                lock.release()
            with app.connection_for_write(server.url) as conn:  # as beat sends it, every minute
                close_out.apply_async(connection=conn, expires=60)
            procs.wait_for(lambda back=back: worker_alive(worker) and (finished("close_out") or back) > back, 90,
                           "a close-out after Redis came back")
            swept = time.monotonic() - up_at
            procs.wait_for(lambda: not Obligation.objects.filter(materialized_until__isnull=True).exclude(
                kind="event").filter(ends_at__isnull=True).exists(), 60, "every obligation materialized")
            worker_alive(worker)
            rounds.append((ends_while_down, up_at - down_at, swept, time.monotonic() - t0))
    finally:
        worker.stop()
        server.kill()
    log = worker.output()
    for ends_while_down, down, swept, seconds in rounds:
        print(f"\n[redis lost mid-task] the batch ended {'while Redis was down' if ends_while_down else 'after it returned'}"
              f"; Redis down {down:.1f} s; the worker's first close-out after it came back {swept:.1f} s later; "
              f"round {seconds:.1f} s; worker alive")
    assert "Unrecoverable error" not in log and "Restoring" in log
    assert duplicate_counts() == NO_DUPLICATES


def test_healthz_503_within_one_beat_interval_of_the_workers_death(settings):
    """One beat interval at PLEDGE_BEAT_SCALE 0.05: the close-out's minute, 3 s."""
    settings.PLEDGE_HEALTH_WORKER_AGE = round(60 * SCALE)
    signed_platform("dies", now=timezone.now() - timedelta(days=1))
    client = Client()

    def probe():
        now = timezone.now()
        heartbeat_record("close_out", started_at=now, finished_at=now)  # beat keeps sweeping: only the worker dies
        response = client.get("/healthz")
        return response.status_code, response.json()

    procs.clear_queues(settings.CELERY_BROKER_URL)
    worker = procs.worker(settings.CELERY_BROKER_URL, "dies", concurrency=1, PLEDGE_BEAT_SCALE=SCALE)
    try:
        procs.wait_for(lambda: probe()[0] == 200, 60, "/healthz 200 with the worker up")
        worker.kill9()
        killed = time.monotonic()
    finally:
        worker.stop()
    during = probe()
    time.sleep(settings.PLEDGE_HEALTH_WORKER_AGE + 0.5)  # one beat interval (and a half second) after the kill
    status, body = probe()
    print(f"\n[worker killed] /healthz {during[0]} at the kill, {status} {time.monotonic() - killed:.1f} s later "
          f"(beat interval {settings.PLEDGE_HEALTH_WORKER_AGE} s): {body['problems']}")
    assert status == 503 and set(body["problems"]) == {"worker"} and body["checks"]["scheduler"]["ok"]


@pytest.fixture
def reviewed(platform, officer):
    sign(platform, officer)
    return closed_review(platform)


@pytest.fixture
def broker_down(settings):
    server = procs.RedisServer().start()
    settings.CELERY_BROKER_URL = server.url
    server.kill()
    yield server
    server.kill()


def export_post(user, review):
    client = Client()
    client.force_login(user)
    return client.post(reverse("export-start", args=[review.platform.slug]),
                       {"kind": ExportJob.Kind.REVIEW_PDF, "review": review.pk}, follow=True)


@pytest.mark.usefixtures("exports_root")
def test_an_export_requested_while_redis_is_down_is_refused_and_leaves_no_job(reviewed, officer, broker_down):
    auditor = make_user("dora", reviewed.platform, Role.AUDITOR)
    UserPreferences.objects.create(user=auditor, language="en")
    jobs_before = set(ExportJob.objects.values_list("pk", flat=True))  # the review's own, if any

    def exports_audited():
        return AuditEvent.objects.filter(action__startswith="export.").count()

    audit_before = exports_audited()
    t = time.monotonic()
    chinese = export_post(officer, reviewed)
    refused_in = time.monotonic() - t
    english = export_post(auditor, reviewed)
    assert chinese.status_code == 200 and english.status_code == 200  # the export page again, no 500
    assert "后台任务队列(Redis)暂时无法连接,导出没有开始" in chinese.content.decode()
    assert "The task queue (Redis) cannot be reached" in english.content.decode()
    assert set(ExportJob.objects.values_list("pk", flat=True)) == jobs_before and exports_audited() == audit_before

    # Redis lost between the check and the sending: the job is failed with the reason, not left queued.
    broker_check = export_jobs.broker_check
    export_jobs.broker_check = lambda: None
    try:
        job = export_post(officer, reviewed).redirect_chain[-1][0]
    finally:
        export_jobs.broker_check = broker_check
    failed = ExportJob.objects.exclude(pk__in=jobs_before).get()
    assert failed.state == ExportJob.State.FAILED and "导出没有开始" in failed.error and str(failed.pk) in job

    broker_down.start()  # Redis is back: the same request is queued for a worker
    queued = export_post(officer, reviewed)
    fresh = ExportJob.objects.exclude(pk__in=jobs_before | {failed.pk}).get()
    assert queued.status_code == 200 and fresh.state == ExportJob.State.QUEUED
    assert redis.Redis(port=broker_down.port).llen("celery") == 1
    print(f"\n[export, redis down] refused in {refused_in * 1000:.0f} ms in Chinese and English, no job, no audit "
          f"record; lost after the check: job {failed.pk} failed with the reason; Redis back: job {fresh.pk} queued")
