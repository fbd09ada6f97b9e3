"""Occurrences as rows for CSV or JSON, times in ISO 8601 with the platform's offset.

Two CSV formats: for people (the default, `?format=csv`, `export_occurrences --format csv`)
the headers and the states are named in the active language (Chinese by default); for
scripts (`?format=csv-codes`, `--format csv-codes` or `--codes`) the column codes and state
codes of COLUMNS and Occurrence.State, which do not change with the language. JSON always
carries the codes."""

import csv
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Occurrence
from ..schedule import local_time
from .drilldown import due_on_days

COLUMNS = (
    "platform", "clause", "obligation", "title", "period_start", "period_end", "sequence",
    "opens_at", "due_at", "state", "completed_at", "completed_by", "provisional",
)
HEADERS = {
    "platform": gettext_lazy("平台"), "clause": gettext_lazy("条款"), "obligation": gettext_lazy("义务编号"),
    "title": gettext_lazy("义务"), "period_start": gettext_lazy("周期开始"), "period_end": gettext_lazy("周期结束"),
    "sequence": gettext_lazy("序号"), "opens_at": gettext_lazy("开始时间"), "due_at": gettext_lazy("到期时间"),
    "state": gettext_lazy("状态"), "completed_at": gettext_lazy("完成时间"), "completed_by": gettext_lazy("完成人"),
    "provisional": gettext_lazy("临时截止时间"),
}
CSV_FORMATS = ("csv", "csv-codes")  # for people, for scripts


def occurrence_rows(queryset):
    queryset = queryset.select_related("platform", "clause", "obligation", "completed_by").order_by(
        "due_at", "obligation__key", "sequence")
    tz_cache = {}

    def iso(value, tz):
        return local_time.safe_iso(value, tz) if value else ""

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


def write_csv(rows, out, *, codes=False):
    """For people: headers and states named in the active language; `codes`: for scripts,
    the column and state codes."""
    if codes:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
        return
    states = dict(Occurrence.State.choices)
    yes, no = _("是"), _("否")
    writer = csv.writer(out)
    writer.writerow([str(HEADERS[c]) for c in COLUMNS])
    for row in rows:
        writer.writerow([str(states.get(row["state"], row["state"])) if c == "state"
                         else (yes if row[c] else no) if c == "provisional" else row[c] for c in COLUMNS])


def write_json(rows, out):
    json.dump(list(rows), out, ensure_ascii=False, indent=1)
    out.write("\n")


def platform_occurrences(platform, date_from=None, date_to=None):
    """Occurrences of a platform due on the local days date_from to date_to, both
    included: the drill-down's rule (a task due at 00:00 belongs to the day before)."""
    return due_on_days(Occurrence.objects.filter(platform=platform), date_from, date_to, platform.tz)
