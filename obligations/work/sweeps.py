"""The periodic sweeps. Each works on all obligations in bulk, is safe to run twice or
concurrently, and catches up after downtime. Callable from tests, the `sweep` command
and the Celery task alike."""

import io
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Q, Value, When

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
    """The slots of `ob` that open in [since, until), of periods it lived in, due after it starts."""
    if ob.kind == Obligation.Kind.ONE_TIME:
        return _one_time_slots(ob, since)
    return [slot for slot in _calendar_slots(ob, since, until, calendar) if slot.opens_at < until]


def _one_time_slots(ob: Obligation, since: datetime | None) -> list[Slot]:
    if since is not None and since > ob.starts_at:
        return []
    due = ob.starts_at + timedelta(days=ob.one_time_days)
    period = Period(ob.starts_at, due, ob.starts_at.astimezone(ob.platform.tz).date())
    return [Slot(period, 1, ob.starts_at, due)]


def _calendar_slots(ob: Obligation, since: datetime | None, until: datetime, calendar):
    """The slots of a calendar obligation opening at or after `since`, lazily, in the order
    they open (periods in order, each period's slots in order), up to the periods overlapping
    [since, until); the caller stops early or filters on `until`."""
    start = max(since or ob.starts_at, ob.starts_at)
    is_workday = calendar.is_workday if ob.workdays_only else None
    for slot in slots_between(PeriodKind(ob.period), ob.count, start, until, ob.platform.tz, **ob.placement,
                              is_workday=is_workday, anchor_year=ob.anchor_year):
        # A report due after its period (due_days_after_period) is not owed for the period
        # that ended as the obligation started.
        if (slot.due_at > ob.starts_at and slot.period.end > ob.starts_at
                and (since is None or slot.opens_at >= since)):
            yield slot


# How far past the limit the sweep looks for an obligation's next slot. Its
# materialized_until moves on to that slot's opening (nothing opens in between, so nothing
# is owed before it): the obligation is written once per slot, not once per hourly sweep.
# An obligation with nothing opening that soon (a one-time duty raised already) is written
# once per this span.
NEXT_SLOT_SPAN = timedelta(days=92)


def slots_and_next(ob: Obligation, since: datetime | None, limit: datetime, calendar
                   ) -> tuple[list[Slot], datetime]:
    """The slots of `ob` opening in [since, limit), and how far that covers: the opening
    of its next slot at or after `limit` (or limit + NEXT_SLOT_SPAN, if none opens before).
    No slot opens between `limit` and that instant, so it is the obligation's new
    materialized_until."""
    far = limit + NEXT_SLOT_SPAN
    if ob.kind == Obligation.Kind.ONE_TIME:
        # Raised once, whatever the horizon; then nothing more, ever.
        return _one_time_slots(ob, since), max(far, ob.starts_at + timedelta(microseconds=1))
    slots = []
    for slot in _calendar_slots(ob, since, far, calendar):
        if slot.opens_at >= limit:
            return slots, min(slot.opens_at, far)
        slots.append(slot)
    return slots, far


def _provisional(ob: Obligation, slot: Slot, calendar: WorkCalendar) -> bool:
    return ob.workdays_only and slot_is_provisional(slot, ob.platform.tz, calendar)


def _copy_text(value) -> str:
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# The datetime columns of a row: a batch repeats the same few hundred instants (period
# bounds, due times, the creation time), so each distinct one is converted once.
_DATETIME_COLUMNS = tuple(INSERT_COLUMNS.index(column) for column in (
    "period_start", "period_end", "opens_at", "due_at", "close_at", "created_at"))
# 13 columns × 2,000 rows stays under SQLite's limit of bound parameters (32,766).
SQLITE_ROWS_PER_STATEMENT = 2000


def _datetimes_once(rows: list[tuple], convert) -> list[list]:
    """The rows as lists, their datetimes replaced by `convert(value)`, computed once per
    distinct value of the batch."""
    memo, out = {}, []
    for row in rows:
        row = list(row)
        for i in _DATETIME_COLUMNS:
            value = row[i]
            text = memo.get(value)
            if text is None:
                text = memo[value] = convert(value)
            row[i] = text
        out.append(row)
    return out


def insert_occurrences(rows: list[tuple]) -> int:
    """Insert a batch, ignoring rows that exist already; returns the rows really inserted.

    On PostgreSQL the batch is COPYed into a temporary table and moved over with one
    INSERT … SELECT … ON CONFLICT DO NOTHING: about twice as fast as a VALUES list,
    which the server must parse value by value. On SQLite, VALUES lists of 2,000 rows:
    faster than executemany, a temporary table or a CTE fed by JSON
    (bench/materialize_sqlite.py measures them). On both, each distinct datetime of the
    batch is converted once, not once per row and column: Django's
    adapt_datetimefield_value was half of SQLite's materializing.
    """
    if not rows:
        return 0
    return _insert_adapted(_datetimes_once(rows, _adapter()))


