"""What a person may type into a date, a time or a filter (the fields: forms/bounds.py). One bound for every date a form or a
filter takes (cases, reviews, letters, exports, the audit and task filters): 2000-01-01 to
2100-12-31, far inside what Python and the period math can hold, so that no typed 0001-01-01
or 9999-12-31 reaches date arithmetic ("year -1 is out of range") or is stored to break the
pages that read it. Text in a filter is refused with NUL and other control characters, which
PostgreSQL refuses (NUL) or no stored value holds."""

import re
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# C0 controls but tab, line feed and carriage return (which a textarea sends), DEL, and the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
OUT_OF_BOUNDS = _("日期须在 %(earliest)s 至 %(latest)s 之间。")
CONTROL_CHARACTERS = _("内容含有不可见的控制字符,请删除后重试。")


def out_of_bounds(day: date) -> bool:
    return not EARLIEST <= day <= LATEST


def check_bounds(value):
    """Refuse a date or time outside EARLIEST…LATEST (a time by its date as typed) with the message that says the range."""
    if value is None:
        return
    if out_of_bounds(value.date() if isinstance(value, datetime) else value):
        raise ValidationError(OUT_OF_BOUNDS, code="out_of_bounds",
                              params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})


def check_text(value):
    """Refuse NUL and other control characters in a typed value."""
    if value and CONTROL.search(str(value)):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


# The date picker's own limits, for a form outside forms/ (oversight/drilldown.py).
DATE_ATTRS = {"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
DATETIME_ATTRS = {"type": "datetime-local", "min": datetime.combine(EARLIEST, time()).strftime("%Y-%m-%dT%H:%M"),
                  "max": datetime.combine(LATEST, time(23, 59)).strftime("%Y-%m-%dT%H:%M")}
