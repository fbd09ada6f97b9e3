"""The group's report on time (clause 四.1, 每季度结束后15日内): the review opens as the
quarter ends, the 四.1 task is due 15 days later, and closing the review completes it:
on time within the 15 days, late after. Until it is due it is nobody's overdue."""

from datetime import date, datetime

import pytest

from obligations.models import Occurrence
from obligations.oversight.dashboard import dashboard_page, overdue
from obligations.oversight.regulator_report import regulator_report
from obligations.oversight.review_snapshot import review_snapshot
from obligations.oversight.reviews import review_explain, review_sign
from obligations.tasks import run_sweeps


def local(quarter, day, hour=10):
    return datetime(2027, 1, day, hour, tzinfo=quarter.platform.tz)


def close_on(review, group, officer, now):
    """The sweeps run up to `now`; the officer explains what is still unexplained; both members sign."""
    run_sweeps(now=now)
    for e in review_snapshot(review, now=now)["exceptions"]:
        if not e["explanation"]:
            review_explain(review=review, occurrence=Occurrence.objects.get(pk=e["occurrence"]), text="已说明原因",
                           user=officer, now=now)
    review_sign(review=review, user=group[0], password="pw-sue", now=now)
    return review_sign(review=review, user=group[1], password="pw-sam", now=now)


def test_the_report_opens_with_the_review_and_is_due_fifteen_days_after_the_quarter(quarter):
    task = quarter.task
    assert task.obligation.key == "四.1" and task.period_start == quarter.period_start
    assert task.opens_at == quarter.period_end == datetime(2027, 1, 1, tzinfo=quarter.platform.tz)
    assert task.due_at == local(quarter, 16, 0)  # the close of 15 January, Beijing time
    # The review reads the quarter's own tasks; its report, due in January, is not one of them.
    assert task.pk not in {e["occurrence"] for e in review_snapshot(quarter, now=local(quarter, 2))["exceptions"]}


def overdue_on(quarter, now) -> tuple[set[int], int]:
    """The tasks the dashboard's 当前逾期 counts (its drill-down's rows), and its figure."""
    run_sweeps(now=now)
    page = dashboard_page(quarter.platform, now=now)
    rows = set(overdue(quarter.platform, now=now).values_list("pk", flat=True))
    assert page.overdue.count == len(rows)
    return rows, page


@pytest.mark.parametrize("day", [2, 10, 15])
def test_the_dashboard_does_not_count_the_report_as_overdue_before_it_is_due(quarter, day):
    rows, page = overdue_on(quarter, local(quarter, day))
    assert quarter.task_id not in rows and rows  # other tasks of Q4 are overdue meanwhile
    assert Occurrence.objects.get(pk=quarter.task_id).state == "open"
    # In its last seven days it is due soon.
    assert any(line.name.startswith("四.1") for line in page.soon_lines) == (day >= 9)


def test_past_its_due_time_the_unfinished_report_is_overdue(quarter):
    rows, _page = overdue_on(quarter, local(quarter, 17))
    assert quarter.task_id in rows


def test_closing_the_review_on_day_ten_completes_the_report_on_time(quarter, group, officer):
    closed = close_on(quarter, group, officer, local(quarter, 10))
    task = Occurrence.objects.get(pk=closed.task_id)
    assert closed.state == "closed" and task.state == "done" and task.evidence.count() == 1
    # The regulator counts it in the period of its due time: January's quarter, done, not Q4.
    q4 = regulator_report(quarter.platform, start=date(2026, 10, 1), end=date(2026, 12, 31), now=local(quarter, 10))
    q1 = regulator_report(quarter.platform, start=date(2027, 1, 1), end=date(2027, 3, 31), now=local(quarter, 10))
    assert "四.1" not in {row["key"] for row in q4["service"]["tasks"]}
    row, = [row for row in q1["service"]["tasks"] if row["key"] == "四.1"]
    assert (row["due"], row["done"], row["done_late"]) == (1, 1, 0)


def test_closing_the_review_on_day_twenty_completes_the_report_late(quarter, group, officer):
    closed = close_on(quarter, group, officer, local(quarter, 20))
    assert Occurrence.objects.get(pk=closed.task_id).state == "done_late"


def test_closing_after_the_grace_completes_the_missed_report_late(quarter, group, officer):
    closed = close_on(quarter, group, officer, local(quarter, 25))
    task = Occurrence.objects.get(pk=closed.task_id)
    assert task.state == "done_late" and task.missed_at is not None
