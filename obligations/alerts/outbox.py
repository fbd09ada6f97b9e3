"""Writing to the outbox: every message is a row, once per reason (the unique constraints of
models.Notification), and a writer counts only the rows it really wrote, so planning twice,
or two sweeps at once, add nothing and say so.

Rows worded in Python reach the database as one JSON parameter read as a table
(`json_rows`: PostgreSQL's json_to_recordset, SQLite's json_each), so any number of them is
one INSERT … SELECT, not a VALUES list per few hundred rows.
"""

import json

from django.db import connection

from ..models import Notification

INSERT_COLUMNS = ("recipient_id", "kind", "occurrence_id", "case_id", "digest_date", "subject", "body", "created_at",
                  "claimed_at", "attempts", "sent_at", "repeat", "cancelled_at", "read_at", "evidence_id")
# The PostgreSQL type of each column a JSON row may carry.
TYPES = {"recipient_id": "integer", "kind": "text", "occurrence_id": "bigint", "case_id": "bigint",
         "evidence_id": "bigint",
         "digest_date": "date", "subject": "text", "body": "text", "created_at": "timestamptz",
         "claimed_at": "timestamptz", "attempts": "integer", "sent_at": "timestamptz", "repeat": "boolean",
         "cancelled_at": "timestamptz", "read_at": "timestamptz", "id": "bigint", "language": "text",
         "template": "text", "beijing": "text", "summary": "jsonb"}


def _json_value(value):
    if hasattr(value, "isoformat"):  # a date or an aware datetime
        if connection.vendor == "sqlite":  # as Django stores them there: text it compares as text
            adapt = connection.ops.adapt_datetimefield_value if hasattr(value, "hour") else \
                connection.ops.adapt_datefield_value
            return adapt(value)
        return value.isoformat()
    return value


def json_rows(rows: list[dict], columns) -> tuple[str, list]:
    """A FROM item (alias r) that reads `rows` (dicts of `columns`) from one parameter."""
    data = json.dumps([{c: _json_value(row.get(c)) for c in columns} for row in rows], ensure_ascii=False)
    if connection.vendor == "postgresql":
        spec = ", ".join(f"{c} {TYPES[c]}" for c in columns)
        return f"json_to_recordset(%s::json) AS r({spec})", [data]
    picks = ", ".join(f"json_extract(value, '$.{c}') AS {c}" for c in columns)
    return f"(SELECT {picks} FROM json_each(%s)) r", [data]  # nosec B608 - column names from the code


def placeholders(values) -> str:
    """"%s, %s, …": one parameter per value, for an IN (…) of a raw statement."""
    return ", ".join(["%s"] * len(values))


def insert_notifications(rows: list[Notification]) -> list[tuple]:
    """One INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING: the (id, recipient, subject) of
    the rows really written; a row that exists already (planned by an earlier or a concurrent
    sweep) is not counted."""
    if not rows:
        return []
    table, columns = Notification._meta.db_table, ", ".join(INSERT_COLUMNS)
    source, params = json_rows([{c: getattr(n, c) for c in INSERT_COLUMNS} for n in rows], INSERT_COLUMNS)
    picks = ", ".join(f"r.{c}" for c in INSERT_COLUMNS)
    with connection.cursor() as cursor:
        # WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join's ON.
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {picks} FROM {source} WHERE true "  # nosec B608 - table and column names from the model, values as parameters
                       "ON CONFLICT DO NOTHING RETURNING id, recipient_id, subject", params)
        return cursor.fetchall()
