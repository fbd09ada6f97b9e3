"""The database allows only the changes Pledge makes to tasks, cases, reviews and
signatures (migration 0014), whatever path the change takes. On PostgreSQL in the test
database; on SQLite in an in-memory database built from the models, with the same
install function the migration runs. (The services that make the allowed changes are
tested in tests/work, tests/cases and tests/oversight, under these guards.)"""

import importlib
import re

import psycopg2
import pytest
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler

from obligations.models import AuditEvent, Case, Completion, Occurrence, Review, ReviewSignature
from obligations.trust.audit import audit_record
from tests.conftest import SIGNED_AT
from tests.dbroles import owner_connection
from tests.oversight.review_sample import closed_review
from tests.trust.test_trail_states import a_closed_case, signed_three_days_back

guards = importlib.import_module("obligations.migrations.0014_state_guards")
narrowed = importlib.import_module("obligations.migrations.0025_guard_skips_untouched")
REFUSED = "not a change Pledge makes|permanent"


def refused(statement, params=(), match=REFUSED):
    """The statement fails in the database (its savepoint rolls back, the test goes on)."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, params)


# The app's role may not TRUNCATE at all; the owner's TRUNCATE meets the triggers (below).
NO_TRUNCATE = "permission denied"


def run(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


@pytest.fixture
def missed(platform, officer):
    signed_three_days_back(platform, officer, "missed")
    return Occurrence.objects.filter(state="missed").order_by("id").first()


@pytest.mark.postgres
def test_a_missed_task_is_waived_only_with_a_waiver_on_record(missed, officer):
    waive = "UPDATE obligations_occurrence SET state = 'waived', waived_reason = '补录' WHERE id = %s"
    refused(waive, [missed.pk])
    audit_record(at=SIGNED_AT, action="occurrence.waive", obj=missed, actor=officer, platform=missed.platform,
                 data={"reason": "补录"})
    assert run(waive, [missed.pk]) == 1
    refused("UPDATE obligations_occurrence SET state = 'missed', waived_reason = '' WHERE id = %s", [missed.pk])


@pytest.mark.postgres
def test_a_task_moves_only_as_the_services_move_it(missed):
    for statement in (
        "UPDATE obligations_occurrence SET state = 'done', completed_at = now(), completed_by_id = "
        "(SELECT MIN(id) FROM auth_user) WHERE id = %s",  # no live completion
        "UPDATE obligations_occurrence SET state = 'open' WHERE id = %s",
        "UPDATE obligations_occurrence SET due_at = due_at + interval '1 day', "
        "close_at = close_at + interval '1 day' WHERE id = %s",  # a missed task's schedule is history
        "UPDATE obligations_occurrence SET period_start = period_start - interval '1 day' WHERE id = %s",
        "UPDATE obligations_occurrence SET missed_at = NULL WHERE id = %s",
        "DELETE FROM obligations_occurrence WHERE id = %s",
        "INSERT INTO obligations_occurrence (obligation_id, platform_id, clause_id, period_start, period_end, "
        "sequence, opens_at, due_at, close_at, provisional, state, waived_reason, created_at) SELECT obligation_id, "
        "platform_id, clause_id, period_start, period_end, sequence + 100, opens_at, due_at, close_at, provisional, "
        "'done', '', created_at FROM obligations_occurrence WHERE id = %s",
    ):
        refused(statement, [missed.pk])
    refused("TRUNCATE obligations_occurrence CASCADE", match=NO_TRUNCATE)
    assert Occurrence.objects.get(pk=missed.pk).state == "missed"


@pytest.mark.postgres
def test_the_task_guard_skips_only_changes_it_would_allow(missed):
    """Migration 0024 runs the guard only when a column it reads changes: its trigger's
    condition names every column the guard's rule reads, so a change it skips is one the rule
    allows (marking a task told); a told mark beside a refused change is still refused."""
    read = set(re.findall(r"NEW\.(\w+)", guards.allowed_update("occurrence", "postgresql")))
    assert read <= set(narrowed.OCCURRENCE_GUARDED)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'pledge_occurrence_update'")
        (definition,) = cur.fetchone()
    assert all(f"new.{column}" in definition.lower() for column in read)
    assert run("UPDATE obligations_occurrence SET told = told | 12 WHERE id = %s", [missed.pk]) == 1
    refused("UPDATE obligations_occurrence SET told = 0, missed_at = NULL WHERE id = %s", [missed.pk])
    assert Occurrence.objects.get(pk=missed.pk).told == 12


@pytest.mark.postgres
def test_a_closed_case_never_changes_nor_goes(platform, officer):
    case = a_closed_case(platform, officer)
    for statement in ("UPDATE obligations_case SET state = 'open', closed_at = NULL WHERE id = %s",
                      "UPDATE obligations_case SET close_note = '改写' WHERE id = %s",
                      "UPDATE obligations_case SET assignee_id = NULL, severity = 'critical' WHERE id = %s",
                      "DELETE FROM obligations_case WHERE id = %s"):
        refused(statement, [case.pk])
    refused("TRUNCATE obligations_case CASCADE", match=NO_TRUNCATE)
    assert Case.objects.get(pk=case.pk).state == "closed"


@pytest.mark.postgres
def test_a_closed_review_never_changes_nor_goes_and_signatures_are_voided_once(platform, officer):
    review = closed_review(platform)
    for statement in ("UPDATE obligations_review SET snapshot = snapshot || '{\"forged\": 1}' WHERE id = %s",
                      "UPDATE obligations_review SET seal = repeat('0', 64) WHERE id = %s",
                      "UPDATE obligations_review SET state = 'open', snapshot = NULL, seal = '', closed_at = NULL "
                      "WHERE id = %s",
                      "DELETE FROM obligations_review WHERE id = %s"):
        refused(statement, [review.pk])
    refused("INSERT INTO obligations_reviewsignature (review_id, user_id, decision, reason, at) "
            "VALUES (%s, %s, 'sign', '', now())", [review.pk, officer.pk])
    opened = Review.objects.create(platform=platform, year=2027, quarter=1, period_start=review.period_start,
                                   period_end=review.period_end, opened_at=SIGNED_AT)
    refused("INSERT INTO obligations_review (platform_id, year, quarter, period_start, period_end, state, opened_at, "
            "seal, snapshot, closed_at) SELECT platform_id, 2027, 2, period_start, period_end, 'closed', opened_at, "
            "seal, snapshot, closed_at FROM obligations_review WHERE id = %s", [review.pk])
    signature = ReviewSignature.objects.create(review=opened, user=officer, decision="sign", at=SIGNED_AT)
    refused("UPDATE obligations_reviewsignature SET decision = 'refuse', reason = 'x' WHERE id = %s", [signature.pk])
    refused("DELETE FROM obligations_reviewsignature WHERE id = %s", [signature.pk])
    assert run("UPDATE obligations_reviewsignature SET voided_at = now() WHERE id = %s", [signature.pk]) == 1
    refused("UPDATE obligations_reviewsignature SET voided_at = now() + interval '1 day' WHERE id = %s",
            [signature.pk])
    refused("UPDATE obligations_reviewsignature SET voided_at = NULL WHERE id = %s", [signature.pk])
    refused("TRUNCATE obligations_reviewsignature CASCADE", match=NO_TRUNCATE)
    assert Review.objects.get(pk=review.pk).snapshot == review.snapshot


@pytest.fixture
def sqlite(django_db_blocker):
    """An in-memory SQLite database with the tables and the migration's triggers."""
    with django_db_blocker.unblock():
        handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
        lite = handler["default"]
        with lite.schema_editor() as editor:
            for model in (AuditEvent, Completion, Occurrence, Case, Review, ReviewSignature):
                editor.create_model(model)
        guards.install(lite)
        with lite.cursor() as cur:
            cur.execute("PRAGMA foreign_keys = OFF")  # the other tables are not here
            cur.execute("INSERT INTO obligations_occurrence (obligation_id, platform_id, clause_id, period_start, "
                        "period_end, sequence, opens_at, due_at, close_at, provisional, state, waived_reason, "
                        "created_at) VALUES (1, 1, 1, '2026-11-01', '2026-11-02', 1, '2026-11-01', '2026-11-02', "
                        "'2026-11-02', 0, 'open', '', '2026-11-01')")
            cur.execute("UPDATE obligations_occurrence SET state = 'missed', missed_at = '2026-11-03'")
        yield lite
        lite.close()


