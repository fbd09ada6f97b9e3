"""SQL run as the tables' owner with the guards switched off, as someone who holds the
database would: the attacks the audit trail, the seal and the anchor must still see.

The one place to change when the tests run as a runtime role that cannot switch them off
(tests/dbroles.py's owner_connection()): `_owner_cursor` below. Data must be committed
first, so the tests using it are transactional (`django_db(transaction=True)`)."""

from contextlib import contextmanager

from django.db import connection

GUARDED = ("obligations_occurrence", "obligations_case", "obligations_review", "obligations_reviewsignature",
           "obligations_completion", "obligations_auditevent")


@contextmanager
def _owner_cursor():
    with connection.cursor() as cursor:  # at merge: `with owner_connection() as c, c.cursor() as cursor:`
        yield cursor


def owner_execute(sql, params=()) -> int:
    """Run `sql` with every guard trigger of the tables disabled (ALTER TABLE … DISABLE
    TRIGGER USER), then enable them again. Returns the rows it touched."""
    with _owner_cursor() as cursor:
        for table in GUARDED:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
            return cursor.rowcount
        finally:
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
