"""Sign-ins (and failed ones), sign-outs and password changes are in the audit trail."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.utils import timezone

from obligations.models import AuditEvent
from obligations.trust.failed_signins import failures_audit
from tests.conftest import make_user

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def records(action):
    return list(AuditEvent.objects.filter(action=action).select_related("actor").order_by("id"))


@pytest.fixture
def carol(db):
    return make_user("carol")


def test_a_failed_sign_in_is_recorded_with_the_name_tried_once_its_window_passed(carol, client, settings):
    settings.PLEDGE_SIGNIN_WINDOW_MINUTES = 15
    with time_machine.travel(T0, tick=False) as clock:
        response = client.post("/accounts/login/", {"username": "carol", "password": "wrong"},
                               REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200  # the form again
        assert records("auth.login_failed") == []  # counted; the window is still open
        client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="203.0.113.9")
        clock.shift(timedelta(minutes=15))
        assert failures_audit(now=timezone.now()) == 2
    failed, nobody = records("auth.login_failed")
    assert failed.actor is None and failed.data["user"] == "carol" and failed.data["ip"] == "203.0.113.9"
    assert failed.data["count"] == 1 and "wrong" not in str(failed.data)
    assert nobody.data["user"] == "nobody"


def test_a_flood_of_failed_sign_ins_writes_one_record_per_address_and_name(carol, client, settings):
    """Issue 22: 30 failed sign-ins from a locked address wrote 30 permanent records."""
    settings.AXES_FAILURE_LIMIT, settings.PLEDGE_SIGNIN_WINDOW_MINUTES = 5, 15
    axes_reset()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(30):
            client.post("/accounts/login/", {"username": "carol", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
        client.post("/accounts/login/", {"username": "carol", "password": "wrong"}, REMOTE_ADDR="198.51.100.4")
        assert records("auth.login_failed") == []
        clock.shift(timedelta(minutes=15))
        # The next failure (or the signin_audit task) writes the windows that have passed.
        client.post("/accounts/login/", {"username": "dave", "password": "x"}, REMOTE_ADDR="192.0.2.1")
    axes_reset()
    flood, other = records("auth.login_failed")
    assert (flood.data["ip"], flood.data["count"], flood.data["refused"]) == ("203.0.113.9", 30, 25)
    # Refused too: past five failures the user name waits a while, from any address.
    assert (other.data["ip"], other.data["count"], other.data["refused"]) == ("198.51.100.4", 1, 1)
    assert flood.data["window"] == [T0.isoformat(), (T0 + timedelta(minutes=15)).isoformat()]


def test_behind_trusted_proxies_records_hold_the_client_address_not_a_claimed_one(carol, client, settings):
    """The right-most hop no trusted proxy wrote; the left-most entries are the client's own claim."""
    settings.PLEDGE_TRUSTED_PROXY_HOPS = 1
    behind = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    with time_machine.travel(T0, tick=False) as clock:
        client.post("/accounts/login/", {"username": "carol", "password": "wrong"}, **behind)
        client.post("/accounts/login/", {"username": "carol", "password": "pw-carol"}, **behind)
        clock.shift(timedelta(minutes=16))
        failures_audit(now=timezone.now())
    [login], [failed] = records("auth.login"), records("auth.login_failed")
    assert login.data["ip"] == failed.data["ip"] == "198.51.100.7"


def test_sign_in_and_sign_out_are_recorded(carol, client):
    client.post("/accounts/login/", {"username": "carol", "password": "pw-carol"}, REMOTE_ADDR="198.51.100.7")
    [login] = records("auth.login")
    assert login.actor == carol and login.object_type == "User" and login.object_id == str(carol.pk)
    assert login.data["ip"] == "198.51.100.7"
    client.post("/accounts/logout/")
    [logout] = records("auth.logout")
    assert logout.actor == carol
    # The request's user is a lazy object: the record names what it wraps, as the sign-in's does.
    assert (logout.object_type, logout.object_id) == ("User", str(carol.pk))


def test_a_password_change_is_recorded_and_never_the_password(carol, client):
    client.force_login(carol)
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-carol", "new_password1": "Xk8-long-enough-2026", "new_password2": "Xk8-long-enough-2026"})
    assert response.status_code == 302
    [change] = records("auth.password_change")
    assert change.object_id == str(carol.pk) and change.data == {"user": "carol"}
    assert "Xk8" not in str(change.data)


def test_new_accounts_and_upgraded_hashes_are_not_password_changes(carol, client, settings):
    assert records("auth.password_change") == []  # make_user set a first password
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    client.post("/accounts/login/", {"username": "carol", "password": "pw-carol"})
    carol.refresh_from_db()
    assert carol.password.startswith("pbkdf2_")  # upgraded at sign-in
    assert records("auth.password_change") == [] and len(records("auth.login")) == 1