def _adapter():
    """How this database takes a datetime: COPY text on PostgreSQL, Django's on SQLite."""
    return _copy_text if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value


def _insert_adapted(rows) -> int:
    """insert_occurrences for rows whose datetimes are converted already."""
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
        # SQLite's own placeholder, on the driver's cursor: Django's would rewrite 26,000 "%s"
        # one by one, and with DEBUG on its query log would try to format the "?" statement.
        placeholders = "(" + ",".join(["?"] * len(INSERT_COLUMNS)) + ")"
        for i in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
            batch = rows[i : i + SQLITE_ROWS_PER_STATEMENT]
            raw = cursor.cursor
            raw.execute(f"INSERT INTO {table} ({columns}) VALUES {','.join([placeholders] * len(batch))} "  # nosec B608 - constant names
                        "ON CONFLICT DO NOTHING", [value for row in batch for value in row])
            inserted += raw.rowcount
    return inserted


def _materialize_limit(now: datetime, horizon: timedelta | None) -> datetime:
    horizon = horizon if horizon is not None else timedelta(days=settings.PLEDGE_HORIZON_DAYS)
    return _hour_floor(now) + horizon


def _due_obligations(limit: datetime):
    """Live calendar and one-time obligations not yet materialized up to `limit`."""
    return (Obligation.objects.filter(ends_at__isnull=True)
            .exclude(kind=Obligation.Kind.EVENT)
            .filter(Q(materialized_until__isnull=True) | Q(materialized_until__lt=limit)))


def _schedule_key(ob: Obligation, since: datetime | None, limit: datetime, calendar) -> tuple:
    """What an obligation's slots in [since, limit) and its next slot depend on. Obligations
    of the same schedule in the same zone share them: platforms signed from one template,
    and, once past their start, whenever they signed (a slot opening after `since` > start
    is due and ends after the start too, so the start filters nothing). The calendar counts
    only for working-day duties, which always get the sweep's one official calendar."""
    start_matters = ob.kind == Obligation.Kind.ONE_TIME or since is None or since <= ob.starts_at
    return (ob.kind, ob.period, ob.count, tuple(ob.times_of_day), ob.spread, ob.due_offset_minutes,
            ob.due_days_after_period, ob.platform.timezone, ob.workdays_only, ob.anchor_year, ob.one_time_days,
            ob.grace_minutes, ob.starts_at if start_matters else None, since, limit,
            id(calendar) if ob.workdays_only else None)


def _materialize_chunk(chunk: list[Obligation], *, limit: datetime, now: datetime, calendar,
                       schedules: dict | None = None) -> int:
    """Insert the slots of a chunk of obligations up to `limit` and move their
    bookkeeping on to their next slot, in one transaction. Safe twice and concurrently: the
    insert ignores rows that exist, and `materialized_until` never moves backwards.

    The slots of a schedule are computed, and their datetimes converted, once per sweep
    (`schedules`), not once per obligation: most obligations share their schedule."""
    schedules = {} if schedules is None else schedules
    adapt, instants = _adapter(), {}

    def adapted(value):
        text = instants.get(value)
        if text is None:
            text = instants[value] = adapt(value)
        return text

    rows, covered = [], {}
    created_at, state = adapted(now), Occurrence.State.OPEN
    for ob in chunk:
        key = _schedule_key(ob, ob.materialized_until, limit, calendar)
        known = schedules.get(key)
        if known is None:
            slots, until = slots_and_next(ob, ob.materialized_until, limit, calendar)
            grace = ob.grace
            known = schedules[key] = ([
                (adapted(slot.period.start), adapted(slot.period.end), slot.sequence, adapted(slot.opens_at),
                 adapted(slot.due_at), adapted(slot.due_at + grace), _provisional(ob, slot, calendar))
                for slot in slots], until)
        tails, covered[ob.pk] = known
        head = (ob.pk, ob.platform_id, ob.clause_id)
        rows.extend(head + tail + (state, "", created_at) for tail in tails)
    # One UPDATE for the chunk, each obligation to its own instant (most share a few).
    by_instant = {}
    for pk, until in covered.items():
        by_instant.setdefault(until, []).append(pk)
    new_until = Case(*(When(pk__in=pks, then=Value(until)) for until, pks in by_instant.items()),
                     output_field=DateTimeField())
    with transaction.atomic():
        created = _insert_adapted(rows) if rows else 0
        # Never move backwards: a slower concurrent sweep may hold an older limit.
        Obligation.objects.filter(pk__in=list(covered)).filter(
            Q(materialized_until__isnull=True) | Q(materialized_until__lt=new_until)
        ).update(materialized_until=new_until)
    return created


