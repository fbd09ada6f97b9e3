"""The regulator report's figures for any period, against counts made independently, in
a constant number of queries."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from obligations.errors import DomainError
from obligations.models import Case, Occurrence
from obligations.oversight.regulator_report import default_period, regulator_report
from obligations.schedule.periods import local_midnight
from tests.cases.support import clocks, open_case
from tests.oversight.export_support import SH, complaint, local_day, sign, tasks_with_states
from tests.oversight.review_sample import closed_review, sample_snapshot

START, END = date(2026, 11, 10), date(2026, 12, 20)
NOW = datetime(2027, 1, 5, 10, tzinfo=SH)


@pytest.fixture
def data(platform, officer, staff):
    sign(platform, officer)
    tasks_with_states(platform, until=datetime(2027, 1, 5, tzinfo=SH))
    # Complaints on both sides of the boundaries, answered at known minutes.
    complaint(platform, staff, datetime(2026, 11, 9, 23, 59, tzinfo=SH), respond_minutes=5)  # before
    complaint(platform, staff, datetime(2026, 11, 10, 0, 0, tzinfo=SH), respond_minutes=10, decide_days=1)
    complaint(platform, staff, datetime(2026, 11, 20, 9, tzinfo=SH), respond_minutes=40, decide_days=8)
    complaint(platform, staff, datetime(2026, 11, 21, 9, tzinfo=SH), respond_minutes=25 * 60)  # late
    complaint(platform, staff, datetime(2026, 12, 1, 9, tzinfo=SH))  # not answered
    complaint(platform, staff, datetime(2026, 12, 20, 23, 59, tzinfo=SH), respond_minutes=30)
    complaint(platform, staff, datetime(2026, 12, 21, 0, 0, tzinfo=SH), respond_minutes=1)  # after
    open_case(platform, kind=Case.Kind.INCIDENT, received=datetime(2026, 12, 5, 3, tzinfo=SH),
              severity=Case.Severity.SERIOUS)
    open_case(platform, kind=Case.Kind.FINDING, received=datetime(2026, 11, 15, 3, tzinfo=SH))
    open_case(platform, kind=Case.Kind.FINDING, received=datetime(2026, 10, 15, 3, tzinfo=SH))  # before
    return platform


def test_tasks_inside_the_period_count_and_outside_do_not(data):
    report = regulator_report(data, start=START, end=END, now=NOW)
    expected = defaultdict(Counter)
    for occ in Occurrence.objects.filter(platform=data).select_related("obligation"):
        if START <= local_day(occ.due_at) <= END:
            expected[occ.obligation.key].update(["due", occ.state])
    rows = {row["key"]: row for row in report["service"]["tasks"]}
    assert set(rows) == set(expected)
    for key, counts in expected.items():
        for name in ("due", "done", "done_late", "missed", "waived", "open"):
            assert rows[key][name] == counts[name], (key, name)
    total = report["service"]["tasks_total"]
    assert total["due"] == sum(c["due"] for c in expected.values())
    # The daily checks: three a day over the 41 days, no more, no less.
    assert rows["三.2"]["due"] == 3 * ((END - START).days + 1)
    decided = total["done"] + total["done_late"] + total["missed"]
    assert total["rate"] == pytest.approx((total["done"] + total["done_late"]) / decided, abs=1e-4)


def test_cases_received_inside_the_period_count_and_outside_do_not(data):
    report = regulator_report(data, start=START, end=END, now=NOW)
    inside = [c for c in Case.objects.filter(platform=data) if START <= c.received_at.astimezone(SH).date() <= END]
    kinds = Counter(c.kind for c in inside)
    complaints = report["service"]["complaints"]
    assert complaints["received"] == kinds["complaint"] == 5
    responded = sum(1 for c in inside if c.kind == "complaint" and clocks(c)["respond"].state == "done")
    decided = sum(1 for c in inside if c.kind == "complaint" and clocks(c)["decide"].state == "done")
    assert (complaints["responded_in_time"], complaints["decided_in_time"]) == (responded, decided) == (3, 1)
    respond = next(s for s in complaints["steps"] if s["step"] == "respond")
    assert (respond["done"], respond["done_late"], respond["open"] + respond["missed"]) == (3, 1, 1)
    security = {c["kind"]: c for c in report["security"]["cases"]}
    assert security["incident"]["received"] == kinds["incident"] == 1
    assert security["incident"]["severity"]["serious"] == 1
    assert security["finding"]["received"] == kinds["finding"] == 1
    assert [s["step"] for s in security["incident"]["steps"]] == ["recover"]


def test_response_times_are_those_of_the_complaints_of_the_period(data):
    report = regulator_report(data, start=START, end=END, now=NOW)
    times = report["service"]["response_times"]
    assert [m["month"] for m in times["months"]] == ["2026-11", "2026-12"]
    november, december = times["months"]
    assert november["count"] == 3 and november["average"] == pytest.approx((10 + 40 + 25 * 60) / 3, abs=0.01)
    assert november["p90"] == 25 * 60 and november["limit"] == 30 and november["breached"]
    assert december["count"] == 1 and december["average"] == 30 and not december["breached"]
    assert times["overall"]["count"] == 4


def test_security_holds_the_checks_assessments_and_case_obligations(data):
    report = regulator_report(data, start=START, end=END, now=NOW)
    keys = {row["key"] for row in report["security"]["tasks"]}
    assert {"三.2", "三.8"} <= keys  # 安全检查, 第三方安全评估
    assert "三.3" not in keys and "三.7" not in keys  # the data audit, the privacy policy
    assert {"三.6-incident", "三.8-finding"} & keys  # the clocks of the incident and the finding


def test_self_check_holds_the_closed_reviews_whose_quarter_lies_in_the_period(data):
    review = closed_review(data)
    quarter = regulator_report(data, start=date(2026, 10, 1), end=date(2026, 12, 31), now=NOW)
    assert [r["label"] for r in quarter["self_check"]["reviews"]] == ["2026Q4"]
    found = quarter["self_check"]["reviews"][0]
    assert found["seal"] == review.seal
    assert found["findings"] == review.snapshot["findings"] and len(found["exceptions"]) == 5
    assert found["rectifications"][1]["title"] == "补做第四季度第二次员工培训"
    part = regulator_report(data, start=START, end=END, now=NOW)
    assert part["self_check"]["reviews"] == []  # the quarter does not lie inside 11-10..12-20


def test_query_count_is_constant_as_data_grows(data, staff):
    def count():
        with CaptureQueriesContext(connection) as queries:
            regulator_report(data, start=date(2026, 10, 1), end=date(2026, 12, 31), now=NOW)
        return len(queries)

    before = count()
    for day in range(1, 25):
        complaint(data, staff, datetime(2026, 12, day, 10, tzinfo=SH), respond_minutes=day, decide_days=1)
        open_case(data, kind=Case.Kind.FINDING, received=datetime(2026, 10, day, 10, tzinfo=SH))
    closed_review(data)
    closed_review(data, sample_snapshot(), year=2026, quarter=3)  # outside: Q3
    after = count()
    assert after == before <= 10, (before, after)  # the case list reads its cases and their clocks


def test_default_period_is_the_letters_cadence_period_just_ended(data):
    assert default_period(data, now=NOW) == (date(2026, 10, 1), date(2026, 12, 31))
    assert default_period(data, now=local_midnight(date(2027, 4, 1), SH)) == (date(2027, 1, 1), date(2027, 3, 31))
    assert default_period(data, now=local_midnight(date(2027, 4, 1), SH) - timedelta(seconds=1)) == (
        date(2026, 10, 1), date(2026, 12, 31))


def test_default_period_without_a_letter_is_the_last_quarter(platform):
    assert default_period(platform, now=NOW) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_backwards_period_is_refused(data):
    with pytest.raises(DomainError, match="开始日期不能晚于结束日期"):
        regulator_report(data, start=END, end=START, now=NOW)
