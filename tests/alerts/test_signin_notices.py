"""The owner of an account hears of repeated wrong passwords on it, in the app and by mail,
once per sign-in window, not once per try."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.core import mail
from django.test import RequestFactory

from obligations.alerts import notifications
from obligations.models import Notification, Role
from obligations.trust.preferences import language_choose
from tests.conftest import make_user

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def axes(db, settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, timedelta(minutes=15)
    settings.PLEDGE_SIGNIN_WINDOW_MINUTES = 15
    axes_reset()
    yield
    axes_reset()


def guess(name, address="203.0.113.7"):
    return authenticate(RequestFactory().post("/accounts/login/", REMOTE_ADDR=address), username=name, password="x")


def notices():
    return list(Notification.objects.filter(kind=Notification.Kind.SIGNIN_FAILURES).order_by("id"))


def test_the_owner_is_told_once_per_window_in_the_app_and_by_mail(axes, platform, client):
    alice = make_user("alice", platform, Role.OFFICER)
    alice.email = "alice@example.com"
    alice.save()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            guess("alice")
        assert notices() == []  # fewer than the limit: nothing to tell
        guess("alice")
        for i in range(10):  # more tries, from elsewhere too: still one notice
            clock.shift(timedelta(minutes=1))
            guess("alice", address=f"198.51.100.{i}")
        [notice] = notices()
        assert notice.recipient == alice and "alice" in notice.subject
        assert "5 次密码错误" in notice.body and "北京时间" in notice.body and "/accounts/password_reset/" in notice.body
        mail.outbox.clear()
        notifications.notifications_send(now=T0 + timedelta(minutes=11))
        assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    client.force_login(alice)
    inbox = client.get("/notifications/").content.decode()
    assert 'data-kind="signin_failures"' in inbox and "5 次密码错误" in inbox  # the advice too, in the app
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False) as clock:
        clock.shift(timedelta(minutes=16))  # a new window, and the guessing goes on
        for i in range(6):
            clock.shift(timedelta(minutes=1))
            guess("alice", address=f"192.0.2.{i}")
        assert len(notices()) == 2


def test_the_notice_is_in_the_owners_language_and_a_name_without_account_tells_nobody(axes):
    bob = make_user("bob")
    language_choose(bob, "en")
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            guess("bob")
            guess("nobody")
    [notice] = notices()
    assert notice.recipient == bob and "wrong password" in notice.body
