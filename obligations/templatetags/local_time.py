"""Times on the pages in the platform's local time, with schedule/local_time.py's words:
`{{ occ.due_at|local:platform.tz }}` → 2026-12-08 00:00, `{{ platform.tz|zone }}` → 北京时间.
Both take an instant or an ISO string (a snapshot's)."""

from django import template

from ..schedule import local_time

register = template.Library()


@register.filter
def local(value, tz) -> str:
    return local_time.stamp(value, tz)


@register.filter
def local_short(value, tz) -> str:
    """Without the year, for a row of this week's tasks: 12-08 00:00."""
    return local_time.stamp(value, tz, year=False)


@register.filter
def local_seconds(value, tz) -> str:
    return local_time.stamp(value, tz, seconds=True)


@register.filter
def last_day(value, tz) -> str:
    """The last day a validity covers: expires 2027-02-01 00:00 → 2027-01-31."""
    return local_time.last_day(value, tz)


@register.filter
def zone(tz) -> str:
    return local_time.zone_name(tz)
