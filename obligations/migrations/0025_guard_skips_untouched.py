"""A task's state guard (migration 0014) runs only when a column it guards changes. Marking
tasks told (alerts/told.py) rewrites only `told`, thousands of rows after an outage, and the
guard's PL/pgSQL took about half of that UPDATE's time. Its trigger's WHEN clause now compares
exactly the columns the guard reads (OCCURRENCE_GUARDED): a change of no such column is one
the guard allows anyway, so nothing it refused passes now. SQLite's triggers are WHEN clauses
already and stay as they were."""

import importlib

from django.db import migrations

states = importlib.import_module("obligations.migrations.0014_state_guards")

OCCURRENCE_GUARDED = ("id", "state", *states.OCCURRENCE_FIXED, *states.OCCURRENCE_SCHEDULE, *states.OCCURRENCE_OUTCOME)
TABLE = states.TABLES["occurrence"]


def _trigger(when: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS pledge_occurrence_update ON {TABLE}",
            f"CREATE TRIGGER pledge_occurrence_update BEFORE UPDATE ON {TABLE} FOR EACH ROW "
            f"WHEN ({when}) EXECUTE FUNCTION pledge_occurrence_guard()"]


def guarded_changed() -> str:
    """The trigger's condition: a guarded column differs between OLD and NEW."""
    row = lambda record: "ROW(" + ", ".join(f"{record}.{c}" for c in OCCURRENCE_GUARDED) + ")"  # noqa: E731
    return f"{row('OLD')} IS DISTINCT FROM {row('NEW')}"


def install(connection):
    """0014's guards, the task's update trigger narrowed (PostgreSQL)."""
    states.install(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in _trigger(guarded_changed()):
                cursor.execute(sql)


def uninstall(connection):
    states.uninstall(connection)


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for sql in _trigger(guarded_changed()):
                cursor.execute(sql)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for sql in _trigger("OLD.* IS DISTINCT FROM NEW.*"):
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("obligations", "0024_case_assigned_notice")]
    operations = [migrations.RunPython(up, down)]
