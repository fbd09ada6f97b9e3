"""Benchmark: the sweeps, the dashboard, My tasks and the quarterly review at 1,000 and
10,000 platforms (officer, staff, supervisor each), every platform holding a year of
history from the demo letter: about 1,200 occurrences a platform, 12 million at 10,000.

The first platform's year is made by the sweep, with plausible states (most done, some
late, some missed, some waived); the other platforms are SQL copies of it (their
obligations by common.clone_platforms, their years by common.copy_history: month by
month, the platforms interleaved as the sweep writes them, indexes made again after),
never by sweeping for a year. Then one sweep catches everything up (not
timed) and, at each size, in one run:

- the sweeps of a caught-up hour, step by step (materialize, close-out, plan, send,
  reviews) at the minute after and at the next hour (when materialize raises the hour's
  new tasks);
- the last platform's dashboard and My tasks pages (officer and staff) through the Django
  test client, median of --runs, with their query counts;
- the review figures of the quarter just ended (review_snapshot), and reviews_open
  with nothing to open;
- the occurrence table's size.

Last, each figure at the largest size against the smallest: a page or a platform's
figures should stay flat as the table grows; a sweep should grow with the work, not
with the history. Anything a size could not run is stated.

    .venv/bin/python bench/scale.py [--sizes 1000,10000] [--runs 5]
        (PostgreSQL: DATABASE_URL, default pledge_bench, or DATABASE_OWNER_URL naming the same
         database: it is dropped and made again; both sizes take about 45 minutes on 2 shared cores,
         13 of them copying the history of 10,000 and 24 catching its sweeps up, and 4 GB of disk)
"""

import argparse
import logging
import shutil
import statistics
import time
import traceback
from datetime import UTC, datetime, timedelta

from common import copy_history, pg_settings_line, platforms, setup_database, sizes_argument

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
sizes_argument(parser, "1000,10000", "10000 needs about 4 GB of disk and 40 minutes")
parser.add_argument("--runs", type=int, default=5, help="requests per page figure; the median is printed")
parser.add_argument("--budget-minutes", type=float, default=None,
                    help="skip a size whose history copy, at the rate measured so far, would take longer")
args = parser.parse_args()
setup_database()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from obligations.alerts.notifications import notifications_plan, notifications_send  # noqa: E402
from obligations.models import Membership, Occurrence, Platform, Review  # noqa: E402
from obligations.oversight.review_snapshot import review_snapshot  # noqa: E402
from obligations.oversight.reviews import reviews_open  # noqa: E402
from obligations.tasks import run_sweeps  # noqa: E402
from obligations.trust.second_factor import must_use  # noqa: E402
from obligations.work.sweeps import obligations_materialize, occurrences_close_out  # noqa: E402

logging.getLogger("obligations.sweeps").setLevel(logging.WARNING)
setup_test_environment()
NOW = datetime(2026, 12, 7, 2, 3, tzinfo=UTC)  # Monday 10:03 in Shanghai
SIGNED = NOW - timedelta(days=365)
TABLE = Occurrence._meta.db_table
COPIED = ("period_start", "period_end", "sequence", "opens_at", "due_at", "close_at", "provisional", "state",
          "waived_reason", "created_at", "state_changed_at", "missed_at", "completed_at")


def sql(statement, params=None):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else cur.rowcount


def first_year():
    """The first platform's year, by the sweep, with plausible states."""
    obligations_materialize(now=NOW, horizon=timedelta(0))
    with transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")  # history written below the app's guards
        sql("""UPDATE obligations_occurrence SET state = CASE WHEN id %% 10 < 7 THEN 'done'
               WHEN id %% 10 < 8 THEN 'done_late' WHEN id %% 10 < 9 THEN 'missed' ELSE 'waived' END,
               waived_reason = CASE WHEN id %% 10 = 9 THEN 'bench' ELSE '' END,
               completed_at = CASE WHEN id %% 10 < 8 THEN due_at - interval '1 hour' END,
               missed_at = CASE WHEN id %% 10 = 8 THEN close_at END, state_changed_at = close_at
               WHERE close_at < %s AND state = 'open'""", [NOW])


COPY_RATE = []  # (occurrences copied a second, occurrences a platform) so far


class OverBudget(Exception):
    pass


