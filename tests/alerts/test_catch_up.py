"""After downtime, one catch-up message per person and day."""

from datetime import timedelta

from obligations.alerts import notifications
from obligations.alerts.catch_up import catch_up
from obligations.models import Notification
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)


def test_a_second_catch_up_the_same_day_joins_the_first_until_it_is_sent(team):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    assert catch_up(staff.pk, ["检查 1"], "zh-hans", at) == 1
    assert catch_up(staff.pk, ["检查 2", "检查 3"], "zh-hans", at + H) == 0
    first = Notification.objects.get(kind=Notification.Kind.CATCH_UP)
    assert first.body.split("\n")[1:-1] == ["检查 1", "检查 2", "检查 3"] and " 3 " in first.subject
    assert first.body.endswith("/notifications/")
    notifications.claim(now=at + H)  # on its way: a later catch-up is a message of its own
    assert catch_up(staff.pk, ["检查 4"], "zh-hans", at + 2 * H) == 1
    later = Notification.objects.filter(kind=Notification.Kind.CATCH_UP).exclude(pk=first.pk).get()
    assert later.body.split("\n")[1:-1] == ["检查 4"]
    first.refresh_from_db()
    assert " 3 " in first.subject
