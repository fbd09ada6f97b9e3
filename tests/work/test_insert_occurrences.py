"""The write path of the sweeps, on whichever database the suite runs (SQLite or PostgreSQL):
rows that exist are ignored, the count is of rows really inserted, and every datetime is
stored as the ORM stores it."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from obligations.models import Obligation, Occurrence
from obligations.work.sweeps import SQLITE_ROWS_PER_STATEMENT, insert_occurrences
from tests.conftest import SIGNED_AT

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rows_for(ob, starts, now=SIGNED_AT):
    return [(ob.pk, ob.platform_id, ob.clause_id, start, start + timedelta(hours=8), 1, start,
             start + timedelta(hours=8), start + timedelta(hours=9), False, "open", "", now) for start in starts]


def hours(n, first=SIGNED_AT):
    return [first + timedelta(hours=i) for i in range(n)]


def test_it_counts_only_the_rows_really_inserted(signed_letter):
    ob = Obligation.objects.filter(platform=signed_letter.platform, kind="calendar").first()
    assert insert_occurrences(rows_for(ob, hours(3))) == 3
    # Two of these exist already: one new row.
    assert insert_occurrences(rows_for(ob, hours(4)[1:])) == 1
    assert insert_occurrences(rows_for(ob, hours(4))) == 0
    assert Occurrence.objects.filter(obligation=ob).count() == 4
    assert insert_occurrences([]) == 0


def test_a_batch_longer_than_one_statement(signed_letter):
    ob = Obligation.objects.filter(platform=signed_letter.platform, kind="calendar").first()
    n = 2 * SQLITE_ROWS_PER_STATEMENT + 7
    assert insert_occurrences(rows_for(ob, hours(n))) == n
    assert insert_occurrences(rows_for(ob, hours(n + 1))) == 1


def test_datetimes_are_stored_as_the_orm_stores_them(signed_letter):
    """Whatever their zone and precision: the ORM finds each row by its exact instants."""
    ob = Obligation.objects.filter(platform=signed_letter.platform, kind="calendar").first()
    local = SIGNED_AT.astimezone(SHANGHAI) + timedelta(days=1)  # the same kind of instant, another zone
    precise = SIGNED_AT.replace(microsecond=123456) + timedelta(days=2)
    now = SIGNED_AT.replace(microsecond=987654)
    assert insert_occurrences(rows_for(ob, [SIGNED_AT, local, precise], now=now)) == 3
    for start in (SIGNED_AT, local, precise):
        occ = Occurrence.objects.get(obligation=ob, period_start=start, due_at=start + timedelta(hours=8),
                                     created_at=now)
        assert occ.period_start == start and occ.period_start.tzinfo is not None
        assert occ.close_at == start + timedelta(hours=9)
    # The same instant written in another zone is the same identity.
    assert insert_occurrences(rows_for(ob, [local.astimezone(UTC)])) == 0
