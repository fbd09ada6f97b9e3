"""Records that cannot change unseen: the database allows only the changes Pledge makes
to tasks (occurrences), cases, reviews and review signatures, whatever path the change
takes (ORM, raw SQL, the admin, a shell).

- A task is created open; only an open task is deleted (an amendment drops the ones not
  yet opened). Its identity and opening never change; its schedule (due, close,
  provisional) only while it stays open (a calendar loaded later moves it). Its state
  moves only as the services move it:
  open → missed (with missed_at, past close_at: the close-out sweep);
  open/missed → done/done_late (with a live completion: occurrence_complete);
  done/done_late → open/missed (its completion reopened: occurrence_reopen);
  open/missed → waived (with a reason and a waiver audit record written first:
  occurrence_waive, or `occurrences.waive` naming it at adoption). Waived is final.
- A case is created open; while open only its assignee may change, or it closes (with
  closed_at); a closed case never changes; no case is deleted.
- A review is created open, without snapshot or seal; it may gain its 四.1 task while
  open, and closes once with its snapshot, seal and closing time; a closed review never
  changes; no review is deleted.
- A signature is given while its review is open; it is never deleted and only voided,
  once.
TRUNCATE of the four tables is refused (PostgreSQL; SQLite has none: its DELETE triggers
cover `DELETE FROM table`).

The rules are one boolean SQL expression per table, written for both vendors (PL/pgSQL
on PostgreSQL, WHEN clauses on SQLite). A database superuser or the tables' owner can
still disable them: verify_audit then finds the change against the audit trail
(trust/trail_states.py). `install` and `uninstall` take a connection, like 0008's.

Before this migration, adoption waived a letter's past periods in bulk with a count on
record (`letter.adopt`), not the tasks: `record_past_waivers` names them now, in one
`occurrences.waive` record per platform (data `baseline: 0014`), so that their state
follows from the trail. Only tasks waived with adoption's reason, on a platform whose
adoption waived that many; anything else is left for verification to name.
"""

import hashlib
import hmac
import importlib

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

# Adoption's reason, as it was written (in the signer's language).
PAST_REASONS = ("签订日期之前的周期,按签署时的选择不计入考核。",
                "A period before the date signed: as chosen at signing, it does not count.")

OCCURRENCE_FIXED = ("obligation_id", "platform_id", "clause_id", "case_id", "period_start", "period_end",
                    "sequence", "opens_at", "created_at")
OCCURRENCE_SCHEDULE = ("due_at", "close_at", "provisional")
OCCURRENCE_OUTCOME = ("state_changed_at", "missed_at", "waived_reason", "completed_at", "completed_by_id")
CASE_FIXED = ("platform_id", "kind", "number", "channel", "reporter_name", "reporter_contact", "description",
              "severity", "received_at", "created_by_id", "public_ref", "submission_key", "consent_at", "created_at")
REVIEW_FIXED = ("platform_id", "year", "quarter", "period_start", "period_end", "opened_at")
SIGNATURE_FIXED = ("review_id", "user_id", "decision", "reason", "at")
TABLES = {"occurrence": "obligations_occurrence", "case": "obligations_case", "review": "obligations_review",
          "signature": "obligations_reviewsignature"}


def _same(columns, vendor) -> str:
    op = "IS NOT DISTINCT FROM" if vendor == "postgresql" else "IS"
    return "(" + " AND ".join(f"NEW.{c} {op} OLD.{c}" for c in columns) + ")"


def _waiver_record(vendor) -> str:
    """The task's own `occurrence.waive` record, or an `occurrences.waive` record naming it."""
    if vendor == "postgresql":
        own, listed = "NEW.id::text", "a.data -> 'occurrences' @> to_jsonb(NEW.id)"
        source = "obligations_auditevent a"
    else:
        own, listed = "CAST(NEW.id AS TEXT)", "j.value = NEW.id"
        source = "obligations_auditevent a, json_each(a.data, '$.occurrences') j"
    return (f"(EXISTS (SELECT 1 FROM obligations_auditevent a WHERE a.object_type = 'Occurrence' "  # nosec B608 - SQL of this module's constants
            f"AND a.object_id = {own} AND a.action = 'occurrence.waive') "
            f"OR EXISTS (SELECT 1 FROM {source} WHERE a.action = 'occurrences.waive' "
            f"AND a.platform_id = NEW.platform_id AND {listed}))")


