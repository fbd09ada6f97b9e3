"""Writing to the outbox: every message is a row, once per reason (the unique constraints of
models.Notification), and a writer counts only the rows it really wrote, so planning twice,
or two sweeps at once, add nothing and say so."""

from django.db import connection

from ..models import Notification

INSERT_COLUMNS = ("recipient_id", "kind", "occurrence_id", "case_id", "digest_date", "subject", "body", "created_at",
                  "claimed_at", "attempts", "sent_at", "repeat", "cancelled_at", "read_at", "evidence_id")


def insert_notifications(rows: list[Notification]) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (id, recipient, subject) of the rows
    really written; a row that exists already (planned by an earlier or a concurrent
    sweep) is not counted."""
    if not rows:
        return []
    table, columns = Notification._meta.db_table, ", ".join(INSERT_COLUMNS)
    ops = connection.ops
    written = []
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 500):
            batch = rows[i : i + 500]
            params = []
            for n in batch:
                params += [n.recipient_id, n.kind, n.occurrence_id, n.case_id, ops.adapt_datefield_value(n.digest_date),
                           n.subject, n.body, ops.adapt_datetimefield_value(n.created_at),
                           ops.adapt_datetimefield_value(n.claimed_at), n.attempts,
                           ops.adapt_datetimefield_value(n.sent_at), n.repeat,
                           ops.adapt_datetimefield_value(n.cancelled_at), ops.adapt_datetimefield_value(n.read_at),
                           n.evidence_id]
            values = ", ".join(["(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING "  # nosec B608 - table and column names from the model, values as parameters
                           "RETURNING id, recipient_id, subject", params)
            written += cursor.fetchall()
    return written
