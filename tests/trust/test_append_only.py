"""The database itself keeps the records (migration 0008): audit records never change or
go, completions only gain their reopening, once, and evidence is never truncated.
On PostgreSQL in the test database, as the app's role (which may not even TRUNCATE) and
as the tables' owner; on SQLite in an in-memory database built from the models, with the
same install function the migration runs."""

import importlib
from datetime import timedelta

import psycopg2
import pytest
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler

from obligations.models import AuditEvent, Completion, Evidence, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from obligations.work.occurrences import occurrence_complete, occurrence_reopen
from tests.conftest import SIGNED_AT
from tests.dbroles import owner_connection
from tests.work.test_evidence import pdf

guard = importlib.import_module("obligations.migrations.0008_append_only")
NOW = SIGNED_AT + timedelta(hours=1)


def refused(statement, params=(), match="permanent"):
    """The statement fails in the database (its savepoint rolls back, the test goes on)."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, params)


def run(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


@pytest.fixture
def done(signed_letter, staff):
    sweep(now=SIGNED_AT)
    occ = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW)
    completion_with_evidence(occurrence=occ, user=staff, note="正常", files=[pdf()], now=NOW)
    return Completion.objects.get(occurrence=occ)


@pytest.mark.postgres
def test_audit_records_refuse_update_delete_and_truncate(done):
    event = AuditEvent.objects.order_by("id").first()
    refused("UPDATE obligations_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    refused("DELETE FROM obligations_auditevent WHERE id = %s", [event.pk])
    refused("TRUNCATE obligations_auditevent CASCADE", match="permission denied")  # the owner's: below
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")  # the ORM's bulk path too
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


@pytest.mark.postgres
def test_completions_refuse_delete_truncate_and_other_updates(done):
    refused("DELETE FROM obligations_completion WHERE id = %s", [done.pk])
    refused("UPDATE obligations_completion SET note = 'rewritten' WHERE id = %s", [done.pk])
    refused("UPDATE obligations_completion SET completed_at = completed_at - interval '1 day' WHERE id = %s",
            [done.pk])
    refused("UPDATE obligations_completion SET user_id = NULL, reopened_at = now() WHERE id = %s", [done.pk])
    assert Completion.objects.get(pk=done.pk).note == "正常"


@pytest.mark.postgres
def test_a_completion_is_reopened_once_and_only_that(done, officer, staff):
    occurrence_reopen(occurrence=done.occurrence, user=officer, reason="复核", now=NOW + timedelta(minutes=5))
    done.refresh_from_db()
    assert done.reopened_at and done.reopened_by == officer and done.reopen_reason == "复核"
    refused("UPDATE obligations_completion SET reopen_reason = 'other' WHERE id = %s", [done.pk])
    refused("UPDATE obligations_completion SET reopened_at = now() WHERE id = %s", [done.pk])
    refused("UPDATE obligations_completion SET reopened_at = NULL WHERE id = %s", [done.pk])
    # The task goes on: completed again, reopened again (a new completion each time).
    again = occurrence_complete(occurrence=done.occurrence, user=staff, note="再次", now=NOW + timedelta(minutes=9),
                                evidence_count=1)
    assert again.corrects == done
    occurrence_reopen(occurrence=done.occurrence, user=officer, reason="再复核", now=NOW + timedelta(minutes=10))
    assert Completion.objects.filter(occurrence=done.occurrence, reopened_at__isnull=False).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_to_the_owner_too(done):
    """The app's role may not TRUNCATE at all; the tables' owner may, and the triggers refuse
    it (a TRUNCATE of occurrences cascades to completions: refused as well)."""
    for table in ("auditevent", "completion", "occurrence", "evidence"):
        refused(f"TRUNCATE obligations_{table} CASCADE", match="permission denied")
        with pytest.raises(psycopg2.DatabaseError, match="permanent"), owner_connection() as owner:
            owner.cursor().execute(f"TRUNCATE obligations_{table} CASCADE")
    assert Evidence.objects.count() == 1 and Completion.objects.filter(pk=done.pk).exists()


@pytest.fixture
def sqlite(django_db_blocker):
    """An in-memory SQLite database holding the three tables and the migration's triggers
    (not the test database: pytest-django lets this one through explicitly)."""
    with django_db_blocker.unblock():
        yield from _sqlite()


def _sqlite():
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    lite = handler["default"]
    with lite.schema_editor() as editor:
        for model in (AuditEvent, Completion, Evidence):
            editor.create_model(model)
    guard.install(lite, Completion)
    with lite.cursor() as cur:
        cur.execute("PRAGMA foreign_keys = OFF")  # the other tables are not here
        cur.execute("INSERT INTO obligations_auditevent (at, action, object_type, object_id, data, prev_hash, hash)"
                    " VALUES ('2026-11-02', 'a', '', '', '{}', '0', 'h1')")
        cur.execute("INSERT INTO obligations_completion (occurrence_id, user_id, completed_at, note, late,"
                    " reopen_reason) VALUES (1, 1, '2026-11-02', 'ok', 0, '')")
    yield lite
    lite.close()


@pytest.mark.parametrize("statement", [
    "UPDATE obligations_auditevent SET action = 'x'",
    "DELETE FROM obligations_auditevent",  # SQLite's TRUNCATE
    "DELETE FROM obligations_auditevent WHERE id = 1",
    "DELETE FROM obligations_completion",
    "UPDATE obligations_completion SET note = 'rewritten'",
    "UPDATE obligations_completion SET late = 1, reopened_at = '2026-11-03'",
    "UPDATE obligations_completion SET reopen_reason = 'no date'",
])
def test_sqlite_refuses(sqlite, statement):
    with pytest.raises(DatabaseError, match="permanent"), sqlite.cursor() as cur:
        cur.execute(statement)


def test_sqlite_lets_a_completion_be_reopened_once(sqlite):
    with sqlite.cursor() as cur:
        cur.execute("UPDATE obligations_completion SET reopened_at = '2026-11-03', reopened_by_id = 2,"
                    " reopen_reason = '复核'")
        assert cur.rowcount == 1
        with pytest.raises(DatabaseError, match="permanent"):
            cur.execute("UPDATE obligations_completion SET reopened_at = '2026-11-04', reopen_reason = '再次'")
        cur.execute("SELECT reopen_reason FROM obligations_completion")
        assert cur.fetchone() == ("复核",)