def allowed_update(table, vendor) -> str:
    """The changes of a row of `table` Pledge makes, as one SQL condition on OLD and NEW."""
    same = lambda *columns: _same(columns, vendor)  # noqa: E731 - a local shorthand
    if table == "occurrence":
        live = ("EXISTS (SELECT 1 FROM obligations_completion c WHERE c.occurrence_id = NEW.id "
                "AND c.reopened_at IS NULL)")
        return f"""{same(*OCCURRENCE_FIXED)} AND (
          (OLD.state = 'open' AND NEW.state = 'open' AND {same(*OCCURRENCE_OUTCOME)})
          OR ({same(*OCCURRENCE_SCHEDULE)} AND (
            (NEW.state = OLD.state AND {same(*OCCURRENCE_OUTCOME)})
            OR (OLD.state = 'open' AND NEW.state = 'missed' AND NEW.missed_at IS NOT NULL
                AND NEW.close_at <= NEW.missed_at AND {same('waived_reason', 'completed_at', 'completed_by_id')})
            OR (OLD.state IN ('open', 'missed') AND NEW.state IN ('done', 'done_late')
                AND NEW.completed_at IS NOT NULL AND NEW.completed_by_id IS NOT NULL
                AND {same('missed_at', 'waived_reason')} AND {live})
            OR (OLD.state IN ('done', 'done_late') AND NEW.state IN ('open', 'missed')
                AND NEW.completed_at IS NULL AND NEW.completed_by_id IS NULL
                AND {same('missed_at', 'waived_reason')} AND NOT {live})
            OR (OLD.state IN ('open', 'missed') AND NEW.state = 'waived' AND NEW.waived_reason <> ''
                AND {same('missed_at', 'completed_at', 'completed_by_id')} AND {_waiver_record(vendor)})
          )))"""
    if table == "case":
        return f"""{same(*CASE_FIXED)} AND (
          (OLD.state = 'open' AND NEW.state = 'open' AND NEW.closed_at IS NULL AND {same('close_note')})
          OR (OLD.state = 'open' AND NEW.state = 'closed' AND NEW.closed_at IS NOT NULL)
          OR (OLD.state = 'closed' AND NEW.state = 'closed' AND {same('assignee_id', 'closed_at', 'close_note')}))"""
    if table == "review":
        return f"""{same(*REVIEW_FIXED)} AND (
          (OLD.state = 'open' AND NEW.state = 'open' AND NEW.snapshot IS NULL AND NEW.seal = ''
           AND NEW.closed_at IS NULL)
          OR (OLD.state = 'open' AND NEW.state = 'closed' AND NEW.snapshot IS NOT NULL AND NEW.seal <> ''
              AND NEW.closed_at IS NOT NULL)
          OR (OLD.state = 'closed' AND NEW.state = 'closed' AND {same('task_id', 'closed_at', 'snapshot', 'seal')}))"""
    return f"""{same(*SIGNATURE_FIXED)} AND ({same('voided_at')} OR (OLD.voided_at IS NULL
          AND NEW.voided_at IS NOT NULL AND {_review_open('NEW')}))"""


def _review_open(row) -> str:
    return f"EXISTS (SELECT 1 FROM obligations_review r WHERE r.id = {row}.review_id AND r.state = 'open')"  # nosec B608 - SQL of this module's constants


# Rows refused at INSERT and DELETE: simple conditions (WHEN clauses, cheap for the
# materialize sweep's bulk inserts), except a signature's, which reads its review.
REFUSED_INSERT = {
    "occurrence": ("NEW.state <> 'open' OR NEW.completed_at IS NOT NULL OR NEW.completed_by_id IS NOT NULL "
                   "OR NEW.missed_at IS NOT NULL OR NEW.waived_reason <> ''", "a task is created open"),
    "case": ("NEW.state <> 'open' OR NEW.closed_at IS NOT NULL", "a case is opened, not created closed"),
    "review": ("NEW.state <> 'open' OR NEW.snapshot IS NOT NULL OR NEW.seal <> '' OR NEW.closed_at IS NOT NULL",
               "a review is opened, not created closed"),
}
REFUSED_DELETE = {
    "occurrence": ("OLD.state <> 'open' OR OLD.completed_at IS NOT NULL", "only an open task is deleted"),
    "case": ("TRUE", "cases are permanent"),
    "review": ("TRUE", "reviews are permanent"),
    "signature": ("TRUE", "signatures are permanent"),
}
MESSAGE = "is not a change Pledge makes: refused"


