"""Benchmark, side by side: a flood of failed sign-ins from one address, as issue 22 tried it
(30 wrong passwords from an address locked after the fifth), through the whole login page,
with the failures written to the audit chain one record per try (as on the main branch
before: a record per `user_login_failed`) and now (counted per address, name and window,
one record per window once it has passed). Prints the audit records each wrote, their time
per try, and the records after the window.

    .venv/bin/python bench/signin_flood.py   (PostgreSQL: DATABASE_URL, default pledge_bench; BENCH_TRIES)
"""

import logging
import os
import time
from datetime import timedelta

from common import setup_database

setup_database()

from axes.utils import reset as axes_reset  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.signals import user_login_failed  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import AuditEvent  # noqa: E402
from obligations.trust import signins  # noqa: E402
from obligations.trust.audit import audit_record  # noqa: E402
from obligations.trust.failed_signins import failures_audit  # noqa: E402

TRIES = int(os.environ.get("BENCH_TRIES", 30))
settings.ALLOWED_HOSTS = ["*"]
logging.disable(logging.WARNING)  # axes and django.request log every try


def per_try(sender, credentials, request=None, **kwargs):
    """The receiver as it was: one audit record per failed sign-in."""
    audit_record(at=timezone.now(), action="auth.login_failed",
                 data={"user": str(credentials.get("username", ""))[:150], "ip": request.META.get("REMOTE_ADDR", "")})


def flood(label):
    axes_reset()
    before = AuditEvent.objects.filter(action="auth.login_failed").count()
    client = Client(REMOTE_ADDR="203.0.113.9")
    started = time.perf_counter()
    statuses = [client.post("/accounts/login/", {"username": "officer", "password": f"guess-{i}"}).status_code
                for i in range(TRIES)]
    elapsed = time.perf_counter() - started
    written = AuditEvent.objects.filter(action="auth.login_failed").count() - before
    print(f"{label:>8}: {TRIES} tries ({statuses.count(429)} answered 429) wrote {written} audit records "
          f"in the window, {elapsed / TRIES * 1000:.1f} ms a try")
    return written


get_user_model().objects.create_user("officer", password="pw-officer-2026")
user_login_failed.disconnect(dispatch_uid="pledge-audit-login-failed")
user_login_failed.connect(per_try, dispatch_uid="bench-per-try")
before = flood("before")
user_login_failed.disconnect(dispatch_uid="bench-per-try")
signins.connect()
now = flood("now")
after = failures_audit(now=timezone.now() + timedelta(minutes=settings.PLEDGE_SIGNIN_WINDOW_MINUTES))
print(f"     now: {after} audit record after the window (count "
      f"{AuditEvent.objects.filter(action='auth.login_failed').order_by('-id').first().data['count']}); "
      f"records per flood: before {before}, now {now + after} ({before / max(1, now + after):.0f}x fewer)")
