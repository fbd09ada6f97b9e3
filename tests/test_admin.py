"""The admin: records are read-only there, and every change made on the other pages is
in the audit trail."""

import pytest
from django.contrib.auth import get_user_model

from obligations.models import AuditEvent, CalendarDay, Occurrence, Platform
from obligations.tasks import run_sweeps as sweep
from tests.cases.support import open_case
from tests.conftest import SIGNED_AT


@pytest.fixture
def root(db, client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root")
    client.force_login(user)
    return user


def admin_records(action="admin.change"):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_an_occurrence_and_a_case_are_read_only(signed_letter, root, client):
    sweep(now=SIGNED_AT)
    occ = Occurrence.objects.filter(platform=signed_letter.platform).first()
    case = open_case(signed_letter.platform)
    page = client.get(f"/admin/obligations/occurrence/{occ.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(f"/admin/obligations/occurrence/{occ.pk}/change/", {
        "state": "done", "completed_at_0": "2026-11-02", "completed_at_1": "10:00:00", "completed_by": root.pk})
    assert response.status_code == 403
    assert Occurrence.objects.get(pk=occ.pk).state == occ.state
    response = client.post(f"/admin/obligations/case/{case.pk}/change/", {
        "severity": "serious", "reporter_contact": "someone-else@example.com"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.severity == "ordinary" and case.reporter_contact == ""
    for model, pk in (("occurrence", occ.pk), ("case", case.pk), ("auditevent", AuditEvent.objects.first().pk)):
        assert client.post(f"/admin/obligations/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/obligations/case/add/").status_code == 403
    assert admin_records() == []


def test_an_admin_edit_of_a_platform_is_recorded(platform, root, client):
    response = client.post(f"/admin/obligations/platform/{platform.pk}/change/", {
        "slug": "alpha", "name": "Alpha 平台(新)", "timezone": "Asia/Shanghai", "template": platform.template,
        "review_quorum": "2"})
    assert response.status_code == 302, response.content.decode()[:2000]
    [record] = admin_records()
    assert record.actor == root and record.platform == platform
    assert (record.object_type, record.object_id) == ("Platform", str(platform.pk))
    assert record.data["model"] == "obligations.platform" and sorted(record.data["fields"]) == ["name", "review_quorum"]
    assert record.data["changes"]["name"] == ["Alpha 平台", "Alpha 平台(新)"]
    assert record.data["changes"]["review_quorum"] == [None, 2]
    assert Platform.objects.get(pk=platform.pk).name == "Alpha 平台(新)"


def test_admin_additions_and_deletions_are_recorded(root, client):
    response = client.post("/admin/obligations/calendarday/add/", {"date": "2027-10-01", "is_workday": "",
                                                                   "note": "国庆节"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(date="2027-10-01")
    [added] = admin_records("admin.add")
    assert added.data["pk"] == day.pk and added.data["changes"]["note"] == [None, "国庆节"]
    assert client.post(f"/admin/obligations/calendarday/{day.pk}/delete/", {"post": "yes"}).status_code == 302
    [deleted] = admin_records("admin.delete")
    assert deleted.object_id == str(day.pk) and deleted.actor == root
    assert not CalendarDay.objects.exists()


def test_admin_changes_to_users_are_recorded_without_their_passwords(root, client):
    carol = get_user_model().objects.create_user("carol", password="pw-carol")
    response = client.post(f"/admin/auth/user/{carol.pk}/password/", {
        "password1": "Xk8-long-enough-2026", "password2": "Xk8-long-enough-2026"})
    assert response.status_code == 302
    [change] = AuditEvent.objects.filter(action="auth.password_change")
    assert change.object_id == str(carol.pk) and "Xk8" not in str(change.data)
    response = client.post("/admin/auth/user/add/", {
        "username": "dave", "password1": "Xk8-long-enough-2026", "password2": "Xk8-long-enough-2026",
        "usable_password": "true"})
    assert response.status_code == 302
    [added] = admin_records("admin.add")
    assert added.data["model"] == "auth.user" and "Xk8" not in str(added.data)


def test_the_admin_never_shows_a_second_factor_secret_and_records_device_changes(root, client, platform):
    """Issue 22: the admin showed every user's TOTP secret and all ten recovery codes."""
    from base64 import b32encode

    from django_otp.plugins.otp_static.models import StaticDevice

    from obligations.models import Role
    from obligations.trust import second_factor
    from tests.conftest import make_user
    from tests.trust.signin_support import enrolled_app

    alice = make_user("alice", platform, Role.OFFICER)
    app = enrolled_app(alice)
    codes = second_factor.recovery_codes_renew(alice)
    recovery = StaticDevice.objects.get(user=alice, name=second_factor.RECOVERY_NAME)
    secrets = [app.key, b32encode(app.bin_key).decode(), *codes,
               *recovery.token_set.values_list("token", flat=True)]
    pages = [client.get(url) for url in (
        "/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{app.pk}/change/",
        "/admin/otp_static/staticdevice/", f"/admin/otp_static/staticdevice/{recovery.pk}/change/")]
    assert [p.status_code for p in pages] == [200] * 4
    shown = "".join(p.content.decode() for p in pages)
    assert [s for s in secrets if s.lower() in shown.lower()] == [] and "qrcode" not in shown
    assert "alice" in shown and "authenticator" in shown
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403  # enrolled by their users only
    response = client.post(f"/admin/otp_totp/totpdevice/{app.pk}/change/", {"name": "old phone", "confirmed": "on"})
    assert response.status_code == 302
    [renamed] = admin_records("admin.change")
    assert renamed.data["model"] == "otp_totp.totpdevice" and renamed.data["changes"]["name"] == [
        "authenticator", "old phone"]
    assert client.post(f"/admin/otp_totp/totpdevice/{app.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.post("/admin/otp_static/staticdevice/", {"action": "delete_selected", "_selected_action": [
        recovery.pk], "post": "yes"}).status_code == 302
    deleted = admin_records("admin.delete")
    assert [d.data["model"] for d in deleted] == ["otp_totp.totpdevice", "otp_static.staticdevice"]
    assert all(d.actor == root for d in deleted) and not second_factor.has_second_factor(alice)


def test_lifting_a_lockout_and_changing_a_membership_in_the_admin_are_recorded(root, client, platform):
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from obligations.models import Membership, Role
    from tests.conftest import make_user

    bob = make_user("bob", platform, Role.STAFF)
    for _ in range(5):
        authenticate(RequestFactory().post("/accounts/login/", {"password": "secret-guess"},
                                           REMOTE_ADDR="203.0.113.7"), username="bob", password="secret-guess")
    attempt = AccessAttempt.objects.get(username="bob")
    page = client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/")
    assert page.status_code == 200 and "203.0.113.7" in page.content.decode()
    assert "secret-guess" not in page.content.decode() and b'name="_save"' not in page.content
    assert client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    [lifted] = admin_records("admin.delete")
    assert lifted.data["model"] == "axes.accessattempt" and lifted.data["pk"] == attempt.pk
    assert not AccessAttempt.objects.exists()
    membership = Membership.objects.get(user=bob)
    response = client.post(f"/admin/obligations/membership/{membership.pk}/change/", {
        "user": bob.pk, "platform": platform.pk, "role": Role.AUDITOR, "full_name": "", "post": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    [changed] = admin_records("admin.change")
    assert changed.data["changes"]["role"] == [Role.STAFF, Role.AUDITOR] and changed.platform == platform