def test_sqlite_waives_a_task_only_with_its_waiver_on_record(sqlite):
    waive = "UPDATE obligations_occurrence SET state = 'waived', waived_reason = '补录' WHERE id = 1"
    with sqlite.cursor() as cur:
        for statement in (waive, "UPDATE obligations_occurrence SET state = 'open'",
                          "DELETE FROM obligations_occurrence"):
            with pytest.raises(DatabaseError, match="not a change Pledge makes"):
                cur.execute(statement)
        record = ("INSERT INTO obligations_auditevent (at, platform_id, action, object_type, object_id, data, "
                  "prev_hash, hash) VALUES ('2026-11-03', %s, 'occurrences.waive', 'Letter', '1', "
                  "'{\"occurrences\": [1]}', '0', %s)")
        cur.execute(record, [2, "h1"])  # another platform's waiver names a task 1 of its own
        with pytest.raises(DatabaseError, match="not a change Pledge makes"):
            cur.execute(waive)
        cur.execute(record, [1, "h2"])
        cur.execute(waive)
        assert cur.rowcount == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["occurrence", "case", "review", "reviewsignature"])
def test_the_owners_truncate_meets_the_guards(table):
    with pytest.raises(psycopg2.DatabaseError, match=REFUSED), owner_connection() as owner, owner.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # so the refusal seen is the trigger's
        cur.execute(f"TRUNCATE obligations_{table} CASCADE")
