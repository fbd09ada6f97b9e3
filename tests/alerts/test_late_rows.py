"""Catch-up lines worded in SQL (alerts/late_rows.py) read exactly as Python words them, to the
same people."""

from datetime import timedelta

import pytest

from obligations.alerts import notifications
from obligations.alerts.catch_up import summary_tasks
from obligations.models import Notification, Obligation, Occurrence, UserPreferences
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)


def lines():
    """Every line of every catch-up: (person, kind, task, text), and the tasks each tells of."""
    catch_ups = Notification.objects.filter(kind="catch_up").select_related("recipient")
    return (sorted((m.recipient.username, kind, pk, text) for m in catch_ups for _due, kind, pk, text in m.summary["lines"]),
            sorted((m.recipient.username, *pair) for m in catch_ups for pair in summary_tasks(m.summary)))


@pytest.mark.postgres
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata", "America/New_York"])
def test_late_rows_worded_in_sql_read_as_python_words_them(team, monkeypatch, zone):
    platform = team["officer"].memberships.get().platform
    platform.timezone = zone
    platform.save()
    UserPreferences.objects.create(user=team["supervisor"], language="en")
    Obligation.objects.get(key="三.1").assignees.add(team["staff"])  # a named doer, beside the role's
    at = SIGNED_AT + 29.5 * H  # a check opened hours ago, in each zone
    obligations_materialize(now=at)
    occurrences_close_out(now=at)
    written = notifications.notifications_plan(now=at, digests=False)
    in_sql, told = lines()
    assert {kind for _user, kind, _pk, _text in in_sql} >= {"opened", "escalate_officer", "escalate_group"}, in_sql
    assert any(user == "sue" and text.startswith("For the supervisory group") for user, _k, _pk, text in in_sql)
    Notification.objects.all().delete()
    Occurrence.objects.update(told=0)
    monkeypatch.setattr(notifications, "SQL_WORDING", False)
    assert notifications.notifications_plan(now=at, digests=False) == written
    assert len(in_sql) >= 6
    assert lines() == (in_sql, told)
