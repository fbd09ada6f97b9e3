"""The time people read: an instant in the platform's local time, and the zone named.

Pages, review snapshots, the reports (PDF, XLSX, DOCX), the archive manifest and the
notifications all write a time through here, so a task due at 00:00 Beijing time reads
"2026-12-08 00:00" everywhere and each says it is 北京时间. An ISO string with any offset
(old snapshots kept UTC) is read as the instant it names and shown in local time.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

from django.utils.translation import gettext as _


class OutOfRange(datetime):
    """A stored instant Python cannot hold (before year 1 or past 9999, in UTC: a row written
    before dates were bounded), read as the nearest one it can so the page still draws, and
    marked, so that what shows it names it as out of range rather than a wrong time."""

    later = False


class TooLate(OutOfRange):
    later = True


def out_of_range(later: bool) -> OutOfRange:
    return TooLate(9999, 12, 31, 23, 59, 59, tzinfo=UTC) if later else OutOfRange(1, 1, 1, tzinfo=UTC)


# Zones people call by a name rather than an offset; the name's English says its offset.
BEIJING = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC")


def instant(value) -> datetime | None:
    """A datetime, or an ISO 8601 string, as an aware instant (a naive one is UTC, as stored)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def local(value, tz: tzinfo) -> datetime | None:
    """The instant in the zone `tz`, aware."""
    moment = instant(value)
    return moment.astimezone(tz) if moment else None


def local_iso(value, tz: tzinfo) -> str | None:
    """The instant as ISO 8601 in local time with its offset (2026-12-08T00:00:00+08:00): what
    a snapshot stores, readable as it is and exact as an instant."""
    moment = local(value, tz)
    return moment.isoformat() if moment else None


def naive_local(value, tz: tzinfo) -> datetime | None:
    """Local wall-clock time without a zone: what a spreadsheet cell can hold (its header names the zone)."""
    moment = local(value, tz)
    return moment.replace(tzinfo=None) if moment else None


def stamp(value, tz: tzinfo, *, seconds: bool = False, year: bool = True) -> str:
    """"2026-12-08 00:00" in local time ("12-08 00:00" without the year); "" for none. A time
    outside what can be shown in local time (a row stored before dates were bounded) is named as such."""
    form = ("%Y-%m-%d" if year else "%m-%d") + (" %H:%M:%S" if seconds else " %H:%M")
    try:
        moment = local(value, tz)
    except OverflowError:
        return beyond(value)
    if moment is None:
        return ""
    if isinstance(value, OutOfRange):
        return beyond(value)
    return moment.strftime(form)


def last_day(value, tz: tzinfo) -> str:
    """The last local day a validity ending at `value` covers in full: a token valid through
    2027-01-31 stops at 2027-02-01 00:00 local time and reads "2027-01-31", not the instant it stops."""
    moment = local(value, tz)
    return (moment - timedelta(microseconds=1)).strftime("%Y-%m-%d") if moment else ""


def showable(value: datetime, tz: tzinfo) -> bool:
    """Whether local time can hold the instant (not 9999-12-31 23:00 UTC in Beijing)."""
    try:
        value.astimezone(tz)
    except OverflowError:
        return False
    return True


def beyond(value) -> str:
    """How a page names a time it cannot show in local time: its UTC when Python holds it, else
    which end of the calendar it fell off."""
    if isinstance(value, OutOfRange):
        return _("晚于 9999-12-31(超出范围)") if value.later else _("早于 0001-01-01(超出范围)")
    return _("%(time)s UTC(超出范围)") % {"time": instant(value).strftime("%Y-%m-%d %H:%M")}


def safe_iso(value, tz: tzinfo) -> str:
    """local_iso for a file (a CSV's cell): the stored UTC instant when local time cannot hold it."""
    try:
        if isinstance(value, OutOfRange):
            raise OverflowError
        return local_iso(value, tz) or ""
    except OverflowError:
        return beyond(value)


def utc_offset(tz: tzinfo, at: datetime | None = None) -> str:
    """The zone's offset from UTC at `at` (now's offset for a zone without summer time):
    "UTC+8", "UTC+5:30", "UTC-3", "UTC"."""
    offset = (at or datetime.now(tz)).astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(tz: tzinfo, at: datetime | None = None) -> str:
    """How a document names its times' zone, in the active language: 北京时间 ("Beijing
    time (UTC+8)"), else the offset from UTC ("UTC+9")."""
    if str(getattr(tz, "key", tz)) in BEIJING:
        return _("北京时间")
    return utc_offset(tz, at)


def zoned(value, tz: tzinfo, *, seconds: bool = False, year: bool = True) -> str:
    """A time with its zone, for a line read on its own (a message): "2026-12-08 00:00(北京时间)"."""
    text = stamp(value, tz, seconds=seconds, year=year)
    return _("%(time)s(%(zone)s)") % {"time": text, "zone": zone_name(tz, instant(value))} if text else ""


def shared_zone(zones: Iterable[tzinfo]) -> tzinfo | None:
    """The one zone all rows of a list spanning platforms share, for the page to name once;
    None when they differ (then each row names its own)."""
    found = {str(getattr(z, "key", z)): z for z in zones}
    return next(iter(found.values())) if len(found) == 1 else None