def unraised_slots(platform, *, after: datetime, until: datetime) -> list[tuple[Obligation, Slot]]:
    """What the schedule still owes the days (after, until]: the slots due then of the
    platform's live obligations that no sweep has raised yet, because they open past the
    obligation's `materialized_until` (the sweep raises 14 days ahead). Exactly what the
    materialize sweep will insert, computed as it computes it. One query, two more for the
    official calendar when such an obligation counts working days."""
    limit = until + timedelta(microseconds=1)
    obligations = list(_due_obligations(limit).filter(platform=platform).select_related("clause"))
    if not obligations:
        return []
    calendar = _calendar_for(obligations, None)[0]
    out = []
    for ob in obligations:
        ob.platform = platform  # the zone of its periods, without a join
        out.extend((ob, slot) for slot in obligation_slots(ob, ob.materialized_until, limit, calendar)
                   if after < slot.due_at <= until)
    return out


def _calendar_for(chunk, calendar):
    """The calendar a chunk needs: the official one (loaded once per sweep) as soon as
    an obligation counts working days, else a plain one."""
    if calendar is not None and (calendar[1] or not any(ob.workdays_only for ob in chunk)):
        return calendar
    if any(ob.workdays_only for ob in chunk):
        from ..schedule.official_calendar import work_calendar

        return work_calendar(), True
    return WorkCalendar(), False


def obligations_materialize(*, now: datetime, horizon: timedelta | None = None, batch: int | None = None,
                            platform=None) -> int:
    """Create every occurrence whose window opens before now + horizon (of one platform's
    obligations, when given: right after signing). Returns rows created. In one process,
    batch after batch; `materialize_batches` + `materialize_range` split the same work
    into key ranges that Celery workers share.

    The limit is rounded down to the hour, so the sweeps of the same hour find nothing
    to do after the first; `materialized_until` records how far each obligation got.
    """
    batch = batch or settings.PLEDGE_SWEEP_BATCH
    limit = _materialize_limit(now, horizon)
    due = _due_obligations(limit).select_related("platform").order_by("pk")
    if platform is not None:
        due = due.filter(platform=platform)
    calendar, created, last_pk, schedules = None, 0, 0, {}
    while True:
        chunk = list(due.filter(pk__gt=last_pk)[:batch])
        if not chunk:
            return created
        calendar = _calendar_for(chunk, calendar)
        created += _materialize_chunk(chunk, limit=limit, now=now, calendar=calendar[0], schedules=schedules)
        last_pk = chunk[-1].pk


def materialize_batches(*, now: datetime, horizon: timedelta | None = None, batch: int | None = None
                        ) -> list[tuple[int, int]]:
    """The fan-out: key ranges (lo, hi), inclusive, of the obligations still to
    materialize, `batch` (PLEDGE_SWEEP_BATCH) obligations each, in one query. Each range
    becomes its own task (`materialize_range`), so several workers share a large sweep."""
    batch = batch or settings.PLEDGE_SWEEP_BATCH
    ids_sql, params = _due_obligations(_materialize_limit(now, horizon)).order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id) FROM (SELECT due.id, (ROW_NUMBER() OVER (ORDER BY due.id) - 1) / %s AS b "  # nosec B608 - table and column names from the model, values as parameters
            f"FROM ({ids_sql}) due) numbered GROUP BY b ORDER BY 1",
            [batch, *params],
        )
        return [(lo, hi) for lo, hi in cursor.fetchall()]


def materialize_range(*, lo: int, hi: int, now: datetime, horizon: timedelta | None = None) -> int:
    """Materialize the due obligations whose key lies in [lo, hi]: one batch of the
    fanned sweep. Idempotent and safe concurrently, like the whole sweep."""
    limit = _materialize_limit(now, horizon)
    chunk = list(_due_obligations(limit).filter(pk__gte=lo, pk__lte=hi).select_related("platform").order_by("pk"))
    if not chunk:
        return 0
    return _materialize_chunk(chunk, limit=limit, now=now, calendar=_calendar_for(chunk, None)[0])


def occurrences_close_out(*, now: datetime, batch: int = 5000) -> int:
    """Open occurrences past due plus grace become missed. Returns how many."""
    missed = 0
    while True:
        with transaction.atomic():
            # Rows another sweep holds are skipped: it is marking them already.
            # In close_at order, which occurrence_open_close_idx holds: ordered by due time (the
            # model's default) the planner walked every task still to do instead (1.4 s at 12 M tasks).
            ids = list(Occurrence.objects.select_for_update(skip_locked=True)
                       .filter(state=Occurrence.State.OPEN, close_at__lte=now).order_by("close_at", "id")
                       .values_list("id", flat=True)[:batch])
            if not ids:
                return missed
            count = Occurrence.objects.filter(id__in=ids, state=Occurrence.State.OPEN).update(
                state=Occurrence.State.MISSED, state_changed_at=now, missed_at=now)
            audit_record(at=now, action="sweep.close_out",
                         data={"missed": count, "occurrences": ids})
            missed += count
