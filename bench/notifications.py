"""Benchmark, side by side: the notification sweeps before this change (the module as it
stands on the main branch, loaded from git) and now, on the same database.

Realistic platforms (officer, staff, supervisor; a tenth without a supervisor), three
days after signing with nothing checked off: plan (rows loaded, rows written, the count
each reports, time, queries), the idle plan of the next minute, and sending (UPDATE
statements, time).

    .venv/bin/python bench/notifications.py   (PostgreSQL: DATABASE_URL, default pledge_bench; BENCH_PLATFORMS)
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, make_platforms, setup_database

setup_database()

from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from obligations.alerts import notifications as now_module  # noqa: E402
from obligations.models import Notification, Occurrence  # noqa: E402
from obligations.work.sweeps import obligations_materialize, occurrences_close_out  # noqa: E402

SIGNED = datetime(2026, 1, 5, 1, tzinfo=UTC)
AT = SIGNED + timedelta(days=3, minutes=1)
PLATFORMS = int(os.environ.get("BENCH_PLATFORMS", 200))


def before_module():
    """obligations/alerts/notifications.py as on the main branch, as a sibling module."""
    source = subprocess.run(["git", "show", "main:obligations/alerts/notifications.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "notifications_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("obligations.alerts.notifications_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def loaded_rows(module, fn):
    """Run fn, counting the occurrences the module's candidate queries loaded into Python."""
    seen = []
    real = module._candidates

    def counting(kind, queryset):
        rows = real(kind, queryset)
        seen.append(len(rows))
        return rows

    module._candidates = counting
    try:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - t
    finally:
        module._candidates = real
    return result, sum(seen), seconds, ctx.captured_queries


def reset_outbox():
    Notification.objects.all().delete()


def side(name, module, plan_kwargs):
    reset_outbox()
    reported, loaded, seconds, queries = loaded_rows(module, lambda: module.notifications_plan(now=AT, **plan_kwargs))
    written = Notification.objects.count()
    print(f"{name:>7} plan: {seconds:.2f} s, {len(queries)} queries, {loaded} occurrences loaded, "
          f"{written} rows written, reported {reported}")
    again, loaded2, seconds2, queries2 = loaded_rows(
        module, lambda: module.notifications_plan(now=AT + timedelta(minutes=1), **plan_kwargs))
    print(f"{name:>7} next minute's plan: {seconds2:.2f} s, {len(queries2)} queries, {loaded2} occurrences "
          f"loaded, reported {again} (written {Notification.objects.count() - written})")
    Notification.objects.update(sent_at=None, claimed_at=None, attempts=0, cancelled_at=None, repeat=False)
    mail.outbox = []
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        sent = module.notifications_send(now=AT)
        seconds3 = time.perf_counter() - t
    updates = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    print(f"{name:>7} send: {sent} sent in {seconds3:.2f} s, {len(ctx.captured_queries)} queries of which "
          f"{len(updates)} UPDATE, {len(mail.outbox)} mails")


t = time.perf_counter()
make_platforms(0, PLATFORMS - PLATFORMS // 10, SIGNED)
make_platforms(PLATFORMS, PLATFORMS // 10, SIGNED, supervisor=False)
obligations_materialize(now=AT)
occurrences_close_out(now=AT)
print(f"setup: {PLATFORMS} platforms ({PLATFORMS // 10} without a supervisor), {Occurrence.objects.count()} "
      f"occurrences, {Occurrence.objects.filter(state='missed').count()} missed, in {time.perf_counter() - t:.1f} s")

before = before_module()
with override_settings(DEBUG=True, MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
                       EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", PLEDGE_CATCH_UP_MINUTES=10 ** 6):
    # The catch-up is off here so both sides mail the same rows one by one.
    side("before", before, {})
    side("now", now_module, {})
