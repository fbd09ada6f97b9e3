"""The time people read: local, with the zone named in the reader's language; any stored
ISO string (old snapshots kept UTC) is the instant it names."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from obligations.schedule import local_time

SH, TOKYO, KOLKATA = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Asia/Kolkata")
MIDNIGHT = datetime(2026, 12, 8, 0, 0, tzinfo=SH)


def test_an_instant_reads_in_local_time_whatever_offset_it_was_stored_with():
    for stored in (MIDNIGHT, MIDNIGHT.astimezone(UTC), MIDNIGHT.astimezone(UTC).isoformat(), "2026-12-08T00:00:00+08:00",
                   "2026-12-07T16:00:00"):  # a naive string is UTC, as the database keeps it
        assert local_time.stamp(stored, SH) == "2026-12-08 00:00"
    assert local_time.local_iso("2026-12-07T16:00:00+00:00", SH) == "2026-12-08T00:00:00+08:00"
    assert local_time.naive_local(MIDNIGHT.astimezone(UTC), SH) == datetime(2026, 12, 8, 0, 0)
    assert local_time.stamp(MIDNIGHT, TOKYO, seconds=True) == "2026-12-08 01:00:00"
    assert local_time.stamp(MIDNIGHT, SH, year=False) == "12-08 00:00"
    assert local_time.stamp(None, SH) == "" and local_time.local_iso(None, SH) is None


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "北京时间"), ("en", "Beijing time (UTC+8)")])
def test_beijing_time_is_named_in_the_readers_language(language, expected):
    with translation.override(language):
        assert local_time.zone_name(SH) == expected


def test_another_zone_is_named_by_its_offset():
    assert local_time.zone_name(TOKYO) == "UTC+9"
    assert local_time.zone_name(KOLKATA) == "UTC+5:30"
    assert local_time.zone_name(ZoneInfo("America/Sao_Paulo"), MIDNIGHT) == "UTC-3"
    assert local_time.zone_name(ZoneInfo("UTC")) == "UTC"
    assert local_time.zone_name(ZoneInfo("Asia/Urumqi")) == "UTC+6"  # Xinjiang's own zone, not Beijing time
    # Summer time: the offset of the instant shown.
    berlin = ZoneInfo("Europe/Berlin")
    assert local_time.utc_offset(berlin, datetime(2026, 7, 1, tzinfo=UTC)) == "UTC+2"
    assert local_time.utc_offset(berlin, datetime(2026, 12, 1, tzinfo=UTC)) == "UTC+1"


def test_a_time_on_its_own_carries_its_zone():
    with translation.override("zh-hans"):
        assert local_time.zoned(MIDNIGHT.astimezone(UTC), SH) == "2026-12-08 00:00(北京时间)"
    with translation.override("en"):
        assert local_time.zoned(MIDNIGHT, TOKYO, year=False) == "12-08 01:00 UTC+9"
