"""The tests run as the app does: connected as its own role (DATABASE_URL, e.g. pledge_app),
which owns no table and is no superuser. The tables' owner (DATABASE_OWNER_URL, e.g.
postgres) makes, migrates, empties and drops the test database (tests/conftest.py).

A test that acts as someone who holds the database (drops or disables the triggers, writes
below the app) does so as the owner, with one of:

- `owner_connection()`: a psycopg2 connection of its own to the test database, as the owner;
- `guard_lifted()`: migration 0008's triggers dropped (as the owner), the block run on the
  test's own connection, then the triggers put back.

Both need `@pytest.mark.django_db(transaction=True)`: a second connection neither sees the
rows of a test's open transaction nor may alter a table while that transaction holds a lock
on it (it would wait for the test, which waits for it)."""

import importlib
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import connection

from obligations.models import Completion
from obligations.trust.db_roles import CREDENTIALS, connected_as_owner

guard = importlib.import_module("obligations.migrations.0008_append_only")
# A lock the owner cannot get at once is a test waiting on itself: fail instead of hanging.
LOCK_TIMEOUT_MS = 30_000


def _connect(cfg, dbname):
    return psycopg2.connect(dbname=dbname, user=cfg["USER"], password=cfg["PASSWORD"] or None,
                            host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                            options=f"-c lock_timeout={LOCK_TIMEOUT_MS}")


@contextmanager
def owner_connection():
    """A psycopg2 connection to the current test database as the tables' owner
    (DATABASE_OWNER_URL), in a transaction: committed when the block ends, rolled back if it
    raises, then closed. Statements run in one transaction, so `SET LOCAL
    session_replication_role = replica` or `ALTER TABLE … DISABLE TRIGGER …; UPDATE …;
    ALTER TABLE … ENABLE TRIGGER …` hold for the block and no one sees the guard down.

        with owner_connection() as owner, owner.cursor() as cur:
            cur.execute("ALTER TABLE obligations_occurrence DISABLE TRIGGER USER")
            cur.execute("UPDATE obligations_occurrence SET state = 'waived' WHERE id = %s", [pk])
            cur.execute("ALTER TABLE obligations_occurrence ENABLE TRIGGER USER")

    Use it in `@pytest.mark.django_db(transaction=True)` tests only (module docstring)."""
    owner = settings.DATABASE_OWNER
    assert owner and connection.vendor == "postgresql", "set DATABASE_OWNER_URL (bin/test does)"
    conn = _connect(owner, connection.settings_dict["NAME"])
    try:
        with conn:  # psycopg2: commit on success, rollback on error
            yield conn
    finally:
        conn.close()


@contextmanager
def guard_lifted():
    """As the tables' owner would (the app's role cannot: tests/trust/test_db_roles.py): drop
    the append-only triggers of migration 0008, run the block on the test's own connection,
    put the triggers back. In `@pytest.mark.django_db(transaction=True)` tests only."""
    with connected_as_owner(connection):
        guard.uninstall(connection)
    try:
        yield
    finally:
        with connected_as_owner(connection):
            guard.install(connection, Completion)


def owner_server_connection():
    """The owner's connection to the server's `postgres` database, in autocommit: to make
    roles and scratch databases. Close it after use."""
    admin = _connect(settings.DATABASE_OWNER, "postgres")
    admin.autocommit = True
    return admin


def runtime_role_ensure(*, password):
    """Create the app's role (PLEDGE_DB_RUNTIME_ROLE, with DATABASE_URL's password if any) when
    missing: LOGIN and nothing more. Another test run may create it at the same time."""
    role, owner = settings.PLEDGE_DB_RUNTIME_ROLE, settings.DATABASE_OWNER
    if not owner or connection.vendor != "postgresql" or role == owner["USER"]:
        return
    admin = owner_server_connection()
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cur.fetchone():
                return
            name = connection.ops.quote_name(role)
            try:
                cur.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                            + (" PASSWORD %s" if password else ""), [password] if password else None)
            except psycopg2.errors.DuplicateObject:
                pass
    finally:
        admin.close()


def database_url(cfg=None, *, name=None) -> str:
    """A postgres:// URL for the subprocesses: the credentials of `cfg` (by default the test
    connection's: the app's role) on database `name` (by default the test database)."""
    cfg, name = cfg or connection.settings_dict, name or connection.settings_dict["NAME"]
    auth = cfg["USER"] + (f":{quote(cfg['PASSWORD'], safe='')}" if cfg.get("PASSWORD") else "")
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{name}"


def credentials():
    """The test connection's credentials now, to switch back to with `use`."""
    return {key: connection.settings_dict[key] for key in CREDENTIALS}


def use(saved):
    connection.close()
    connection.settings_dict.update(saved)