def populate(size):
    have = Platform.objects.count()
    t = time.perf_counter()
    if COPY_RATE and args.budget_minutes:
        projected = (size - have) * COPY_RATE[-1][1] / COPY_RATE[-1][0] / 60
        if projected > args.budget_minutes:
            raise OverBudget(f"its history would take about {projected:.0f} minutes to copy at the rate "
                               f"measured so far ({COPY_RATE[-1][0]:,.0f} occurrences a second), over the budget "
                               f"of {args.budget_minutes:.0f}")
    if have == 0:
        platforms(1, SIGNED)
        first_year()
        # The template caught up before it is copied: its copies get its tasks ahead too, and the
        # catch-up below has the messages and reviews of the copies to do, not their tasks.
        run_sweeps(now=NOW - timedelta(minutes=3))
        have = 1
    platforms(size, SIGNED)
    copied = copy_history(have, size - 1, COPIED) if size > have else 0
    if copied:
        COPY_RATE.append((copied / (time.perf_counter() - t), copied / (size - have)))
    copy_s, t = time.perf_counter() - t, time.perf_counter()
    sql("VACUUM ANALYZE")
    print(f"\nsetup: {size - have:,} platforms and {copied:,} occurrences of history copied in {copy_s:.0f} s "
          f"({copied / copy_s:,.0f} a second, indexes made again included), VACUUM ANALYZE "
          f"{time.perf_counter() - t:.0f} s", flush=True)
    steps = []
    for name, fn in STEPS:
        seconds, result = timed(lambda fn=fn: fn(NOW - timedelta(minutes=3)))
        steps.append(f"{name} {result:,} in {seconds:.0f} s")
    t = time.perf_counter()
    sql("VACUUM ANALYZE")
    print(f"  caught up by one sweep (not timed below): {', '.join(steps)}; VACUUM ANALYZE "
          f"{time.perf_counter() - t:.0f} s", flush=True)


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def median_ms(fn, runs=None):
    times = []
    for _ in range(runs or args.runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


STEPS = (("materialize", lambda now: obligations_materialize(now=now)),
         ("close_out", lambda now: occurrences_close_out(now=now)),
         ("plan", lambda now: notifications_plan(now=now, digests=False)),
         ("send", lambda now: notifications_send(now=now)),
         ("reviews", lambda now: reviews_open(now=now)))


def logged_in(user):
    """A test client signed in as `user`, past the second factor when the role needs one."""
    client = Client()
    client.force_login(user)
    if must_use(user):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def page(client, url):
    statements = []
    with connection.execute_wrapper(lambda execute, *a: statements.append(1) or execute(*a)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return median_ms(lambda: client.get(url)), len(statements)


def measure(size):
    figures, missing = {}, []
    for label, now in (("minute", NOW), ("hour", NOW + timedelta(hours=1) - timedelta(minutes=3))):
        for name, fn in STEPS:
            try:
                seconds, result = timed(lambda fn=fn, now=now: fn(now))
                figures[f"sweep at the {label}: {name} (s)"] = seconds
                figures[f"sweep at the {label}: {name} (rows)"] = result
            except Exception as exc:  # noqa: BLE001 - a figure we could not take is reported, not hidden
                missing.append(f"sweep {name} at the {label}: {exc!r}")
                traceback.print_exc()
    # The last copy: its history lies interleaved with every other platform's, as in production.
    platform = Platform.objects.get(slug=f"p{size - 1:05d}")
    for role in ("officer", "staff"):
        client = logged_in(Membership.objects.get(platform=platform, role=role).user)
        urls = {"My tasks": "/tasks/"}
        if role == "officer":
            urls["dashboard"] = f"/platforms/{platform.slug}/dashboard/"
        for what, url in urls.items():
            try:
                ms, queries = page(client, url)
                figures[f"{what}, {role} (ms)"] = ms
                figures[f"{what}, {role} (queries)"] = queries
            except Exception as exc:  # noqa: BLE001
                missing.append(f"{what} as {role}: {exc!r}")
    review = Review.objects.select_related("platform").filter(platform=platform).order_by("-year", "-quarter").first()
    if review is None:
        missing.append("the review: none was opened")
    else:
        with CaptureQueriesContext(connection) as ctx:
            snapshot = review_snapshot(review, now=NOW)
        figures[f"review {review.label} figures (ms)"] = median_ms(lambda: review_snapshot(review, now=NOW))
        figures[f"review {review.label} figures (queries)"] = len(ctx.captured_queries)
        figures[f"review {review.label} tasks covered"] = sum(r["due"] for r in snapshot["obligations"])
    figures["reviews_open, nothing to open (ms)"] = median_ms(lambda: reviews_open(now=NOW + timedelta(hours=2)))
    rows, heap, indexes = sql(f"SELECT count(*), pg_table_size('{TABLE}'), pg_indexes_size('{TABLE}') "
                              f"FROM {TABLE}")[0]  # nosec B608 - constant
    figures["occurrences"] = rows
    figures["occurrence table without its indexes (MB)"] = heap / 2 ** 20
    figures["occurrence table's indexes (MB)"] = indexes / 2 ** 20
    print(f"{size:,} platforms (the measured platform: {platform.slug}):")
    for key, value in figures.items():
        print(f"  {key}: {value:,.2f}" if isinstance(value, float) else f"  {key}: {value:,}")
    for line in missing:
        print(f"  NOT MEASURED: {line}")
    return figures


print(f"PostgreSQL: {pg_settings_line()}")
results = {}
for size in sorted(args.sizes):
    free = shutil.disk_usage("/").free / 2 ** 30
    if size >= 5000 and free < 15:
        print(f"\n{size:,} platforms: NOT RUN, {free:.0f} GB of disk free (needs about 10)")
        continue
    try:
        populate(size)
        results[size] = measure(size)
    except OverBudget as exc:
        print(f"\n{size:,} platforms: NOT RUN: {exc}")
        break
    except Exception as exc:  # noqa: BLE001
        print(f"\n{size:,} platforms: NOT RUN to the end: {exc!r}")
        traceback.print_exc()
        break

if len(results) > 1:
    small, large = min(results), max(results)
    print(f"\n{large:,} platforms against {small:,} ({large // small}x the platforms and the history): "
          "the ratio of each figure, and of each figure per platform for the sweeps")
    for key, value in results[large].items():
        base = results[small].get(key)
        if isinstance(value, (int, float)) and base:
            per = ""
            if key.startswith("sweep") and key.endswith("(s)"):
                per = f"; per platform {(value / large) / (base / small):.2f}x"
            print(f"  {key}: {base:,.2f} -> {value:,.2f} = {value / base:.2f}x{per}")
