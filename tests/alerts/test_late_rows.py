"""Late rows worded in SQL (alerts/late_rows.py) read exactly as Python words them, to the
same people."""

from datetime import timedelta

import pytest

from obligations.alerts import notifications
from obligations.models import Notification, Obligation, UserPreferences
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)


def rows():
    return sorted(Notification.objects.exclude(kind="catch_up").values_list(
        "recipient__username", "kind", "occurrence_id", "subject", "body", "sent_at"))


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
    in_sql = rows()
    folded = Notification.objects.filter(catch_up__isnull=False)
    kinds = set(folded.values_list("kind", flat=True))
    assert kinds >= {"opened", "escalate_officer", "escalate_group"}, kinds
    assert folded.filter(recipient=team["supervisor"], subject__startswith="For the supervisory group").exists()
    Notification.objects.all().delete()
    monkeypatch.setattr(notifications, "SQL_WORDING", False)
    assert notifications.notifications_plan(now=at, digests=False) == written
    assert len(in_sql) >= 6
    assert rows() == in_sql
