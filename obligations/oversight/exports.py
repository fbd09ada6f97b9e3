"""Occurrences as rows for CSV or JSON, times in ISO 8601 with the platform's offset."""

import csv
import json

from ..models import Occurrence
from .drilldown import due_on_days

COLUMNS = (
    "platform", "clause", "obligation", "title", "period_start", "period_end", "sequence",
    "opens_at", "due_at", "state", "completed_at", "completed_by", "provisional",
)


def occurrence_rows(queryset):
    queryset = queryset.select_related("platform", "clause", "obligation", "completed_by").order_by(
        "due_at", "obligation__key", "sequence")
    tz_cache = {}

    def iso(value, tz):
        return value.astimezone(tz).isoformat() if value else ""

    for occ in queryset.iterator(chunk_size=2000):
        tz = tz_cache.setdefault(occ.platform_id, occ.platform.tz)

        yield {
            "platform": occ.platform.slug,
            "clause": occ.clause.number,
            "obligation": occ.obligation.key,
            "title": occ.obligation.title,
            "period_start": iso(occ.period_start, tz),
            "period_end": iso(occ.period_end, tz),
            "sequence": occ.sequence,
            "opens_at": iso(occ.opens_at, tz),
            "due_at": iso(occ.due_at, tz),
            "state": occ.state,
            "completed_at": iso(occ.completed_at, tz),
            "completed_by": occ.completed_by.get_username() if occ.completed_by else "",
            "provisional": occ.provisional,
        }


def write_csv(rows, out):
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def write_json(rows, out):
    json.dump(list(rows), out, ensure_ascii=False, indent=1)
    out.write("\n")


def platform_occurrences(platform, date_from=None, date_to=None):
    """Occurrences of a platform due on the local days date_from to date_to, both
    included: the drill-down's rule (a task due at 00:00 belongs to the day before)."""
    return due_on_days(Occurrence.objects.filter(platform=platform), date_from, date_to, platform.tz)
