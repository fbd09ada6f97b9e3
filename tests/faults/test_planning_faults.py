"""Planning cut short on a real worker: kill -9 of the worker, and its soft time limit, while it
folds late notices into catch-ups (a transaction per platform here, PLEDGE_PLAN_BATCH=1). A
session of the test holds the third platform's catch-up row uncommitted, so the worker waits
inside that batch's transaction, two batches committed, when the fault strikes. Afterwards a
plan on a worker and its send: every notice ends in exactly one mail, alone or counted in its
person's one catch-up, none lost, none twice; and a cut leaves no task marked told that no
message tells of."""

import time
from collections import Counter
from datetime import timedelta

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from obligations.alerts import notifications
from obligations.alerts.catch_up import summary_tasks
from obligations.alerts.told import BITS
from obligations.models import Membership, Notification, Occurrence, Role, SweepRun
from obligations.tasks import RETRY_MAX, plan_notifications, send_notifications
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.dbroles import database_url

from . import procs
from .conftest import signed_platform
from .test_scheduler_faults import sent_mails

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
K = Notification.Kind
PLATFORMS, BLOCKED = 4, 2  # the platform (by id order) whose batch waits
SOFT_LIMIT = 8  # seconds: time for the plan to reach the held batch on a loaded machine


def outage(days=2):
    """Platforms signed `days` ago, their tasks raised and closed out, nothing planned: every
    message owed is late. Returns the notices owed (recipient, kind, occurrence) and the
    officer of the platform whose batch the test will hold up."""
    now = timezone.now()
    officers = [signed_platform(f"plan{i}", now=now - timedelta(days=days))[1]["officer"] for i in range(PLATFORMS)]
    obligations_materialize(now=now)
    occurrences_close_out(now=now)
    owed = {(r["recipient_id"], r["kind"], r["occurrence_id"])
            for r in notifications._worded(notifications.plan_candidates(now=now))}
    blocked = sorted(officers, key=lambda u: Membership.objects.get(user=u, role=Role.OFFICER).platform_id)[BLOCKED]
    return owed, blocked


class Holdup:
    """Another session inserts, and keeps uncommitted, `user`'s catch-up of the day: a plan
    folding rows for them waits for it, inside its transaction."""

    def __init__(self, user):
        self.conn = psycopg2.connect(database_url())
        with self.conn.cursor() as cursor:
            cursor.execute(f"INSERT INTO {Notification._meta.db_table} (recipient_id, kind, digest_date, subject, "  # nosec B608 - table name from the model
                           "body, created_at, attempts, repeat) VALUES (%s, %s, %s, '', '', now(), 0, false)",
                           [user.pk, K.CATCH_UP, timezone.localdate()])

    def waiters(self) -> int:
        with connection.cursor() as cursor:  # not the holdup's: its transaction keeps one snapshot of the stats
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0]

    def release(self):
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def ready(w):
    procs.wait_for(lambda: " ready." in w.output(), 90, f"worker {w.name} to start")
    return w


def told_in_messages() -> set:
    """(recipient, kind, task) of every notice planned: a row alone, or a task a catch-up tells of."""
    alone = set(Notification.objects.exclude(kind=K.CATCH_UP).values_list("recipient_id", "kind", "occurrence_id"))
    return alone | {(c.recipient_id, *pair) for c in Notification.objects.filter(kind=K.CATCH_UP)
                    for pair in summary_tasks(c.summary)}


def consistent():
    """No task marked told that no message tells of, no catch-up telling of nothing: what a cut leaves."""
    marked = {(pk, kind) for pk, bits in Occurrence.objects.exclude(told=0).values_list("pk", "told")
              for kind, bit in BITS.items() if bits & bit}
    untold = marked - {(pk, kind) for _user, kind, pk in told_in_messages()}
    empty = [c for c in Notification.objects.filter(kind=K.CATCH_UP) if not summary_tasks(c.summary)]
    return len(untold), len(empty)


