"""The planner's wake (alerts/wake.py): a table the planner writes when a plan finishes, and
triggers that add a row to it whenever a write may make a task due a message sooner than the
planner last computed, so a minute before the wake plans nothing and misses nothing.

On PostgreSQL only: on SQLite the planner plans every minute, as before."""

from django.db import migrations, models

# Written out in the SQL below: the wake's table obligations_plannerwake; still to do, the states
# ('open', 'missed'); told of all, 15 (alerts/told.py: the four bits); the epoch, a wake before any
# planner's now (plan at once).

# A trigger adds a row at the earliest opening of the tasks concerned (every kind's start,
# alerts/candidates._windows, is at or after a task's opening): for an insert, one per statement
# (a statement-level trigger reads its rows as a transition table, min() once). A row, not an update of
# one row, so writers never wait on each other or on the planner for it.
UP = """
CREATE FUNCTION pledge_wake_tasks_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO obligations_plannerwake (at, planned_at, rules)
    SELECT min(n.opens_at), NULL, '' FROM pledge_new n
    WHERE n.state IN ('open', 'missed') AND n.told <> 15 HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE TRIGGER occurrence_wake_inserted AFTER INSERT ON obligations_occurrence
    REFERENCING NEW TABLE AS pledge_new FOR EACH STATEMENT EXECUTE FUNCTION pledge_wake_tasks_inserted();

-- Raised again or reopened (state), moved (opening, due, close), a told bit cleared: a row
-- trigger whose WHEN is tested in the executor, so the planner's told UPDATE (bits set only)
-- calls nothing and keeps no transition table; a row per transaction at most, unless a later
-- row opened earlier (the transaction remembers the earliest it wrote).
CREATE FUNCTION pledge_wake_task_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    written text := current_setting('pledge.wake_written', true);
BEGIN
    IF written IS NULL OR written = '' OR NEW.opens_at < written::timestamptz THEN
        INSERT INTO obligations_plannerwake (at, planned_at, rules) VALUES (NEW.opens_at, NULL, '');
        PERFORM set_config('pledge.wake_written', NEW.opens_at::text, true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER occurrence_wake_changed AFTER UPDATE ON obligations_occurrence FOR EACH ROW
    WHEN (NEW.state IN ('open', 'missed') AND NEW.told <> 15
          AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.opens_at IS DISTINCT FROM NEW.opens_at
               OR OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.close_at IS DISTINCT FROM NEW.close_at
               OR (OLD.told & ~NEW.told) <> 0 OR OLD.obligation_id IS DISTINCT FROM NEW.obligation_id
               OR OLD.platform_id IS DISTINCT FROM NEW.platform_id))
    EXECUTE FUNCTION pledge_wake_task_changed();

-- Who hears of a task (its doers, the officers, the supervisors) or an obligation's thresholds
-- changed: plan at once, and the plan computes the wake anew.
CREATE FUNCTION pledge_wake_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO obligations_plannerwake (at, planned_at, rules) VALUES (timestamptz '1970-01-01 00:00+00', NULL, '');
    RETURN NULL;
END $$;
CREATE TRIGGER membership_wake AFTER INSERT OR UPDATE ON obligations_membership
    FOR EACH STATEMENT EXECUTE FUNCTION pledge_wake_now();
CREATE TRIGGER assignees_wake AFTER INSERT OR UPDATE OR DELETE ON obligations_obligation_assignees
    FOR EACH STATEMENT EXECUTE FUNCTION pledge_wake_now();
CREATE TRIGGER obligation_wake AFTER UPDATE ON obligations_obligation FOR EACH ROW
    WHEN (OLD.period IS DISTINCT FROM NEW.period OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.responsible_role IS DISTINCT FROM NEW.responsible_role
          OR OLD.grace_minutes IS DISTINCT FROM NEW.grace_minutes
          OR OLD.escalate_officer_minutes IS DISTINCT FROM NEW.escalate_officer_minutes
          OR OLD.escalate_group_minutes IS DISTINCT FROM NEW.escalate_group_minutes)
    EXECUTE FUNCTION pledge_wake_now();
"""

DOWN = """
DROP TRIGGER occurrence_wake_inserted ON obligations_occurrence;
DROP TRIGGER occurrence_wake_changed ON obligations_occurrence;
DROP TRIGGER membership_wake ON obligations_membership;
DROP TRIGGER assignees_wake ON obligations_obligation_assignees;
DROP TRIGGER obligation_wake ON obligations_obligation;
DROP FUNCTION pledge_wake_tasks_inserted();
DROP FUNCTION pledge_wake_task_changed();
DROP FUNCTION pledge_wake_now();
"""


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP)


def no_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN)


class Migration(migrations.Migration):

    dependencies = [
        ('obligations', '0031_channels'),
    ]

    operations = [
        migrations.CreateModel(
            name='PlannerWake',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='最早可能到期')),
                ('planned_at', models.DateTimeField(blank=True, null=True, verbose_name='规划时间')),
                ('rules', models.CharField(blank=True, max_length=64, verbose_name='规则指纹')),
            ],
            options={
                'verbose_name': '通知规划唤醒时刻',
                'verbose_name_plural': '通知规划唤醒时刻',
            },
        ),
        migrations.RunPython(triggers, no_triggers),
    ]
