"""The periodic sweeps. Each works on all obligations in bulk, is safe to run twice or
concurrently, and catches up after downtime. Callable from tests, the `sweep` command
and the Celery task alike."""

import io
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from ..models import Obligation, Occurrence
from ..schedule.periods import Period, PeriodKind, Slot, slots_between
from ..schedule.workdays import WorkCalendar, slot_is_provisional
from ..trust.audit import audit_record

INSERT_COLUMNS = (
    "obligation_id", "platform_id", "clause_id", "period_start", "period_end", "sequence",
    "opens_at", "due_at", "close_at", "provisional", "state", "waived_reason", "created_at",
)


def _hour_floor(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def obligation_slots(ob: Obligation, since: datetime | None, until: datetime, calendar) -> list[Slot]:
    """The slots of `ob` that open in [since, until) and are due after it starts."""
    tz = ob.platform.tz
    if ob.kind == Obligation.Kind.ONE_TIME:
        if since is not None and since > ob.starts_at:
            return []
        due = ob.starts_at + timedelta(days=ob.one_time_days)
        period = Period(ob.starts_at, due, ob.starts_at.astimezone(tz).date())
        return [Slot(period, 1, ob.starts_at, due)]
    start = max(since or ob.starts_at, ob.starts_at)
    is_workday = calendar.is_workday if ob.workdays_only else None
    return [
        slot
        for slot in slots_between(
            PeriodKind(ob.period), ob.count, start, until, tz,
            times_of_day=ob.parsed_times_of_day or None, spread=ob.spread, due_offset=ob.due_offset,
            is_workday=is_workday, anchor_year=ob.anchor_year,
        )
        if slot.due_at > ob.starts_at and (since is None or slot.opens_at >= since) and slot.opens_at < until
    ]


def _provisional(ob: Obligation, slot: Slot, calendar: WorkCalendar) -> bool:
    return ob.workdays_only and slot_is_provisional(slot, ob.platform.tz, calendar)


def _copy_text(value) -> str:
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def insert_occurrences(rows: list[tuple]) -> int:
    """Insert a batch, ignoring rows that exist already; returns the rows really inserted.

    On PostgreSQL the batch is COPYed into a temporary table and moved over with one
    INSERT … SELECT … ON CONFLICT DO NOTHING: about twice as fast as a VALUES list,
    which the server must parse value by value. Elsewhere (SQLite) a VALUES list.
    """
    if not rows:
        return 0
    # The SQL below is built from the model's table name and the fixed INSERT_COLUMNS, never
    # from input; values go through COPY or placeholders. Hence the bandit B608 exemptions.
    table, columns = Occurrence._meta.db_table, ",".join(INSERT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS occurrence_batch ON COMMIT DELETE ROWS AS "  # nosec B608 - constant names
                           f"SELECT {columns} FROM {table} WITH NO DATA")
            text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
            cursor.cursor.copy_from(io.StringIO(text), "occurrence_batch", columns=INSERT_COLUMNS)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM occurrence_batch "  # nosec B608 - constant names
                           "ON CONFLICT DO NOTHING")
            inserted = cursor.rowcount
            cursor.execute("TRUNCATE occurrence_batch")  # the session may run more batches
            return inserted
        inserted = 0
        adapt = connection.ops.adapt_datetimefield_value
        placeholders = "(" + ",".join(["%s"] * len(INSERT_COLUMNS)) + ")"
        # 13 columns × 2,000 rows stays under SQLite's parameter limit.
        for i in range(0, len(rows), 2000):
            batch = rows[i : i + 2000]
            params = [adapt(v) if isinstance(v, datetime) else v for row in batch for v in row]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {','.join([placeholders] * len(batch))} "  # nosec B608 - constant names
                           "ON CONFLICT DO NOTHING", params)
            inserted += cursor.rowcount
    return inserted


def obligations_materialize(*, now: datetime, horizon: timedelta | None = None, batch: int | None = None,
                            platform=None) -> int:
    """Create every occurrence whose window opens before now + horizon (of one platform's
    obligations, when given: right after signing). Returns rows created.

    The limit is rounded down to the hour, so the sweeps of the same hour find nothing
    to do after the first; `materialized_until` records how far each obligation got.
    """
    horizon = horizon if horizon is not None else timedelta(days=settings.PLEDGE_HORIZON_DAYS)
    batch = batch or settings.PLEDGE_SWEEP_BATCH
    limit = _hour_floor(now) + horizon
    due = (Obligation.objects.filter(ends_at__isnull=True)
           .exclude(kind=Obligation.Kind.EVENT)
           .filter(Q(materialized_until__isnull=True) | Q(materialized_until__lt=limit))
           .select_related("platform").order_by("pk"))
    if platform is not None:
        due = due.filter(platform=platform)
    calendar, created, last_pk = None, 0, 0
    while True:
        chunk = list(due.filter(pk__gt=last_pk)[:batch])
        if not chunk:
            return created
        if calendar is None:
            from ..schedule.official_calendar import work_calendar

            calendar = work_calendar() if any(ob.workdays_only for ob in chunk) else WorkCalendar()
        rows = []
        for ob in chunk:
            grace = ob.grace
            for slot in obligation_slots(ob, ob.materialized_until, limit, calendar):
                rows.append((
                    ob.pk, ob.platform_id, ob.clause_id, slot.period.start, slot.period.end, slot.sequence,
                    slot.opens_at, slot.due_at, slot.due_at + grace, _provisional(ob, slot, calendar),
                    Occurrence.State.OPEN, "", now,
                ))
        with transaction.atomic():
            created += insert_occurrences(rows)
            # Never move backwards: a slower concurrent sweep may hold an older limit.
            Obligation.objects.filter(pk__in=[ob.pk for ob in chunk]).filter(
                Q(materialized_until__isnull=True) | Q(materialized_until__lt=limit)
            ).update(materialized_until=limit)
        last_pk = chunk[-1].pk


def occurrences_close_out(*, now: datetime, batch: int = 5000) -> int:
    """Open occurrences past due plus grace become missed. Returns how many."""
    missed = 0
    while True:
        with transaction.atomic():
            # Rows another sweep holds are skipped: it is marking them already.
            ids = list(Occurrence.objects.select_for_update(skip_locked=True)
                       .filter(state=Occurrence.State.OPEN, close_at__lte=now)
                       .values_list("id", flat=True)[:batch])
            if not ids:
                return missed
            count = Occurrence.objects.filter(id__in=ids, state=Occurrence.State.OPEN).update(
                state=Occurrence.State.MISSED, state_changed_at=now, missed_at=now)
            audit_record(at=now, action="sweep.close_out",
                         data={"missed": count, "occurrences": ids})
            missed += count
