"""Two database roles: the tables belong to the owner, which migrates; the app (and these
tests) connect as a role that owns no table and is no superuser, so it can neither drop nor
disable the triggers that keep records permanent. check --deploy warns of an app role that can."""

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from obligations.checks import database_role
from obligations.models import AuditEvent
from obligations.trust.db_roles import connected_as_owner, role_powers
from tests.dbroles import database_url, owner_connection, owner_server_connection

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[2]
GUARDS_OFF = [
    "ALTER TABLE obligations_occurrence DISABLE TRIGGER ALL",
    "ALTER TABLE obligations_auditevent DISABLE TRIGGER pledge_audit_permanent",
    "DROP TRIGGER pledge_audit_permanent ON obligations_auditevent",
    "CREATE OR REPLACE FUNCTION pledge_permanent() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
    "ALTER TABLE obligations_auditevent OWNER TO CURRENT_USER",
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
]


def app_tables():
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def test_the_tests_connect_as_the_apps_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.PLEDGE_DB_RUNTIME_ROLE != settings.DATABASE_OWNER["USER"]


@pytest.mark.parametrize("statement", GUARDS_OFF)
def test_the_apps_role_cannot_switch_the_guards_off(signed_letter, statement):
    with pytest.raises(DatabaseError, match="must be owner|permission denied"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)
    with pytest.raises(DatabaseError, match="permanent"), transaction.atomic():
        AuditEvent.objects.update(action="x")  # the guard still holds


def test_the_apps_role_is_no_superuser_and_owns_no_table(db):
    with connection.cursor() as cursor:
        assert role_powers(cursor, tables=app_tables()) == (False, [])
    assert database_role(None) == []


@pytest.mark.django_db(transaction=True)
def test_check_deploy_warns_of_a_superuser_or_an_owner():
    tables = app_tables()
    with connected_as_owner(connection):
        assert [w.id for w in database_role(None)] == ["pledge.W002", "pledge.W003"]
    with owner_connection() as owner, owner.cursor() as cursor:
        assert role_powers(cursor, tables=tables) == (True, sorted(tables))
        # An owner that is no superuser is seen as well (rolled back: no one keeps the table).
        cursor.execute(f"ALTER TABLE obligations_platform OWNER TO {settings.PLEDGE_DB_RUNTIME_ROLE}")
        cursor.execute(f"SET ROLE {settings.PLEDGE_DB_RUNTIME_ROLE}")
        assert role_powers(cursor, tables=tables) == (False, ["obligations_platform"])
        owner.rollback()
    assert database_role(None) == []


@pytest.fixture
def scratch(db):
    """An empty database of the owner's, beside the test database."""
    name = f"{connection.settings_dict['NAME']}_migrate"
    admin = owner_server_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_migrate_runs_as_the_owner_and_grants_the_app_rows_only(scratch):
    app = database_url(name=scratch)
    owner = database_url(settings.DATABASE_OWNER, name=scratch)
    env = {**os.environ, "DATABASE_URL": app, "DATABASE_OWNER_URL": owner}
    for _ in range(2):  # a second run grants again, and changes nothing
        result = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        assert f"Granted {settings.PLEDGE_DB_RUNTIME_ROLE}" in result.stdout
    with closing(psycopg2.connect(app)) as runtime, runtime.cursor() as cursor:
        cursor.execute("INSERT INTO auth_group (name) VALUES ('g') RETURNING id")  # its identity sequence too
        cursor.execute("UPDATE auth_group SET name = 'h' WHERE id = %s", cursor.fetchone())
        cursor.execute("SELECT name FROM auth_group")
        assert cursor.fetchall() == [("h",)]
        cursor.execute("DELETE FROM auth_group")
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> %s",
                       [settings.DATABASE_OWNER["USER"]])
        assert cursor.fetchone()[0] == 0  # every table is the owner's
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert role_powers(cursor, tables=[t for (t,) in cursor.fetchall()]) == (False, [])
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("ALTER TABLE obligations_occurrence DISABLE TRIGGER ALL")
