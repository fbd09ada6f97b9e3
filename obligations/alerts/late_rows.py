"""The late rows of calendar tasks as one SELECT, on PostgreSQL: each candidate (kind,
occurrence) joined to its recipients (doers, or the officers or supervisors it escalates to)
and worded in each recipient's language in SQL, from a template per kind and language that
notifications.py words once with gettext. So a long outage's thousands of late notices are
planned without loading a task into Python or wording a row there (alerts/catch_up.py folds
them); tests/alerts/test_late_rows.py holds the wording equal to notifications._message.

A case's clock (its name needs the case and the step) and every late row on SQLite are
worded in Python instead, through the same fold."""

from django.conf import settings

from ..models import Clause, Membership, Notification, Obligation, Occurrence, Platform, Role, UserPreferences
from ..schedule.local_time import BEIJING
from .outbox import json_rows

# Markers a template holds where SQL puts each row's own words; the link's id is a number reverse() accepts.
NAME, TIME, ZONE, PLATFORM, CLAUSE, SUBJECT = ("\x01n\x01", "\x01t\x01", "\x01z\x01", "\x01p\x01", "\x01c\x01",
                                               "\x01s\x01")
LINK_ID = 987654321987
TEMPLATE_COLUMNS = ("kind", "language", "template", "body", "beijing")
K = Notification.Kind
REMINDERS, ESCALATIONS = (K.OPENED, K.DUE_SOON), {K.ESCALATE_OFFICER: Role.OFFICER, K.ESCALATE_GROUP: Role.SUPERVISOR}


def _table(model) -> str:
    return model._meta.db_table


def _candidates(late: dict) -> tuple[str, list]:
    """(kind, occurrence id) of every late calendar candidate, each kind's queryset compiled as it stands."""
    parts, params = [], []
    for kind, queryset in late.items():
        sql, p = queryset.filter(case__isnull=True).values_list("pk").query.sql_with_params()
        parts.append(f"SELECT %s::text AS kind, c.id AS occurrence_id FROM ({sql}) AS c(id)")  # nosec B608 - compiled by the ORM
        params += [kind, *p]
    return " UNION ALL ".join(parts), params


def late_rows_sql(late: dict, templates: list[dict]) -> tuple[str, list]:
    """A SELECT of (recipient_id, kind, occurrence_id, subject, body) for the late candidates
    `late` (kind -> queryset), worded with `templates` (TEMPLATE_COLUMNS rows)."""
    candidates, params = _candidates(late)
    assignees = Obligation.assignees.through._meta.db_table
    languages = [code for code, _name in settings.LANGUAGES]
    source, template_params = json_rows(templates, TEMPLATE_COLUMNS)
    reminders = ", ".join(["%s"] * len(REMINDERS))
    beijing = ", ".join(["%s"] * len(BEIJING))
    offset = "(extract(epoch FROM (o.due_at AT TIME ZONE p.timezone) - (o.due_at AT TIME ZONE 'UTC')) / 60)::int"
    # The zone as local_time.zone_name says it: 北京时间 (the template's), else UTC+8, UTC+5:30, UTC-3, UTC.
    zone = (f"CASE WHEN p.timezone IN ({beijing}) THEN r.beijing ELSE (SELECT CASE WHEN z.m = 0 THEN 'UTC' ELSE "  # nosec B608 - placeholders only
            "'UTC' || CASE WHEN z.m > 0 THEN '+' ELSE '-' END || (abs(z.m) / 60)::text || CASE WHEN "
            "mod(abs(z.m), 60) <> 0 THEN ':' || lpad(mod(abs(z.m), 60)::text, 2, '0') ELSE '' END END "
            f"FROM (SELECT {offset} AS m) z) END")
    name = "ob.title || CASE WHEN ob.\"count\" > 1 THEN ' #' || o.sequence::text ELSE '' END"
    subject = (f"left(replace(replace(replace(r.template, %s, {name}), %s, "
               f"to_char(o.due_at AT TIME ZONE p.timezone, 'MM-DD HH24:MI')), %s, {zone}), 200)")
    language = f"CASE WHEN up.language IN ({', '.join(['%s'] * len(languages))}) THEN up.language ELSE %s END"
    sql = f"""
        SELECT w.recipient_id, w.kind, w.occurrence_id, w.subject,
               replace(replace(replace(replace(w.body, %s, w.occurrence_id::text), %s, w.platform), %s, w.clause),
                       %s, w.subject)
        FROM (SELECT d.user_id AS recipient_id, k.kind, o.id AS occurrence_id, {subject} AS subject, r.body,
                     p.name AS platform, cl.number AS clause
              FROM ({candidates}) k
              JOIN {_table(Occurrence)} o ON o.id = k.occurrence_id
              JOIN {_table(Obligation)} ob ON ob.id = o.obligation_id
              JOIN {_table(Platform)} p ON p.id = o.platform_id
              JOIN {_table(Clause)} cl ON cl.id = o.clause_id
              JOIN LATERAL (
                  SELECT a.user_id FROM {assignees} a
                  WHERE k.kind IN ({reminders}) AND a.obligation_id = o.obligation_id
                  UNION ALL
                  SELECT m.user_id FROM {_table(Membership)} m WHERE m.platform_id = o.platform_id AND (
                      (k.kind IN ({reminders}) AND m.role = ob.responsible_role
                       AND NOT EXISTS (SELECT 1 FROM {assignees} a WHERE a.obligation_id = o.obligation_id))
                      OR (k.kind = %s AND m.role = %s) OR (k.kind = %s AND m.role = %s))
              ) d ON true
              LEFT JOIN {_table(UserPreferences)} up ON up.user_id = d.user_id
              JOIN {source} ON r.kind = k.kind AND r.language = {language}
        ) w"""  # nosec B608 - table and column names from the models, values as parameters
    (officer_kind, officer), (group_kind, supervisor) = ESCALATIONS.items()
    params = [str(LINK_ID), PLATFORM, CLAUSE, SUBJECT,
              NAME, TIME, ZONE, *BEIJING,  # the subject
              *params,  # the candidates
              *REMINDERS, *REMINDERS, officer_kind, officer, group_kind, supervisor,
              *template_params, *languages, settings.LANGUAGE_CODE]
    return sql, params
