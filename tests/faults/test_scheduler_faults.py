"""Real workers and beats: Redis restarted while they run (sweeps resume by themselves),
two beats and two workers at once (no duplicate occurrence, notification, completion or
mail; no completion lost), and beat down for three days (every missed period created and
marked missed, one catch-up message per person rather than one mail per missed task)."""

import email
import email.header
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from obligations.alerts.catch_up import summary_tasks
from obligations.models import Completion, Notification, Obligation, Occurrence, SweepRun
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT

from . import procs
from .conftest import duplicate_counts, signed_platform

NO_DUPLICATES = {"occurrences": 0, "notifications": 0, "completions": 0}


def complete(occ, user, now):
    completion_with_evidence(occurrence=occ, user=user, note="完成", now=now,
                             files=[SimpleUploadedFile("proof.pdf", PDF_BYTES)])


def runs(name):
    row = SweepRun.objects.filter(name=name).first()
    return (row.runs, row.finished_at) if row else (0, None)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_while_worker_and_beat_run_the_sweeps_resume():
    signed_platform("redis", now=timezone.now() - timedelta(days=1))
    server = procs.RedisServer().start()
    worker = procs.worker(server.url, "w", concurrency=1)
    beat = procs.beat(server.url, scale=0.05)  # close-out every 3 s
    try:
        procs.wait_for(lambda: runs("close_out")[0] >= 1, 60, "a first close-out from beat")
        server.kill()
        down_at = time.monotonic()
        time.sleep(3)
        server.start()
        restarted_at = datetime.now(UTC)
        up_at = time.monotonic()
        procs.wait_for(lambda: (runs("close_out")[1] or restarted_at) > restarted_at, 90,
                       "a close-out after Redis came back")
        resumed = time.monotonic() - up_at
        procs.wait_for(lambda: (runs("plan")[1] or restarted_at) > restarted_at, 30, "planning after Redis came back")
    finally:
        procs.stop_all([beat, worker])
        server.kill()
    print(f"\n[redis restart] Redis down {up_at - down_at:.1f} s; the first sweep after it came back finished "
          f"{resumed:.1f} s later (beat every 3 s); no human; duplicates {duplicate_counts()}")
    assert duplicate_counts() == NO_DUPLICATES


def sent_mails(folder):
    """(recipient, subject) of every mail the file backend wrote."""
    found = []
    for path in Path(folder).glob("*.log"):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if "Subject:" not in chunk:
                continue
            message = email.message_from_string(chunk.strip())
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
            found.append((message["To"], subject))
    return found


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_beats_and_two_workers_make_no_duplicate(tmp_path):
    url = settings.CELERY_BROKER_URL
    procs.clear_queues(url)
    now = timezone.now()
    _platform, people = signed_platform("twice", now=now - timedelta(days=2))
    mails = tmp_path / "mail"
    extra = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": mails}
    started = time.monotonic()
    phases = {}
    fleet = [procs.worker(url, "w1", concurrency=1, **extra), procs.worker(url, "w2", concurrency=1, **extra),
             procs.beat(url, "beat1", scale=0.05, **extra), procs.beat(url, "beat2", scale=0.05, **extra)]
    completed = []
    try:
        procs.wait_for(lambda: Occurrence.objects.filter(state="missed").exists(), 60, "the first close-out")
        phases["first close-out"] = time.monotonic() - started
        # Meanwhile people check tasks off, while both fleets sweep.
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            occ = (Occurrence.objects.filter(state="open", opens_at__lte=timezone.now()).exclude(pk__in=completed)
                   .select_related("obligation").order_by("due_at").first())
            if occ is not None:
                complete(occ, people["officer"], timezone.now())
                completed.append(occ.pk)
            time.sleep(0.3)
        procs.wait_for(lambda: not Notification.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
                       .exists(), 30, "the outbox to empty")
        phases["outbox empty"] = time.monotonic() - started
    finally:
        procs.stop_all(fleet)
    elapsed = time.monotonic() - started
    phases["stopped"] = elapsed
    dups = duplicate_counts()
    sent = sent_mails(mails)
    twice = [m for m, n in Counter(sent).items() if n > 1]
    lost = Occurrence.objects.filter(pk__in=completed).exclude(state__in=["done", "done_late"]).count()
    sweeps = {r.name: r.runs for r in SweepRun.objects.all()}
    print(f"\n[two beats, two workers] {elapsed:.0f} s ({', '.join(f'{k} at {v:.0f} s' for k, v in phases.items())}); sweeps run {sweeps}; occurrences "
          f"{Occurrence.objects.count()} (missed {Occurrence.objects.filter(state='missed').count()}); "
          f"notifications {Notification.objects.count()}, mails {len(sent)}, mails sent twice {len(twice)}; "
          f"completions made {len(completed)}, lost {lost}; duplicates {dups}")
    assert sweeps.get("close_out", 0) >= 2 and completed
    assert dups == NO_DUPLICATES and twice == [] and lost == 0
    assert Completion.objects.filter(occurrence_id__in=completed, reopened_at__isnull=True).count() == len(completed)
    assert not Notification.objects.filter(repeat=True).exists()


