"""Locking out password guessing (django-axes behind LockoutBackend: a user name at one
address, an address, a growing delay per user name) and counting password-reset mails per
client address, email address and account."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.test import RequestFactory

from obligations.errors import DomainError
from obligations.trust import lockout
from tests.conftest import make_user

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def axes(db):
    """Lockout records start and end empty (they live in the database; a test that commits,
    like a browser test, would otherwise hand them on)."""
    axes_reset()
    yield
    axes_reset()


def sign_in(username, password, address="203.0.113.7"):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=address)
    return authenticate(request, username=username, password=password)


def test_failures_lock_the_user_name_at_that_address_not_the_officer_at_theirs(axes, platform, settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, timedelta(minutes=15)
    alice = make_user("alice")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            assert sign_in("alice", "wrong") is None
        assert sign_in("alice", "pw-alice") is None  # the right password, refused at the guesser's address
        assert lockout.refusal_for("203.0.113.7", "alice", now=START).reason == lockout.PAIR
        clock.shift(timedelta(seconds=2))  # the user name's own delay after five failures: one second
        assert sign_in("alice", "pw-alice", address="198.51.100.2") == alice  # the officer at their own address
        clock.shift(timedelta(minutes=14))
        assert sign_in("alice", "pw-alice") is None  # still locked there, and the try changed nothing
        assert AccessAttempt.objects.get(ip_address="203.0.113.7").failures_since_start == 5
        clock.shift(timedelta(minutes=1))
        assert sign_in("alice", "pw-alice") == alice  # fifteen minutes after the last counted failure


def test_one_guess_every_fourteen_minutes_never_locks_the_officer_out(axes, settings):
    """Issue 22: a try during the lockout restarted it, so one request every 14 minutes kept
    the officer out for good. Now the guesser's tries are refused unchecked and uncounted,
    and the officer at their own address waits at most the user name's longest delay."""
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, timedelta(minutes=15)
    settings.PLEDGE_LOGIN_DELAY_MAX_SECONDS = 300
    officer = make_user("officer")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            sign_in("officer", "wrong")
        for _ in range(8):  # two hours of it
            clock.shift(timedelta(minutes=14))
            sign_in("officer", "guess")
            clock.shift(timedelta(seconds=settings.PLEDGE_LOGIN_DELAY_MAX_SECONDS))
            assert sign_in("officer", "pw-officer", address="198.51.100.2") == officer


