"""Two database roles, so that the app cannot switch the database's guards off.

The triggers that keep records permanent (migration 0008) can be dropped or disabled
(`ALTER TABLE … DISABLE TRIGGER`, `SET session_replication_role = replica`) only by the
tables' owner or a superuser. So the tables belong to an owner role, which runs the
migrations (DATABASE_OWNER_URL), and the web, workers and beat connect as a role that owns
nothing and may only read and write rows (DATABASE_URL, PLEDGE_DB_RUNTIME_ROLE).
"""

from contextlib import contextmanager

from django.conf import settings

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"  # no TRUNCATE, REFERENCES or TRIGGER
SEQUENCE_RIGHTS = "USAGE, SELECT"


@contextmanager
def connected_as_owner(connection):
    """Within the block `connection` talks to its database as the owner of DATABASE_OWNER_URL
    (the same database: a test database keeps its name), then as before. Nothing changes
    without an owner URL, off PostgreSQL, or when the connection is the owner's already.
    The connection is closed on the way in and out: never call it inside a transaction."""
    owner = settings.DATABASE_OWNER
    if not owner or connection.vendor != "postgresql" or connection.settings_dict["USER"] == owner["USER"]:
        yield connection
        return
    before = {key: connection.settings_dict[key] for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: owner[key] for key in CREDENTIALS})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(before)


def runtime_grant(connection) -> str | None:
    """Grant the app's role (PLEDGE_DB_RUNTIME_ROLE) what the app does: read and write rows
    of every table and use the sequences of the schema, now and for tables the connected
    owner makes later. Idempotent; migrate runs it at its end. Returns the role granted,
    None when there is no other role to grant (SQLite, or one role for everything)."""
    role = settings.PLEDGE_DB_RUNTIME_ROLE
    if connection.vendor != "postgresql" or not role or role == connection.settings_dict["USER"]:
        return None
    grantee = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCE_RIGHTS} ON SEQUENCES TO {grantee}",
        ):
            cursor.execute(statement)
    return role


def role_powers(cursor, *, tables) -> tuple[bool, list[str]]:
    """Whether the connected role is a superuser, and which of `tables` it owns (itself or
    through a role it belongs to): either way it could drop or disable their triggers."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = cursor.fetchone()[0]
    cursor.execute("SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                   "AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s) AND pg_has_role(c.relowner, 'MEMBER') "
                   "ORDER BY c.relname", [list(tables)])
    return superuser, [name for (name,) in cursor.fetchall()]
