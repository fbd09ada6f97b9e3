"""Benchmark: planning notifications after an outage, the planner before issue 21 (frozen in
bench/baseline_notifications.py, a fixed baseline) against the current one, on the same data
in the same run.

Platforms as the sweeps see them (officer, staff, supervisor; the demo letter signed), the
sweeps down since signing: after 1, 3 and 20 days the missed tasks are raised and closed out,
then each planner plans from an empty outbox (every message owed is late: it goes into
catch-ups). Printed per outage: seconds, SQL statements, rows written, catch-ups and the most
any person got, and whether both planners owe the same notices (recipient, kind, task: the
baseline's rows, the tasks the current planner's catch-ups list); then the current planner's
idle plan a minute later, and again once autovacuum has analyzed the tasks marked told.

    .venv/bin/python bench/notifications.py [--sizes 500,2000] [--days 1,3,20] [--baseline-days 1,3]
    (PostgreSQL: DATABASE_URL, default pledge_bench, dropped and made again; BENCH_PLATFORMS=100 runs smaller)
"""

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

from common import pg_settings_line, platforms, setup_database, sizes_argument

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
sizes_argument(parser, os.environ.get("BENCH_PLATFORMS", "500,2000"), "platforms per run")
parser.add_argument("--days", default="1,3,20", type=lambda s: [int(x) for x in s.split(",") if x])
parser.add_argument("--baseline-days", default=None, type=lambda s: [int(x) for x in s.split(",") if x],
                    help="outages the baseline plans too (default: all; it takes minutes at 2,000 platforms)")
args = parser.parse_args()

setup_database()

import baseline_notifications as baseline  # noqa: E402
from django.db import connection, connections  # noqa: E402

from obligations.alerts import notifications as current  # noqa: E402
from obligations.models import Notification, Occurrence  # noqa: E402
from obligations.work.sweeps import obligations_materialize, occurrences_close_out  # noqa: E402

SIGNED = datetime(2026, 1, 5, 1, tzinfo=UTC)


class Statements:
    """Counts the SQL statements run on the connection."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def owed_md5():
    """What every person was told: (recipient, kind, task) of each message alone or folded into a
    catch-up as a row of its own (the baseline), and of each task a catch-up's summary tells of
    (the current planner), hashed and counted."""
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH told AS (
                SELECT recipient_id, kind, occurrence_id FROM obligations_notification WHERE kind <> 'catch_up'
                UNION ALL
                SELECT c.recipient_id, k.key, t.value::bigint FROM obligations_notification c,
                       jsonb_each(c.summary -> 'tasks') k, jsonb_array_elements_text(k.value) t
                WHERE c.kind = 'catch_up' AND c.summary IS NOT NULL)
            SELECT md5(coalesce(string_agg(concat_ws('|', recipient_id, kind, occurrence_id), ','
                   ORDER BY recipient_id, kind, occurrence_id), '')), count(*) FROM told""")
        return cursor.fetchone()


def catch_ups():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), coalesce(max(n), 0) FROM (SELECT recipient_id, count(*) AS n FROM "
                       "obligations_notification WHERE kind = 'catch_up' GROUP BY recipient_id) c")
        return cursor.fetchone()


def plan(module, at):
    with connection.cursor() as cursor:  # nothing planned yet: no message, no task marked told
        cursor.execute("TRUNCATE obligations_notification")
        cursor.execute("UPDATE obligations_occurrence SET told = 0 WHERE told <> 0")
        cursor.execute("VACUUM ANALYZE obligations_occurrence")
    counter = Statements()
    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        reported = module.notifications_plan(now=at, digests=False)
        seconds = time.perf_counter() - t
    (md5, rows), (people, most) = owed_md5(), catch_ups()
    return {"seconds": seconds, "statements": counter.count, "reported": reported, "rows": rows, "md5": md5,
            "catch_ups": people, "most": most, "written": Notification.objects.count()}


def idle(at):
    counter = Statements()
    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        reported = current.notifications_plan(now=at, digests=False)
        return time.perf_counter() - t, counter.count, reported


def print_idle(at):
    """The current planner's plans of the next minutes: at once, on the statistics taken before
    the outage's plan (every task untold then), and once autovacuum has vacuumed and analyzed
    the tasks the plan marked told (done here by hand)."""
    seconds, statements, reported = idle(at + timedelta(minutes=1))
    print(f"    current, the next minute's plan: {seconds:.2f} s, {statements} statements, reported {reported}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE obligations_occurrence")
    seconds, statements, reported = idle(at + timedelta(minutes=2))
    print(f"    current, a minute's plan after autovacuum: {seconds:.3f} s, {statements} statements, reported {reported}")


print(f"PostgreSQL: {pg_settings_line()}")
for size in args.sizes:
    if size != args.sizes[0]:
        connections.close_all()
        setup_database()
    t = time.perf_counter()
    platforms(size, SIGNED)
    print(f"\n{size} platforms (3 members each), set up in {time.perf_counter() - t:.1f} s")
    for days in args.days:
        at = SIGNED + timedelta(days=days, minutes=1)
        t = time.perf_counter()
        obligations_materialize(now=at)
        missed = occurrences_close_out(now=at)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  outage of {days} day(s): {Occurrence.objects.count()} occurrences, "
              f"{Occurrence.objects.filter(state='missed').count()} missed ({missed} closed out now), "
              f"raised in {time.perf_counter() - t:.1f} s")
        if args.baseline_days is not None and days not in args.baseline_days:
            now = plan(current, at)
            print(f"    baseline: not run (--baseline-days)\n     current: {now['seconds']:7.2f} s, "
                  f"{now['statements']:6d} statements, {now['written']:7d} rows written ({now['rows']} notices, "
                  f"{now['catch_ups']} people with a catch-up, at most {now['most']} each), reported {now['reported']}")
            print_idle(at)
            continue
        before, now = plan(baseline, at), plan(current, at)
        for name, r in (("baseline", before), ("current", now)):
            print(f"    {name:>8}: {r['seconds']:7.2f} s, {r['statements']:6d} statements, {r['written']:7d} rows "
                  f"written ({r['rows']} notices, {r['catch_ups']} people with a catch-up, at most {r['most']} each), "
                  f"reported {r['reported']}")
        print(f"    current/baseline: time {now['seconds'] / before['seconds']:.2f}×, statements "
              f"{now['statements'] / max(before['statements'], 1):.3f}×; same notices owed: "
              f"{now['md5'] == before['md5'] and now['rows'] == before['rows']}")
        print_idle(at)
