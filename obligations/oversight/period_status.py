"""Whether the period a page or a report shows is over, and as of when its figures stand:
a running period's figures are a state of affairs at an instant, not its outcome."""

from datetime import datetime

from django.utils.translation import gettext as _

from ..schedule.local_time import zone_name


def period_status(until: datetime, now: datetime, tz) -> dict:
    """JSON-able: is the period ending at `until` still running at `now`, and `now` local."""
    return {"running": now < until, "as_of": now.astimezone(tz).isoformat(timespec="seconds")}


def as_of_text(status: dict, tz) -> str:
    """"截至 2026-12-07 10:07(北京时间),期间未结束" for a running period, else "": the zone named
    as every page names it (local_time.zone_name), the platform's `tz` (the snapshot keeps only an offset)."""
    if not status.get("running"):
        return ""
    at = datetime.fromisoformat(status["as_of"]).astimezone(tz)
    return _("截至 %(time)s(%(zone)s),期间未结束") % {"time": at.strftime("%Y-%m-%d %H:%M"), "zone": zone_name(tz, at)}
