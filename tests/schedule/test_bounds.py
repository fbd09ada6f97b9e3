"""The one bound on typed dates and the cleaning of typed text (schedule/bounds.py), and a stored
time Python cannot hold read as out of range (stored_times.py, schedule/local_time.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from obligations.schedule import local_time
from obligations.schedule.bounds import check_bounds, check_text

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("value", [date(2000, 1, 1), date(2100, 12, 31), datetime(2100, 12, 31, 23, 59, tzinfo=SH)])
def test_the_ends_of_the_range_are_accepted(value):
    check_bounds(value)


@pytest.mark.parametrize("value", [date(1, 1, 1), date(1999, 12, 31), date(2101, 1, 1),
                                   datetime(9999, 12, 31, 23, 59, tzinfo=SH)])
def test_a_date_outside_the_range_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        check_bounds(value)
    assert refused.value.code == "out_of_bounds"


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "x\x1b[31m", "\x7f", "\x85"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValidationError):
        check_text(text)


def test_ordinary_text_with_line_breaks_passes():
    check_text("三.2 第一行\n第二行\t制表")


@pytest.mark.django_db
def test_a_stored_time_python_cannot_hold_reads_as_out_of_range():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '0001-01-01 00:00+08'::timestamptz, '10000-01-01 00:00+00'::timestamptz, "
                       "'2026-11-02 09:00+08'::timestamptz, '0001-01-01 BC'::date")
        early, late, ordinary, day = cursor.fetchone()
    assert isinstance(early, local_time.OutOfRange) and not early.later
    assert isinstance(late, local_time.OutOfRange) and late.later
    assert ordinary == datetime(2026, 11, 2, 9, tzinfo=SH) and not isinstance(ordinary, local_time.OutOfRange)
    assert day.later is False
    assert local_time.stamp(early, SH) == "早于 0001-01-01(超出范围)"
    assert local_time.stamp(late, SH) == "晚于 9999-12-31(超出范围)"
    # Held in UTC but not in Beijing time: named in UTC, not shifted.
    assert local_time.stamp(datetime(9999, 12, 31, 20, 0, tzinfo=local_time.UTC), SH) == "9999-12-31 20:00 UTC(超出范围)"