def finish_and_check(owed, url, extra, mails):
    """A plan and a send on a fresh worker; then every notice owed is in exactly one mail."""
    before = SweepRun.objects.filter(name="send").values_list("runs", flat=True).first() or 0
    w = procs.worker(url, "after", concurrency=1, **extra)
    try:
        ready(w)
        plan_notifications.apply_async()
        # And a send of its own: a plan with nothing left to plan (the cut told everything) queues none.
        send_notifications.apply_async()
        procs.wait_for(lambda: (SweepRun.objects.filter(name="send").values_list("runs", flat=True).first() or 0)
                       > before and not Notification.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
                       .exists(), 60,
                       "the plan and its send")
        send_notifications.apply_async()  # nothing left: sends nothing twice
        time.sleep(1)
    finally:
        w.stop()
    rows = Notification.objects.exclude(kind=K.CATCH_UP)
    planned = told_in_messages()
    sent = Counter(sent_mails(mails))
    catch_ups = Notification.objects.filter(kind=K.CATCH_UP).select_related("recipient")
    per_person = Counter(c.recipient_id for c in catch_ups)
    alone = rows.filter(cancelled_at__isnull=True).select_related("recipient")
    assert owed <= planned, owed - planned  # nothing lost
    assert all(n == 1 for n in per_person.values()), per_person  # one catch-up per person
    for c in catch_ups:  # each mailed once, and counting what it tells of
        assert sent[(c.recipient.email, f"【Pledge】{c.subject}")] == 1, c.subject
        assert f" {len(summary_tasks(c.summary))} " in c.subject
    for n in alone:
        assert sent[(n.recipient.email, f"【Pledge】{n.subject}")] == 1, n.subject
    assert sum(sent.values()) == catch_ups.count() + alone.count()  # nothing else, nothing twice
    return catch_ups.count(), len(planned) - alone.count()


def test_kill_9_of_the_worker_while_planning_loses_and_doubles_nothing(tmp_path):
    url = settings.CELERY_BROKER_URL
    procs.clear_queues(url)
    owed, blocked = outage()
    mails = tmp_path / "mail"
    extra = {"PLEDGE_PLAN_BATCH": 1, "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
             "EMAIL_FILE_PATH": mails}
    holdup = Holdup(blocked)
    w = procs.worker(url, "victim", concurrency=1, **extra)
    try:
        ready(w)
        plan_notifications.apply_async()
        procs.wait_for(lambda: holdup.waiters() > 0, 60, "the plan to wait inside the third batch")
        w.kill9()
    finally:
        w.stop()
        holdup.release()
    folded_at_kill = len(told_in_messages())
    assert consistent() == (0, 0) and 0 < folded_at_kill < len(owed)  # two batches kept, the third undone
    # Its late notices were not told: no catch-up (a message due just now goes alone, planned apart
    # from the late ones, so near a local midnight the officer may have one already).
    assert not Notification.objects.filter(recipient=blocked, kind=K.CATCH_UP).exists()
    catch_ups, folded = finish_and_check(owed, url, extra, mails)
    print(f"\n[kill -9 while planning] {len(owed)} notices owed, {folded_at_kill} folded when killed; after the "
          f"restart {folded} folded into {catch_ups} catch-ups, each mailed once")


def test_a_soft_time_limit_while_planning_loses_and_doubles_nothing(tmp_path):
    url = settings.CELERY_BROKER_URL
    procs.clear_queues(url)
    owed, blocked = outage()
    mails = tmp_path / "mail"
    extra = {"PLEDGE_PLAN_BATCH": 1, "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
             "EMAIL_FILE_PATH": mails}
    holdup = Holdup(blocked)
    w = procs.worker(url, "limited", concurrency=1, **extra)
    try:
        ready(w)
        # No retry (as if its retries were spent): a limit that surfaces as a database error would
        # otherwise be retried at once (tasks.TRANSIENT_ERRORS) and finish the plan, and the test
        # would see no cut. What a retry leaves is what finish_and_check checks.
        plan_notifications.apply_async(soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 60, retries=RETRY_MAX)
        procs.wait_for(lambda: holdup.waiters() > 0, SOFT_LIMIT, "the plan to wait inside the third batch")
        # The worker started the task before it began to wait, so its limit has struck by now
        # (counted from here, not from the request: a loaded machine may start it seconds later).
        time.sleep(SOFT_LIMIT + 1)
        holdup.release()
        procs.wait_for(lambda: "SoftTimeLimitExceeded" in w.output(), 30, "the soft time limit")
    finally:
        w.stop()
        holdup.release()
    folded_at_limit = len(told_in_messages())
    # What the cut leaves is consistent: no task marked told without the message that tells of it, no
    # catch-up telling of nothing. Where it lands varies: the worker's log shows the limit raised inside
    # the held batch's INSERT, and that batch is sometimes found told afterwards (its marks and its
    # catch-up together), why is not yet understood; the exactly-once checks below hold either way.
    assert consistent() == (0, 0) and 0 < folded_at_limit <= len(owed)
    held = Notification.objects.filter(recipient=blocked, kind=K.CATCH_UP).exists()
    catch_ups, folded = finish_and_check(owed, url, extra, mails)
    print(f"\n[soft time limit while planning] {len(owed)} notices owed, {folded_at_limit} folded when the limit "
          f"struck (the held batch told: {held}); after it {folded} folded into {catch_ups} catch-ups, each mailed once")
