"""After downtime, one catch-up message per person and day."""

import threading
from datetime import timedelta

import pytest

from obligations.alerts import notifications
from obligations.alerts.catch_up import catch_up
from obligations.models import Notification
from tests.concurrency import run_at_once
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
    # Another sweep catching up the same day joins that later message, while it waits.
    assert catch_up(staff.pk, ["检查 5\n(续)"], "zh-hans", at + 3 * H) == 0
    later = Notification.objects.filter(kind=Notification.Kind.CATCH_UP).exclude(pk=first.pk).get()
    assert later.body.split("\n")[1:-1] == ["检查 4", "检查 5 (续)"] and " 2 " in later.subject
    first.refresh_from_db()
    assert " 3 " in first.subject
    # The next day starts afresh.
    assert catch_up(staff.pk, ["检查 6"], "zh-hans", at + 24 * H) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_catching_up_after_the_first_went_out_write_one_more_message(team):
    staff, at = team["staff"], SIGNED_AT + 30 * H
    catch_up(staff.pk, ["检查 1"], "zh-hans", at)
    notifications.claim(now=at)
    errors = run_at_once(2, lambda: catch_up(staff.pk, [f"检查 {threading.get_ident()}"], "zh-hans", at + H))
    later = Notification.objects.filter(kind=Notification.Kind.CATCH_UP, digest_date__isnull=True)
    assert errors == [] and later.count() == 1 and len(later.get().body.split("\n")[1:-1]) == 2
