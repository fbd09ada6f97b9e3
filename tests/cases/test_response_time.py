"""Clause 三.4's measure: monthly average and 90th percentile of first responses."""

from datetime import timedelta

import pytest

from obligations.cases.response_time import monthly_response_times, p90
from obligations.work.occurrences import occurrence_complete
from tests.cases.support import at, clocks, open_case

# Clause 三.4's measure.

def test_monthly_response_times_equal_an_independent_computation(signed_letter, staff):
    platform = signed_letter.platform
    minutes = {10: [5, 20, 40, 61], 11: [3, 10, 15, 20, 25, 30, 35, 40, 45, 200]}
    expected = {}
    for month, values in minutes.items():
        for i, m in enumerate(values):
            received = at(2026, month, 3 + i, 9)
            case = open_case(platform, received=received)
            occurrence_complete(occurrence=clocks(case)["respond"], user=staff, note="ok",
                                now=received + timedelta(minutes=m))
        ordered = sorted(values)
        expected[month] = (sum(values) / len(values), ordered[-(-9 * len(values) // 10) - 1])
    figures = {f.month.month: f for f in monthly_response_times(platform, now=at(2026, 11, 20, 12)) if f.count}
    assert set(figures) == {10, 11}
    for month, (average, ninetieth) in expected.items():
        assert figures[month].average == pytest.approx(average) and figures[month].p90 == pytest.approx(ninetieth)
        assert figures[month].limit == 30
    assert figures[10].breached and figures[11].breached is (expected[11][0] > 30)
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9 and p90([]) is None
