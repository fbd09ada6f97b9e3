"""Late notices in SQL: who is owed each late (kind, task) (`recipients_sql`: the doers, or the
officers or supervisors it escalates to, the rule of trust/access.Doers), and on PostgreSQL
the lines a catch-up names, worded in each recipient's language (`lines_sql`) from a template
per kind and language that notifications.py words once with gettext. So a long outage's
thousands of late notices are planned without loading a task into Python or wording a line
there but the few a catch-up names (alerts/catch_up.py folds them);
tests/alerts/test_late_rows.py holds the wording equal to messages.message.

A case's clock (its name needs the case and the step) and every line on SQLite are worded in
Python instead."""

from django.conf import settings

from ..models import Membership, Notification, Obligation, Occurrence, Platform, Role, UserPreferences
from ..schedule.local_time import BEIJING
from .outbox import json_rows

# Markers a template holds where SQL puts each row's own words.
NAME, TIME, ZONE = "\x01n\x01", "\x01t\x01", "\x01z\x01"
TEMPLATE_COLUMNS = ("kind", "language", "template", "beijing")
K = Notification.Kind
REMINDERS, ESCALATIONS = (K.OPENED, K.DUE_SOON), {K.ESCALATE_OFFICER: Role.OFFICER, K.ESCALATE_GROUP: Role.SUPERVISOR}


def _table(model) -> str:
    return model._meta.db_table


def recipients_sql(pairs: str) -> tuple[str, list]:
    """A SELECT of (recipient_id, kind, occurrence_id, due_at) for the (kind, occurrence_id)
    rows of the table `pairs`: a reminder to the task's named doers, else the members of its
    responsible role; an escalation to the platform's officers or supervisors."""
    assignees = Obligation.assignees.through._meta.db_table
    reminders = ", ".join(["%s"] * len(REMINDERS))
    escalation_role = " ".join("WHEN %s THEN %s" for _kind in ESCALATIONS)
    tasks = (f"FROM {pairs} t JOIN {_table(Occurrence)} o ON o.id = t.occurrence_id "
             f"JOIN {_table(Obligation)} ob ON ob.id = o.obligation_id")
    sql = f"""
        SELECT a.user_id, t.kind, o.id, o.due_at {tasks}
        JOIN {assignees} a ON a.obligation_id = o.obligation_id
        WHERE t.kind IN ({reminders})
        UNION ALL
        SELECT m.user_id, t.kind, o.id, o.due_at {tasks}
        JOIN {_table(Membership)} m ON m.platform_id = o.platform_id AND m.role = ob.responsible_role
        WHERE t.kind IN ({reminders})
              AND NOT EXISTS (SELECT 1 FROM {assignees} a WHERE a.obligation_id = o.obligation_id)
        UNION ALL
        SELECT m.user_id, t.kind, o.id, o.due_at {tasks}
        JOIN {_table(Membership)} m ON m.platform_id = o.platform_id
             AND m.role = CASE t.kind {escalation_role} END"""  # nosec B608 - table and column names from the models
    params = [*REMINDERS, *REMINDERS, *(v for pair in ESCALATIONS.items() for v in pair)]
    return sql, params


def lines_sql(source: str, source_params: list, templates: list[dict]) -> tuple[str, list]:
    """A SELECT of (recipient_id, kind, occurrence_id, line) for the (recipient_id, kind,
    occurrence_id) rows `source` selects that are calendar tasks, each worded with
    `templates` (TEMPLATE_COLUMNS rows) in its recipient's language: the message's subject."""
    languages = [code for code, _name in settings.LANGUAGES]
    templates_from, template_params = json_rows(templates, TEMPLATE_COLUMNS)
    beijing = ", ".join(["%s"] * len(BEIJING))
    offset = "(extract(epoch FROM (o.due_at AT TIME ZONE p.timezone) - (o.due_at AT TIME ZONE 'UTC')) / 60)::int"
    # The zone as local_time.zone_name says it: 北京时间 (the template's), else UTC+8, UTC+5:30, UTC-3, UTC.
    zone = (f"CASE WHEN p.timezone IN ({beijing}) THEN r.beijing ELSE (SELECT CASE WHEN z.m = 0 THEN 'UTC' ELSE "  # nosec B608 - placeholders only
            "'UTC' || CASE WHEN z.m > 0 THEN '+' ELSE '-' END || (abs(z.m) / 60)::text || CASE WHEN "
            "mod(abs(z.m), 60) <> 0 THEN ':' || lpad(mod(abs(z.m), 60)::text, 2, '0') ELSE '' END END "
            f"FROM (SELECT {offset} AS m) z) END")
    name = "ob.title || CASE WHEN ob.\"count\" > 1 THEN ' #' || o.sequence::text ELSE '' END"
    line = (f"left(replace(replace(replace(r.template, %s, {name}), %s, "
            f"to_char(o.due_at AT TIME ZONE p.timezone, 'MM-DD HH24:MI')), %s, {zone}), 200)")
    language = f"CASE WHEN up.language IN ({', '.join(['%s'] * len(languages))}) THEN up.language ELSE %s END"
    sql = f"""
        SELECT w.recipient_id, w.kind, w.occurrence_id, {line}
        FROM ({source}) w
        JOIN {_table(Occurrence)} o ON o.id = w.occurrence_id AND o.case_id IS NULL
        JOIN {_table(Obligation)} ob ON ob.id = o.obligation_id
        JOIN {_table(Platform)} p ON p.id = o.platform_id
        LEFT JOIN {_table(UserPreferences)} up ON up.user_id = w.recipient_id
        JOIN {templates_from} ON r.kind = w.kind AND r.language = {language}"""  # nosec B608 - table and column names from the models, values as parameters
    params = [NAME, TIME, ZONE, *BEIJING,  # the line
              *source_params, *template_params, *languages, settings.LANGUAGE_CODE]
    return sql, params
