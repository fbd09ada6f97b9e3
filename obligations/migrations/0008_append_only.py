"""Records no one can rewrite unseen.

1. Existing audit records are re-hashed with the keyed hash (HMAC-SHA256 under
   PLEDGE_AUDIT_KEY, see trust/audit.py), as far as their old, plain SHA-256 chain
   still holds; a break found there is left exactly as found, so verification names it.
2. The database refuses, whatever path the change takes (ORM, raw SQL, the admin, a shell):
   - audit records: any UPDATE, DELETE or TRUNCATE;
   - completions: DELETE, TRUNCATE, and any UPDATE except recording the reopening
     (reopened_at, reopened_by, reopen_reason), once;
   - evidence: TRUNCATE (UPDATE, and DELETE before keep_until, are refused since 0002).
   SQLite has no TRUNCATE: its DELETE triggers cover it.

`install` and `uninstall` take a connection, so the test suite can lift the guard for
the one statement that empties the test database between transactional tests.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64
REOPENING = ("reopened_at", "reopened_by_id", "reopen_reason")

PG_UP = """
CREATE OR REPLACE FUNCTION pledge_permanent() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% on % is refused: these records are permanent', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION pledge_completion_guard() RETURNS trigger AS $$
BEGIN
  IF OLD.reopened_at IS NULL AND NEW.reopened_at IS NOT NULL
     AND to_jsonb(NEW) - ARRAY['reopened_at', 'reopened_by_id', 'reopen_reason']
       = to_jsonb(OLD) - ARRAY['reopened_at', 'reopened_by_id', 'reopen_reason'] THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'completion % is permanent: only its reopening may be recorded, once', OLD.id
    USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pledge_audit_permanent BEFORE UPDATE OR DELETE ON obligations_auditevent
  FOR EACH ROW EXECUTE FUNCTION pledge_permanent();
CREATE TRIGGER pledge_audit_no_truncate BEFORE TRUNCATE ON obligations_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION pledge_permanent();
CREATE TRIGGER pledge_completion_no_delete BEFORE DELETE ON obligations_completion
  FOR EACH ROW EXECUTE FUNCTION pledge_permanent();
CREATE TRIGGER pledge_completion_no_truncate BEFORE TRUNCATE ON obligations_completion
  FOR EACH STATEMENT EXECUTE FUNCTION pledge_permanent();
CREATE TRIGGER pledge_completion_reopen_only BEFORE UPDATE ON obligations_completion
  FOR EACH ROW EXECUTE FUNCTION pledge_completion_guard();
CREATE TRIGGER pledge_evidence_no_truncate BEFORE TRUNCATE ON obligations_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION pledge_permanent();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS pledge_audit_permanent ON obligations_auditevent;
DROP TRIGGER IF EXISTS pledge_audit_no_truncate ON obligations_auditevent;
DROP TRIGGER IF EXISTS pledge_completion_no_delete ON obligations_completion;
DROP TRIGGER IF EXISTS pledge_completion_no_truncate ON obligations_completion;
DROP TRIGGER IF EXISTS pledge_completion_reopen_only ON obligations_completion;
DROP TRIGGER IF EXISTS pledge_evidence_no_truncate ON obligations_evidence;
DROP FUNCTION IF EXISTS pledge_completion_guard();
DROP FUNCTION IF EXISTS pledge_permanent();
"""


def sqlite_up(completion_columns):
    # Everything but the reopening must stay as it was (IS NOT: NULL-safe inequality).
    others = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in completion_columns if c not in REOPENING)
    return [
        """CREATE TRIGGER pledge_audit_no_update BEFORE UPDATE ON obligations_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit records are permanent'); END""",
        """CREATE TRIGGER pledge_audit_no_delete BEFORE DELETE ON obligations_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit records are permanent'); END""",
        """CREATE TRIGGER pledge_completion_no_delete BEFORE DELETE ON obligations_completion
           BEGIN SELECT RAISE(ABORT, 'completions are permanent'); END""",
        f"""CREATE TRIGGER pledge_completion_reopen_only BEFORE UPDATE ON obligations_completion
           WHEN OLD.reopened_at IS NOT NULL OR NEW.reopened_at IS NULL OR {others}
           BEGIN SELECT RAISE(ABORT, 'completions are permanent: only their reopening may be recorded, once'); END""",
    ]


SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS pledge_audit_no_update",
    "DROP TRIGGER IF EXISTS pledge_audit_no_delete",
    "DROP TRIGGER IF EXISTS pledge_completion_no_delete",
    "DROP TRIGGER IF EXISTS pledge_completion_reopen_only",
]


def _statements(connection, completion_model, up: bool):
    if connection.vendor == "postgresql":
        return [PG_UP if up else PG_DOWN]
    if not up:
        return SQLITE_DOWN
    return sqlite_up([f.column for f in completion_model._meta.concrete_fields])


def install(connection, completion_model):
    with connection.cursor() as cursor:
        for sql in _statements(connection, completion_model, up=True):
            cursor.execute(sql)  # no params: the SQL holds literal %


def uninstall(connection, completion_model=None):
    with connection.cursor() as cursor:
        for sql in _statements(connection, completion_model, up=False):
            cursor.execute(sql)


def up(apps, schema_editor):
    install(schema_editor.connection, apps.get_model("obligations", "Completion"))


def down(apps, schema_editor):
    uninstall(schema_editor.connection)


def _payload(prev_hash, event) -> bytes:
    # Frozen copy of AuditEvent.payload as of this migration.
    return json.dumps(
        [prev_hash, event.at.astimezone(UTC).isoformat(), event.platform_id, event.actor_id, event.action,
         event.object_type, event.object_id, event.data],
        sort_keys=True, ensure_ascii=False, default=str,
    ).encode()


def rekey(apps, schema_editor):
    """Plain SHA-256 chain → HMAC chain, while the plain chain holds."""
    AuditEvent = apps.get_model("obligations", "AuditEvent")
    key = settings.PLEDGE_AUDIT_KEY.encode()
    old_prev = new_prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.prev_hash != old_prev or hashlib.sha256(_payload(event.prev_hash, event)).hexdigest() != event.hash:
            break  # broken before this migration: left as found, so verification points here
        new_hash = hmac.new(key, _payload(new_prev, event), hashlib.sha256).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=new_prev, hash=new_hash)
        old_prev, new_prev = event.hash, new_hash


class Migration(migrations.Migration):
    dependencies = [("obligations", "0007_case_public_ref")]
    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=[("opened", "任务已开始"), ("due_soon", "即将到期"),
                                            ("escalate_officer", "逾期上报合规负责人"),
                                            ("escalate_group", "逾期上报监督小组"), ("digest", "每日汇总"),
                                            ("integrity", "完整性告警")], max_length=24, verbose_name="类型"),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.RunPython(up, down),
    ]
