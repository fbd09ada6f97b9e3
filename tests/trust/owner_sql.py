"""SQL run as the tables' owner with the guards switched off, as someone who holds the
database would: the attacks the audit trail, the seal and the anchor must still see.

The tests run as the app's role, which cannot switch them off: this is done on the owner's own
connection (tests/dbroles.owner_connection), which sees only committed data, so the tests
using it are transactional (`django_db(transaction=True)`)."""

from contextlib import contextmanager

from tests.dbroles import owner_connection

GUARDED = ("obligations_occurrence", "obligations_case", "obligations_review", "obligations_reviewsignature",
           "obligations_completion", "obligations_auditevent")


@contextmanager
def _owner_cursor():
    with owner_connection() as owner, owner.cursor() as cursor:
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