@pytest.mark.postgres
def test_beat_down_three_days_then_started(signed_letter, officer, staff, platform):
    from tests.conftest import make_user

    sue = make_user("sue", platform, "supervisor")
    for user in (officer, staff, sue):
        user.email = f"{user.username}@example.com"
        user.save()
    run_sweeps(now=SIGNED_AT)
    # Beat stopped an hour after signing: nothing later was ever created.
    Occurrence.objects.filter(opens_at__gt=SIGNED_AT + timedelta(hours=1)).delete()
    Obligation.objects.update(materialized_until=SIGNED_AT + timedelta(hours=1))
    done = Occurrence.objects.filter(obligation__key="三.2", state="open").order_by("due_at").first()
    complete(done, staff, SIGNED_AT + timedelta(minutes=5))
    mail.outbox.clear()
    before = Occurrence.objects.count()

    back = SIGNED_AT + timedelta(days=3)  # beat silent Monday 09:00 → Thursday 09:00
    t = time.monotonic()
    result = run_sweeps(now=back)
    seconds = time.monotonic() - t
    missed = Occurrence.objects.filter(state="missed")
    checks = Occurrence.objects.filter(obligation__key="三.2")
    per_person = Counter(m.to[0] for m in mail.outbox)
    catch_ups = Counter(n.recipient.username for n in Notification.objects.filter(kind="catch_up"))
    late_rows = sum(len(summary_tasks(n.summary)) for n in Notification.objects.filter(kind="catch_up"))
    print(f"\n[beat down 3 days] catch-up sweep {seconds:.2f} s: {result['created']} periods created "
          f"({Occurrence.objects.count() - before} new rows), {result['missed']} marked missed "
          f"({missed.count()} missed in all); {late_rows} late notices told in "
          f"{sum(catch_ups.values())} catch-up messages {dict(catch_ups)}; mails per person {dict(per_person)}; "
          f"duplicates {duplicate_counts()}")
    # Every missed period exists and is missed: Mon 16–24, Tue and Wed 3 each, Thu 00–08 (the done one stays done).
    assert checks.filter(state="missed", due_at__lte=back).count() == 8
    done.refresh_from_db()
    assert done.state == "done"  # 0 lost completions
    assert catch_ups == {"alice": 1, "sue": 1, "bob": 1}
    assert all(n <= 3 for n in per_person.values()), per_person  # the catch-up, the digest, what is due right now
    assert late_rows > sum(per_person.values())
    assert duplicate_counts() == NO_DUPLICATES
    again = run_sweeps(now=back + timedelta(minutes=1))
    assert (again["created"], again["missed"], again["planned"]) == (0, 0, 0)
