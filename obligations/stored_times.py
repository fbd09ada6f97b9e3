"""Reading a stored time Python cannot hold. PostgreSQL keeps dates from 4713 BC to far past
9999; Python's from year 1 to 9999. A row written before dates were bounded (a case received
0001-01-01 in Beijing is 1 BC in UTC) would make every page reading it fail ("year -1 is out
of range"); read instead as the nearest time Python holds, marked (schedule/local_time.OutOfRange)
so that pages name it as out of range. Registered once for every connection (apps.py)."""

from datetime import date

import psycopg2.extensions as pg

from .schedule.local_time import out_of_range


class DateOutOfRange(date):
    later = False


class DateTooLate(DateOutOfRange):
    later = True


def _later(text: str) -> bool:
    return not text.endswith("BC") and not text.startswith("-")


def _timestamptz(value, cursor):
    try:
        return pg.PYDATETIMETZ(value, cursor)
    except (ValueError, OverflowError):
        return out_of_range(_later(value))


def _date(value, cursor):
    try:
        return pg.PYDATE(value, cursor)
    except (ValueError, OverflowError):
        return DateTooLate(9999, 12, 31) if _later(value) else DateOutOfRange(1, 1, 1)


def register():
    pg.register_type(pg.new_type(pg.PYDATETIMETZ.values, "PLEDGE_TIMESTAMPTZ", _timestamptz))
    pg.register_type(pg.new_type(pg.PYDATE.values, "PLEDGE_DATE", _date))