def test_past_the_limit_a_user_name_waits_a_doubling_delay_from_anywhere(axes, settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, timedelta(minutes=15)
    settings.PLEDGE_LOGIN_DELAY_MAX_SECONDS = 8
    alice = make_user("alice")
    assert [lockout.name_delay(n).total_seconds() for n in range(4, 11)] == [0, 1, 2, 4, 8, 8, 8]
    with time_machine.travel(START, tick=False) as clock:
        for i in range(5):  # five addresses, one guess each: none of them is locked
            assert sign_in("alice", "wrong", address=f"198.51.100.{i}") is None
        refusal = lockout.refusal_for("192.0.2.1", "alice", now=START)
        assert (refusal.reason, refusal.seconds(START)) == (lockout.NAME, 1)
        assert sign_in("alice", "pw-alice", address="192.0.2.1") is None  # refused unchecked, not counted
        clock.shift(timedelta(seconds=1))
        assert sign_in("alice", "wrong", address="192.0.2.1") is None  # checked and counted: six
        assert lockout.refusal_for("192.0.2.2", "alice", now=START + timedelta(seconds=1)).seconds(
            START + timedelta(seconds=1)) == 2
        clock.shift(timedelta(seconds=2))
        assert sign_in("alice", "pw-alice", address="192.0.2.2") == alice


def test_an_address_is_locked_for_every_name_past_its_own_limit(axes, settings):
    settings.AXES_FAILURE_LIMIT, settings.PLEDGE_LOGIN_FAILURES_PER_ADDRESS = 5, 6
    make_user("alice")
    bob = make_user("bob")
    with time_machine.travel(START, tick=False) as clock:
        for name in ["alice", "carol", "dave", "erin", "frank", "gina"]:
            assert sign_in(name, "guess") is None
        assert sign_in("bob", "pw-bob") is None
        assert lockout.refusal_for("203.0.113.7", "bob", now=START).reason == lockout.ADDRESS
        assert sign_in("bob", "pw-bob", address="198.51.100.2") == bob  # another address
        clock.shift(timedelta(minutes=16))
        assert sign_in("bob", "pw-bob") == bob


def test_behind_a_trusted_proxy_the_client_is_locked_not_the_proxy(axes, settings):
    settings.AXES_FAILURE_LIMIT, settings.PLEDGE_TRUSTED_PROXY_HOPS = 5, 1
    alice = make_user("alice")

    def via_proxy(client, password):
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.2",
                                        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {client}")
        return authenticate(request, username="alice", password=password)

    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            via_proxy("203.0.113.7", "wrong")
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
        assert via_proxy("203.0.113.7", "pw-alice") is None
        clock.shift(timedelta(seconds=2))
        assert via_proxy("198.51.100.2", "pw-alice") == alice  # another client behind the same proxy


def test_a_new_password_lifts_the_lockout_of_the_user_name(axes, settings):
    settings.AXES_FAILURE_LIMIT = 5
    alice = make_user("alice")
    with time_machine.travel(START, tick=False):
        for address in ["203.0.113.7"] * 5 + ["198.51.100.2"] * 5:
            sign_in("alice", "wrong", address=address)
        assert lockout.refusal_for("203.0.113.7", "alice", now=START) is not None
        alice.set_password("Xk8-long-enough-2026")
        alice.save()
        assert sign_in("alice", "Xk8-long-enough-2026") == alice
        assert sign_in("alice", "Xk8-long-enough-2026", address="198.51.100.2") == alice


def test_fewer_failures_than_the_limit_do_not_lock(axes, settings):
    settings.AXES_FAILURE_LIMIT = 5
    alice = make_user("alice")
    for _ in range(4):
        sign_in("alice", "wrong")
    assert sign_in("alice", "pw-alice") == alice


def test_without_a_request_nothing_is_counted(axes, settings):
    """Code that authenticates without a request (a test client's login) is no guesser."""
    settings.AXES_FAILURE_LIMIT = 2
    alice = make_user("alice")
    for _ in range(3):
        assert authenticate(username="alice", password="wrong") is None
    assert authenticate(username="alice", password="pw-alice") == alice
    assert not AccessAttempt.objects.exists()


def test_the_client_address_is_the_rate_limits_one():
    assert lockout.client_ip(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")) == "203.0.113.7"
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert lockout.client_ip(request) is None


def test_cool_off_in_minutes(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    assert lockout.cool_off_minutes() == 15
    settings.AXES_COOLOFF_TIME = timedelta(seconds=20)
    assert lockout.cool_off_minutes() == 1


def reset_request(address="203.0.113.7"):
    return RequestFactory().post("/accounts/password_reset/", REMOTE_ADDR=address)


@pytest.fixture
def locmem(settings):
    """The local-memory cache, whose entries expire by the test's clock (Redis keeps its own)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "lockout-tests"}}
    cache.clear()
    yield
    cache.clear()


def test_reset_mails_are_capped_per_email_address(locmem, settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 3, 10
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            lockout.reset_mail_allowed(reset_request(), "Alice@Example.com")
        with pytest.raises(DomainError, match="该邮箱一小时内已申请过 3 次"):
            lockout.reset_mail_allowed(reset_request("198.51.100.2"), "alice@example.com ")
        lockout.reset_mail_allowed(reset_request(), "bob@example.com")  # another address still may
        clock.shift(timedelta(hours=1, seconds=1))
        lockout.reset_mail_allowed(reset_request(), "alice@example.com")


def test_reset_requests_are_capped_per_client_address(settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 3, 4
    for i in range(4):
        lockout.reset_mail_allowed(reset_request(), f"user{i}@example.com")
    with pytest.raises(DomainError, match="找回密码的申请过于频繁"):
        lockout.reset_mail_allowed(reset_request(), "someone@example.com")
    lockout.reset_mail_allowed(reset_request("198.51.100.2"), "someone@example.com")


def test_reset_mails_are_capped_per_account(db, settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT = 2
    alice, bob = make_user("alice"), make_user("bob")
    assert [lockout.reset_mail_to_account_allowed(alice) for _ in range(3)] == [True, True, False]
    assert lockout.reset_mail_to_account_allowed(bob)


def test_reset_mails_are_not_blocked_when_the_cache_is_down(db, settings, monkeypatch):
    from django.core.cache import caches

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 1, 1
    monkeypatch.setattr(caches["default"], "add", down)
    for _ in range(3):
        lockout.reset_mail_allowed(reset_request(), "alice@example.com")
    assert lockout.reset_mail_to_account_allowed(make_user("alice"))
