"""Benchmark: a quarter's review and its report for a platform with a year of history
(the demo letter: 3 checks a day and the rest), then with 500 such platforms. Prints the
time to build the review's figures, to render its PDF, and the queries the figures take
(the same at both sizes: they must not grow with the number of tasks).

    .venv/bin/python bench/review.py      (PostgreSQL: DATABASE_URL, default pledge_bench)
"""

import statistics
import time
from datetime import timedelta

from common import make_platforms, setup_database

setup_database()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import Occurrence, Platform, Review  # noqa: E402
from obligations.oversight.review_snapshot import review_snapshot  # noqa: E402
from obligations.oversight.reviews import review_open  # noqa: E402
from obligations.schedule.periods import PeriodKind, period_containing  # noqa: E402
from obligations.work.sweeps import obligations_materialize  # noqa: E402

NOW = timezone.now()
SIGNED = NOW - timedelta(days=365)


def populate(first, count):
    make_platforms(first, count, SIGNED)
    obligations_materialize(now=NOW, horizon=timedelta(0))
    with connection.cursor() as cur:  # a plausible year: most done, some late, a few missed, some waived
        cur.execute("""UPDATE obligations_occurrence SET state = CASE WHEN id %% 10 < 7 THEN 'done'
                       WHEN id %% 10 < 8 THEN 'done_late' WHEN id %% 10 < 9 THEN 'missed' ELSE 'waived' END,
                       waived_reason = 'bench' WHERE due_at < %s AND state = 'open'""", [NOW])
        cur.execute("ANALYZE obligations_occurrence")


def last_quarter(platform):
    current = period_containing(PeriodKind.QUARTERLY, NOW, platform.tz)
    last = (current.start.astimezone(platform.tz) - timedelta(days=1)).date()
    review, _ = review_open(platform=platform, year=last.year, quarter=(last.month - 1) // 3 + 1, now=NOW)
    return Review.objects.select_related("platform").get(pk=review.pk)  # read as a page would


def median_ms(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pdf_renderer():
    try:
        from obligations.oversight.report_documents import review_pdf
    except ImportError:
        return None
    return review_pdf


def measure(label):
    platform = Platform.objects.order_by("id").first()
    review = last_quarter(platform)
    with CaptureQueriesContext(connection) as queries:
        snapshot = review_snapshot(review, now=NOW)
    tasks = sum(r["due"] for r in snapshot["obligations"])
    figures_ms = median_ms(lambda: review_snapshot(review, now=NOW))
    render = pdf_renderer()
    pdf_ms = median_ms(lambda: render(snapshot), runs=3) if render else None
    rows = Occurrence.objects.count()
    print(f"{label}: {rows:,} occurrences in all; the review of {review.label} covers {tasks:,} tasks, "
          f"{len(snapshot['exceptions']):,} exceptions")
    print(f"  figures: {figures_ms:.1f} ms, {len(queries)} queries"
          + (f"; PDF: {pdf_ms:.0f} ms" if pdf_ms is not None else "; PDF renderer not installed"))
    return len(queries)


populate(1, 1)
one = measure("1 platform")
populate(2, 499)
many = measure("500 platforms")
print(f"queries at 1 and 500 platforms: {one} and {many} ({'the same' if one == many else 'DIFFERENT'})")
