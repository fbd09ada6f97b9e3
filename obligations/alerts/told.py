"""Which messages about a task were planned: a bit per kind on the task (Occurrence.told),
set in the same transaction that writes the message, or the catch-up that counts it. The
candidates (candidates.py) are the tasks whose bit is unset, so a message is planned once
without a row per task and kind to look for, and a late one needs no row of its own at all.

`claim` takes the bits as healthchecks' sendalerts claims a check: it locks the tasks (in id
order, as every writer of tasks does, so two planners never wait on each other in a circle),
drops what another planner told meanwhile and what is no longer to do (read after the lock,
by a new statement, so it sees that planner's commit, or the completion), and sets the rest. What is left in its table is this planner's
alone to tell."""

from django.db import connection

from ..models import Notification, Occurrence

K = Notification.Kind
BITS = {K.OPENED: 1, K.DUE_SOON: 2, K.ESCALATE_OFFICER: 4, K.ESCALATE_GROUP: 8}
ESCALATED = BITS[K.ESCALATE_OFFICER] | BITS[K.ESCALATE_GROUP]  # 12: a task told < 12 lacks one of them
REMINDED = BITS[K.OPENED] | BITS[K.DUE_SOON]
# The values of a task that lacks a reminder's bit: the predicate of occurrence_unreminded_idx.
UNREMINDED = [told for told in range(1 << len(BITS)) if told & REMINDED != REMINDED]
TOLD = "pledge_told"  # the temporary table of one claim: (kind, occurrence_id, bit)


def untold(kind) -> list[int]:
    """The values of `told` of a task not told of `kind`."""
    return [told for told in range(1 << len(BITS)) if not told & BITS[kind]]


def bit_sql(column: str) -> tuple[str, list]:
    """The bit of the kind in `column`, as SQL."""
    whens = " ".join("WHEN %s THEN %s" for _kind in BITS)
    return f"CASE {column} {whens} END", [v for kind, bit in BITS.items() for v in (str(kind), bit)]


def claim(cursor, source: str, params: list) -> int:
    """Fill TOLD with the (kind, occurrence_id) that `source` selects, keep those nobody told
    yet and mark them told; inside the caller's transaction. Returns how many are kept."""
    table = Occurrence._meta.db_table
    bit, bit_params = bit_sql("s.kind")
    # Names from the model and this module, values as parameters.
    cursor.execute(f"CREATE TEMP TABLE {TOLD} (kind varchar(24), occurrence_id bigint, bit integer)")
    cursor.execute(f"INSERT INTO {TOLD} (kind, occurrence_id, bit) SELECT s.kind, s.occurrence_id, {bit} "  # nosec B608 - names from the model and this module
                   f"FROM ({source}) s", [*bit_params, *params])
    if not cursor.rowcount:
        return 0
    analyze(cursor, TOLD)
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT o.id FROM {table} o WHERE o.id IN (SELECT occurrence_id FROM {TOLD}) "  # nosec B608 - names from the model and this module
                       "ORDER BY o.id FOR UPDATE OF o")
    # Told meanwhile, or no longer to do (done or waived since the candidates were read).
    cursor.execute(f"DELETE FROM {TOLD} WHERE EXISTS (SELECT 1 FROM {table} o "  # nosec B608 - names from the model and this module
                   f"WHERE o.id = {TOLD}.occurrence_id AND ((o.told & {TOLD}.bit) <> 0 OR o.state NOT IN (%s, %s)))",
                   list(Occurrence.TODO_STATES))
    # sum(DISTINCT) of distinct powers of two is their bitwise or, on PostgreSQL and SQLite alike.
    cursor.execute(f"UPDATE {table} SET told = told | t.bits FROM (SELECT occurrence_id, sum(DISTINCT bit) AS bits "  # nosec B608 - names from the model and this module
                   f"FROM {TOLD} GROUP BY occurrence_id) t WHERE {table}.id = t.occurrence_id")
    cursor.execute(f"SELECT count(*) FROM {TOLD}")  # nosec B608 - names from the model and this module
    return cursor.fetchone()[0]


def analyze(cursor, table: str) -> None:
    """Statistics of a temporary table just filled (autovacuum never sees one), so the joins
    on it are planned for its real size (PostgreSQL)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def drop(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TOLD}")
