"""A running period says as of when its figures stand, in local time with the offset named."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.utils import translation

from obligations.oversight.period_status import as_of_text, period_status
from obligations.schedule.local_time import utc_offset

SH = ZoneInfo("Asia/Shanghai")


def test_the_offset_is_named_as_people_read_it():
    assert utc_offset(SH, datetime(2026, 12, 7, 10, tzinfo=SH)) == "UTC+8"
    assert utc_offset(timezone(timedelta(hours=5, minutes=30)), datetime(2026, 12, 7, 10, tzinfo=UTC)) == "UTC+5:30"
    assert utc_offset(timezone(timedelta(hours=-3)), datetime(2026, 12, 7, 10, tzinfo=UTC)) == "UTC-3"


def test_a_running_period_says_so_and_an_ended_one_says_nothing():
    end = datetime(2027, 1, 1, tzinfo=SH)
    running = period_status(end, datetime(2026, 12, 7, 2, 5, tzinfo=timezone.utc), SH)
    assert running == {"running": True, "as_of": "2026-12-07T10:05:00+08:00"}
    # The zone named as the pages name it (the API's figures say the same), not by its offset.
    assert as_of_text(running, SH) == "截至 2026-12-07 10:05(北京时间),期间未结束"
    with translation.override("en"):
        assert as_of_text(running, SH) == "As of 2026-12-07 10:05 Beijing time (UTC+8); the period is not over"
    tokyo = ZoneInfo("Asia/Tokyo")
    assert as_of_text(running, tokyo) == "截至 2026-12-07 11:05(UTC+9),期间未结束"
    ended = period_status(end, end, SH)
    assert ended["running"] is False and as_of_text(ended, SH) == ""
