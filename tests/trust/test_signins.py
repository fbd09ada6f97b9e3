"""Sign-ins (and failed ones), sign-outs and password changes are in the audit trail."""

import pytest

from obligations.models import AuditEvent
from tests.conftest import make_user


def records(action):
    return list(AuditEvent.objects.filter(action=action).select_related("actor").order_by("id"))


@pytest.fixture
def carol(db):
    return make_user("carol")


def test_a_failed_sign_in_is_recorded_with_the_name_tried(carol, client):
    response = client.post("/accounts/login/", {"username": "carol", "password": "wrong"},
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200  # the form again
    [failed] = records("auth.login_failed")
    assert failed.actor is None and failed.data["user"] == "carol" and failed.data["ip"] == "203.0.113.9"
    assert "wrong" not in str(failed.data)
    client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert records("auth.login_failed")[-1].data["user"] == "nobody"


def test_sign_in_and_sign_out_are_recorded(carol, client):
    client.post("/accounts/login/", {"username": "carol", "password": "pw-carol"}, REMOTE_ADDR="198.51.100.7")
    [login] = records("auth.login")
    assert login.actor == carol and login.object_type == "User" and login.object_id == str(carol.pk)
    assert login.data["ip"] == "198.51.100.7"
    client.post("/accounts/logout/")
    [logout] = records("auth.logout")
    assert logout.actor == carol


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
