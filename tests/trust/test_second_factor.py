"""Who must use a second factor, and the proof: enrolment, app codes taken once, recovery
codes taken once, wrong codes throttled, and the code asked again for a review signature."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from obligations.errors import DomainError
from obligations.models import Role
from obligations.oversight.reviews import review_open, review_sign
from obligations.tasks import run_sweeps
from obligations.trust import second_factor
from tests.conftest import make_user
from tests.trust.signin_support import code_of, enrolled_app, fresh_code

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def session_request(user, device=None):
    """A request of a signed-in session (verified by `device`), as the middleware sees it."""
    request = RequestFactory().post("/")
    request.session = SessionStore()
    if device is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.user = user
    OTPMiddleware(lambda r: None)._install_lazy_accessors(request)
    return request


@pytest.mark.parametrize("role,must", [(Role.OFFICER, True), (Role.SUPERVISOR, True), (Role.STAFF, False),
                                       (Role.AUDITOR, False)])
def test_officers_and_supervisors_must_use_it(platform, role, must):
    user = make_user("u", platform, role)
    assert second_factor.must_use(user) is must
    assert second_factor.pending(session_request(user).user) == (second_factor.ENROL if must else None)


def test_admin_users_must_use_it_with_or_without_a_platform(db):
    admin = get_user_model().objects.create_user("root", password="x", is_staff=True)
    assert second_factor.must_use(admin)
    assert second_factor.must_use(get_user_model().objects.create_superuser("su", password="x"))
    assert not second_factor.must_use(make_user("nobody"))


def test_a_role_on_any_platform_counts(platform):
    from obligations.models import Membership, Platform

    user = make_user("dana", platform, Role.STAFF)
    assert not second_factor.must_use(user)
    Membership.objects.create(user=user, platform=Platform.objects.create(slug="beta", name="Beta"),
                              role=Role.SUPERVISOR)
    assert second_factor.must_use(get_user_model().objects.get(pk=user.pk))  # the next request's user


def test_enrolment_confirms_the_app_verifies_the_session_and_issues_ten_recovery_codes(platform):
    user = make_user("alice", platform, Role.OFFICER)
    request = session_request(user)
    device = second_factor.enrolment_start(user)
    assert not device.confirmed and second_factor.enrolment_start(user) == device  # stable across reloads
    assert len(second_factor.secret_text(device).replace(" ", "")) == 32
    assert device.config_url.startswith("otpauth://totp/Pledge%3Aalice?secret=")
    with pytest.raises(DomainError, match="动态验证码不正确"):
        second_factor.enrolment_confirm(request, device, "000000" if code_of(device) != "000000" else "111111")
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):  # past the throttle's wait
        codes = second_factor.enrolment_confirm(request, device, code_of(device))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed and second_factor.has_second_factor(user)
    assert request.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert second_factor.recovery_codes_left(user) == 10


def test_with_an_app_the_session_owes_a_code_and_a_code_pays_it(platform):
    user = make_user("alice", platform, Role.OFFICER)
    device = enrolled_app(user)
    request = session_request(user)
    assert second_factor.pending(request.user) == second_factor.VERIFY
    assert second_factor.verify(request, fresh_code(device)) == device
    assert request.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert second_factor.pending(session_request(user, device).user) is None  # the next request of that session


def test_staff_and_auditors_may_enrol_and_then_owe_a_code_too(platform):
    user = make_user("bob", platform, Role.STAFF)
    assert second_factor.pending(session_request(user).user) is None
    enrolled_app(user)
    assert second_factor.pending(session_request(user).user) == second_factor.VERIFY


def test_an_app_code_is_taken_once(platform):
    user = make_user("alice", platform, Role.OFFICER)
    device = enrolled_app(user)
    code = code_of(device)
    second_factor.verify(session_request(user), code)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=3)):
        with pytest.raises(DomainError, match="动态验证码不正确"):
            second_factor.verify(session_request(user), code)


def test_a_recovery_code_works_once(platform):
    user = make_user("alice", platform, Role.OFFICER)
    enrolled_app(user)
    codes = second_factor.recovery_codes_renew(user)
    device = second_factor.verify(session_request(user), codes[0].upper()[:4] + " " + codes[0][4:])  # as typed
    assert device.name == second_factor.RECOVERY_NAME and second_factor.recovery_codes_left(user) == 9
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=3)):
        with pytest.raises(DomainError, match="动态验证码不正确"):
            second_factor.verify(session_request(user), codes[0])
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=10)):
        assert second_factor.verify(session_request(user), codes[1]).name == second_factor.RECOVERY_NAME


def test_new_recovery_codes_end_the_old_ones(platform):
    user = make_user("alice", platform, Role.OFFICER)
    enrolled_app(user)
    old = second_factor.recovery_codes_renew(user)
    new = second_factor.recovery_codes_renew(user)
    assert not set(old) & set(new) and second_factor.recovery_codes_left(user) == 10
    with pytest.raises(DomainError):
        second_factor.verify(session_request(user), old[0])


def test_wrong_codes_are_throttled_even_a_right_one_must_wait(platform):
    user = make_user("alice", platform, Role.OFFICER)
    device = enrolled_app(user)
    wrong = "000000" if code_of(device) != "000000" else "111111"
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        for wait in (1, 2, 4):  # after n wrong codes the next try waits 2^(n-1) seconds
            with pytest.raises(DomainError, match="动态验证码不正确"):
                second_factor.verify(session_request(user), wrong)
            with pytest.raises(DomainError, match="错误次数过多,请 %d 秒后再试" % wait):
                second_factor.verify(session_request(user), code_of(device))  # even the right one
            clock.shift(timedelta(seconds=wait))
        assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 3
        assert second_factor.verify(session_request(user), code_of(device)) == device
        assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 0


def test_a_stolen_password_does_not_replace_the_app(platform):
    user = make_user("alice", platform, Role.OFFICER)
    device = enrolled_app(user)
    request = session_request(user)
    assert not second_factor.may_enrol(request.user)
    with pytest.raises(DomainError):
        second_factor.enrolment_start(request.user)
    second_factor.verify(request, fresh_code(device))
    assert second_factor.may_enrol(request.user)  # verified with the old app: may replace it


def test_replacing_the_app_removes_the_old_one(platform):
    user = make_user("alice", platform, Role.OFFICER)
    old = enrolled_app(user)
    request = session_request(user)
    second_factor.verify(request, fresh_code(old))
    new = second_factor.enrolment_start(request.user)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1)):
        second_factor.enrolment_confirm(request, new, code_of(new))
    assert list(TOTPDevice.objects.filter(user=user)) == [new]
    assert request.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(pk=new.pk).persistent_id


def test_code_accepted_is_true_without_an_app_and_needs_the_right_code_with_one(platform):
    user = make_user("sue", platform, Role.SUPERVISOR)
    assert second_factor.code_accepted(user, "")
    device = enrolled_app(user)
    assert not second_factor.code_accepted(user, "")
    assert not second_factor.code_accepted(user, second_factor.recovery_codes_renew(user)[0])  # app codes only
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=3)):
        assert second_factor.code_accepted(user, fresh_code(device))


@pytest.fixture
def quarter(signed_letter):
    run_sweeps(now=datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    review, _ = review_open(platform=signed_letter.platform, year=2026, quarter=4,
                            now=datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    return review


def test_the_review_signature_refuses_a_wrong_code_and_counts_it(quarter):
    sue = make_user("sue", quarter.platform, Role.SUPERVISOR)
    device = enrolled_app(sue)
    wrong = "000000" if code_of(device) != "000000" else "111111"
    with pytest.raises(DomainError, match="动态验证码不正确") as refused:
        review_sign(review=quarter, user=sue, password="pw-sue", otp_code=wrong, now=NOW)
    assert refused.value.field == "otp"
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1  # not undone with the signing
    with pytest.raises(DomainError, match="动态验证码不正确"):
        review_sign(review=quarter, user=sue, password="pw-sue", otp_code=None, now=NOW)
    with pytest.raises(DomainError, match="密码不正确"):  # the password is still asked first
        review_sign(review=quarter, user=sue, password="wrong", otp_code=code_of(device), now=NOW)
    assert not quarter.signatures.exists()


def test_the_review_signature_with_the_right_code_reaches_the_review(quarter):
    sue = make_user("sue", quarter.platform, Role.SUPERVISOR)
    device = enrolled_app(sue)
    # The right password and code: the signing itself runs (and says what still stops it).
    with pytest.raises(DomainError, match="没有说明"):
        review_sign(review=quarter, user=sue, password="pw-sue", otp_code=fresh_code(device), now=NOW)
    assert TOTPDevice.objects.get(pk=device.pk).last_t >= 0


def test_recovery_codes_are_kept_only_as_keyed_hashes(platform, settings):
    from importlib import import_module

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticToken

    user = make_user("alice", platform, Role.OFFICER)
    enrolled_app(user)
    codes = second_factor.recovery_codes_renew(user)
    kept = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(kept) == 10 and not kept & set(codes)  # the database never holds a code
    # A new SECRET_KEY with the old one as a fallback: the codes still work.
    settings.SECRET_KEY_FALLBACKS, settings.SECRET_KEY = [settings.SECRET_KEY], "a-new-key-" + "x" * 50
    assert second_factor.verify(session_request(user), codes[0]).name == second_factor.RECOVERY_NAME
    # Codes kept in plain text before migration 0018 are hashed by it, and keep working.
    settings.SECRET_KEY_FALLBACKS = []
    device = StaticToken.objects.filter(device__user=user).first().device
    device.token_set.all().delete()
    StaticToken.objects.create(device=device, token="abcd2345")
    migration = import_module("obligations.migrations.0018_hashed_recovery_codes")
    migration.hash_plain_codes(apps, None)
    migration.hash_plain_codes(apps, None)  # twice: a hash is not hashed again
    assert device.token_set.get().token == second_factor.recovery_hash("abcd2345")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=10)):
        assert second_factor.verify(session_request(user), "ABCD 2345").name == second_factor.RECOVERY_NAME