def _pg_up() -> list[str]:
    statements = ["""CREATE OR REPLACE FUNCTION pledge_refuse() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% on %: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql"""]
    for name, table in TABLES.items():
        shown = "OLD.voided_at, NEW.voided_at" if name == "signature" else "OLD.state, NEW.state"
        insert = "" if name in REFUSED_INSERT else f"""
  IF TG_OP = 'INSERT' THEN
    IF NOT {_review_open('NEW')} THEN
      RAISE EXCEPTION 'signature of review %: the review is closed, {MESSAGE}', NEW.review_id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
  END IF;"""
        statements.append(f"""CREATE OR REPLACE FUNCTION pledge_{name}_guard() RETURNS trigger AS $$
BEGIN{insert}
  IF NOT ({allowed_update(name, "postgresql")}) THEN
    RAISE EXCEPTION '% #% (% -> %) {MESSAGE}', TG_TABLE_NAME, OLD.id, {shown}
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""")
        statements.append(f"CREATE TRIGGER pledge_{name}_update BEFORE UPDATE ON {table} FOR EACH ROW "
                          f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION pledge_{name}_guard()")
        if name in REFUSED_INSERT:
            condition, why = REFUSED_INSERT[name]
            statements.append(f"CREATE TRIGGER pledge_{name}_insert BEFORE INSERT ON {table} FOR EACH ROW "
                              f"WHEN ({condition}) EXECUTE FUNCTION pledge_refuse('{why}: {MESSAGE}')")
        else:
            statements.append(f"CREATE TRIGGER pledge_{name}_insert BEFORE INSERT ON {table} FOR EACH ROW "
                              f"EXECUTE FUNCTION pledge_{name}_guard()")
        condition, why = REFUSED_DELETE[name]
        statements.append(f"CREATE TRIGGER pledge_{name}_delete BEFORE DELETE ON {table} FOR EACH ROW "
                          f"WHEN ({condition}) EXECUTE FUNCTION pledge_refuse('{why}: {MESSAGE}')")
        statements.append(f"CREATE TRIGGER pledge_{name}_truncate BEFORE TRUNCATE ON {table} "
                          "FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse('these records are permanent')")
    return statements


def _pg_down() -> list[str]:
    statements = []
    for name, table in TABLES.items():
        statements += [f"DROP TRIGGER IF EXISTS pledge_{name}_{event} ON {table}"
                       for event in ("update", "insert", "delete", "truncate")]
        statements.append(f"DROP FUNCTION IF EXISTS pledge_{name}_guard()")
    return statements + ["DROP FUNCTION IF EXISTS pledge_refuse()"]


def _sqlite_up() -> list[str]:
    statements = []
    for name, table in TABLES.items():
        condition = allowed_update(name, "sqlite")
        statements.append(f"CREATE TRIGGER pledge_{name}_update BEFORE UPDATE ON {table} WHEN NOT ({condition}) "
                          f"BEGIN SELECT RAISE(ABORT, '{table}: update {MESSAGE}'); END")
        condition, why = REFUSED_INSERT.get(name, (f"NOT {_review_open('NEW')}", "the review is closed"))
        statements.append(f"CREATE TRIGGER pledge_{name}_insert BEFORE INSERT ON {table} WHEN {condition} "
                          f"BEGIN SELECT RAISE(ABORT, '{table}: {why}: {MESSAGE}'); END")
        condition, why = REFUSED_DELETE[name]
        statements.append(f"CREATE TRIGGER pledge_{name}_delete BEFORE DELETE ON {table} WHEN {condition} "
                          f"BEGIN SELECT RAISE(ABORT, '{table}: {why}: {MESSAGE}'); END")
    return statements


def _sqlite_down() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS pledge_{name}_{event}" for name in TABLES for event in ("update", "insert",
                                                                                          "delete")]


def install(connection):
    statements = _pg_up() if connection.vendor == "postgresql" else _sqlite_up()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)  # no params: the SQL holds literal %


def uninstall(connection):
    statements = _pg_down() if connection.vendor == "postgresql" else _sqlite_down()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def up(apps, schema_editor):
    install(schema_editor.connection)


def record_past_waivers(apps, schema_editor):
    AuditEvent, Occurrence = apps.get_model("obligations", "AuditEvent"), apps.get_model("obligations", "Occurrence")
    payload = importlib.import_module("obligations.migrations.0008_append_only")._payload  # frozen, like the chain's
    waived, letters = {}, {}
    for event in AuditEvent.objects.filter(action="letter.adopt").order_by("id"):
        if (event.data or {}).get("waived"):
            waived[event.platform_id] = waived.get(event.platform_id, 0) + event.data["waived"]
            letters[event.platform_id] = event.object_id
    for platform_id, count in waived.items():
        ids = list(Occurrence.objects.filter(platform_id=platform_id, state="waived", waived_reason__in=PAST_REASONS)
                   .order_by("id").values_list("id", flat=True))
        if len(ids) != count:
            continue  # not what adoption left: verification names them
        last = AuditEvent.objects.order_by("-id").first()
        event = AuditEvent(at=timezone.now(), platform_id=platform_id, action="occurrences.waive",
                           object_type="Letter", object_id=letters[platform_id],
                           data={"occurrences": ids, "reason": PAST_REASONS[0], "baseline": "0014"},
                           prev_hash=last.hash if last else "0" * 64)
        event.hash = hmac.new(settings.PLEDGE_AUDIT_KEY.encode(), payload(event.prev_hash, event),
                              hashlib.sha256).hexdigest()
        event.save()


def down(apps, schema_editor):
    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("obligations", "0013_due_days_after_period")]
    operations = [
        # The waiver guard and verify_audit look records up by their object.
        migrations.AddIndex(model_name="auditevent",
                            index=models.Index(fields=["object_type", "object_id"], name="audit_object_idx")),
        migrations.RunPython(record_past_waivers, migrations.RunPython.noop),
        migrations.RunPython(up, down),
    ]
