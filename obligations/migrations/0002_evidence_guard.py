"""The database itself refuses to change evidence or to delete it before keep_until,
whatever path the change takes (ORM, raw SQL, the admin, a shell)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION pledge_evidence_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'evidence % is immutable', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.keep_until > CURRENT_DATE THEN
    RAISE EXCEPTION 'evidence % is kept until %', OLD.id, OLD.keep_until
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER pledge_evidence_guard BEFORE UPDATE OR DELETE ON obligations_evidence
  FOR EACH ROW EXECUTE FUNCTION pledge_evidence_guard();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS pledge_evidence_guard ON obligations_evidence;
DROP FUNCTION IF EXISTS pledge_evidence_guard();
"""
SQLITE_UP = [
    """CREATE TRIGGER pledge_evidence_no_update BEFORE UPDATE ON obligations_evidence
       BEGIN SELECT RAISE(ABORT, 'evidence is immutable'); END""",
    """CREATE TRIGGER pledge_evidence_keep BEFORE DELETE ON obligations_evidence
       WHEN OLD.keep_until > date('now') BEGIN SELECT RAISE(ABORT, 'evidence is kept until its keep_until'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS pledge_evidence_no_update", "DROP TRIGGER IF EXISTS pledge_evidence_keep"]


def up(apps, schema_editor):
    statements = [PG_UP] if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no interpolation: the SQL holds literal %


def down(apps, schema_editor):
    statements = [PG_DOWN] if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no interpolation: the SQL holds literal %


class Migration(migrations.Migration):
    dependencies = [("obligations", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
