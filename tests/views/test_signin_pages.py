"""Signing in through the pages: lockout of the login and the admin login, password reset
mails capped, weak passwords refused, the second factor (enrolment, codes, recovery codes,
who is sent where), the review signature's code, session limits, and the calendar link
ended by a new password."""

import re
import runpy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from obligations.models import CalendarFeed, Role
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from obligations.trust import second_factor
from tests.conftest import make_user
from tests.trust.signin_support import code_of, enrolled_app, fresh_code, verify_with_app

User = get_user_model()
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def axes(db, settings):
    """Five failures, fifteen minutes; no lockout record leaks into another test."""
    settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME = 5, timedelta(minutes=15)
    axes_reset()
    yield
    axes_reset()


def signed_in(client):
    return SESSION_KEY in client.session


def post_login(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


# --- lockout ------------------------------------------------------------------------------

def test_the_login_locks_after_five_failures_and_opens_after_the_cool_off(client, staff):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            response = post_login(client, "bob", "wrong")
            assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
        locked = post_login(client, "bob", "wrong")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "暂时无法登录" in page and "15 分钟后再试" in page and 'id="locked-out"' in page
        assert post_login(client, "bob", "pw-bob").status_code == 429  # the right password, refused
        assert not signed_in(client)
        clock.shift(timedelta(minutes=15, seconds=1))
        response = post_login(client, "bob", "pw-bob")
        assert response.status_code == 302 and signed_in(client)


def test_sixty_wrong_passwords_then_the_right_one_do_not_sign_in(client, staff):
    with time_machine.travel(T0, tick=False):
        statuses = {post_login(client, "bob", f"guess-{i}").status_code for i in range(60)}
        assert statuses == {200, 429}
        assert post_login(client, "bob", "pw-bob").status_code == 429 and not signed_in(client)


def test_a_success_before_the_limit_forgets_the_failures(client, staff):
    for _ in range(4):
        post_login(client, "bob", "wrong")
    assert post_login(client, "bob", "pw-bob").status_code == 302
    client.logout()
    for _ in range(4):
        assert post_login(client, "bob", "wrong").status_code == 200
    assert post_login(client, "bob", "pw-bob").status_code == 302


def test_the_admin_login_locks_too(client, db):
    User.objects.create_user("root", password="root-pw-2026", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            assert post_login(client, "root", "wrong", url).status_code == 200
        locked = post_login(client, "root", "wrong", url)
        assert locked.status_code == 429 and "15 分钟后再试" in locked.content.decode()
        assert reverse("admin:login") in locked.content.decode()  # back to the admin's login
        assert post_login(client, "root", "root-pw-2026", url).status_code == 429 and not signed_in(client)
        clock.shift(timedelta(minutes=16))
        assert post_login(client, "root", "root-pw-2026", url).status_code == 302 and signed_in(client)
        # An admin user then owes the second factor before any admin page.
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("second-factor-enrol"))


def test_the_lockout_page_says_a_reset_unlocks_and_a_reset_does(client, staff):
    """Issue 22: the page said a password reset unlocks; it did not (only the admin could)."""
    staff.email = "bob@example.com"
    staff.save()
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            locked = post_login(client, "bob", "wrong")
        page = locked.content.decode()
        assert locked.status_code == 429 and 'data-reason="pair"' in page and 'id="reset-unlocks"' in page
        assert "重新计时" not in page  # a try during the lockout no longer extends it
        client.post(reverse("password_reset"), {"email": "bob@example.com"})
        [message] = mail.outbox
        link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
        form = client.get(link)["Location"]
        done = client.post(form, {"new_password1": "Bob-新密码-2026-冬", "new_password2": "Bob-新密码-2026-冬"})
        assert done.status_code == 302
        response = post_login(client, "bob", "Bob-新密码-2026-冬")  # at once, from the same address
        assert response.status_code == 302 and signed_in(client)


def test_a_user_names_wait_is_told_in_seconds_in_the_readers_language(client, staff):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            post_login(client, "bob", "wrong")
        client.cookies["django_language"] = "en"
        waiting = client.post(LOGIN, {"username": "bob", "password": "pw-bob"}, REMOTE_ADDR="198.51.100.2")
        page = waiting.content.decode()
        assert waiting.status_code == 429 and 'data-reason="name"' in page
        assert "Please try again in 1 second." in page and "not checked" in page
        clock.shift(timedelta(seconds=1))
        assert client.post(LOGIN, {"username": "bob", "password": "pw-bob"},
                           REMOTE_ADDR="198.51.100.2").status_code == 302


def project_settings(monkeypatch, **env):
    """compliance/settings.py as it reads this environment (run apart from the live settings)."""
    for name in ("PLEDGE_LOGIN_FAILURES", "PLEDGE_LOCKOUT_MINUTES", "PLEDGE_SESSION_HOURS",
                 "PLEDGE_SESSION_IDLE_MINUTES", "PLEDGE_LOGIN_FAILURES_PER_ADDRESS", "PLEDGE_LOGIN_DELAY_MAX_SECONDS",
                 "PLEDGE_SIGNIN_WINDOW_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "compliance" / "settings.py"))


def test_the_lockout_settings_come_from_the_environment(monkeypatch):
    defaults = project_settings(monkeypatch)
    assert defaults["AXES_FAILURE_LIMIT"] == 5 and defaults["AXES_COOLOFF_TIME"] == timedelta(minutes=15)
    assert defaults["AXES_HTTP_RESPONSE_CODE"] == 429
    assert defaults["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]  # together, not each on its own
    assert not defaults["AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT"]
    assert (defaults["PLEDGE_LOGIN_FAILURES_PER_ADDRESS"], defaults["PLEDGE_LOGIN_DELAY_MAX_SECONDS"],
            defaults["PLEDGE_SIGNIN_WINDOW_MINUTES"]) == (20, 300, 15)
    chosen = project_settings(monkeypatch, PLEDGE_LOGIN_FAILURES="8", PLEDGE_LOCKOUT_MINUTES="60",
                              PLEDGE_LOGIN_FAILURES_PER_ADDRESS="50", PLEDGE_LOGIN_DELAY_MAX_SECONDS="120",
                              PLEDGE_SIGNIN_WINDOW_MINUTES="60")
    assert chosen["AXES_FAILURE_LIMIT"] == 8 and chosen["AXES_COOLOFF_TIME"] == timedelta(hours=1)
    assert (chosen["PLEDGE_LOGIN_FAILURES_PER_ADDRESS"], chosen["PLEDGE_LOGIN_DELAY_MAX_SECONDS"],
            chosen["PLEDGE_SIGNIN_WINDOW_MINUTES"]) == (50, 120, 60)


# --- password reset and password strength --------------------------------------------------

def test_password_reset_mails_are_capped(client, staff, settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 3, 10
    staff.email = "bob@example.com"
    staff.save()
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "bob@example.com"}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "bob@example.com"})
    assert refused.status_code == 429
    assert "该邮箱一小时内已申请过 3 次找回密码" in refused.content.decode()
    assert 'id="password-reset-refused"' in refused.content.decode()
    assert len(mail.outbox) == 3


def test_password_reset_requests_are_capped_per_client_address(client, staff, settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 3, 5
    for i in range(5):
        assert client.post(reverse("password_reset"), {"email": f"x{i}@example.com"}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "y@example.com"})
    assert refused.status_code == 429 and "找回密码的申请过于频繁" in refused.content.decode()
    other = client.post(reverse("password_reset"), {"email": "y@example.com"}, REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


def test_an_account_gets_its_share_of_mails_however_its_address_is_spelled(client, staff, settings):
    settings.PLEDGE_RESET_MAILS_PER_ACCOUNT, settings.PLEDGE_RESET_MAILS_PER_ADDRESS = 2, 10
    staff.email = "bob@example.com"
    staff.save()
    for spelling in ["bob@example.com", "BOB@example.com", "Bob@Example.com"]:
        client.post(reverse("password_reset"), {"email": spelling})
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("password,says", [("qqqqqqqqq", "至少要包含 12 个字符"),
                                           ("qqqqqqqqqqqq", "不同的字符太少"),
                                           ("123456789012", "密码只包含数字"),
                                           ("password1234", "太常见")])
def test_weak_passwords_are_refused_in_chinese(client, staff, password, says):
    client.force_login(staff)
    response = client.post(reverse("password_change"), {
        "old_password": "pw-bob", "new_password1": password, "new_password2": password})
    assert response.status_code == 200 and says in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password("pw-bob")


# --- the second factor ---------------------------------------------------------------------

@pytest.fixture
def public_platform(platform):
    platform.public_intake = True
    platform.save()
    return platform


@pytest.mark.parametrize("url", ["/", "/tasks/", "/cases/", "/notifications/", "/calendar-feed/",
                                 "/platforms/alpha/letter/", "/platforms/alpha/dashboard/",
                                 "/accounts/password_change/", "/accounts/second-factor/"])
def test_an_officer_without_a_second_factor_is_sent_to_enrolment_on_every_page(client, officer, url):
    assert client.login(username="alice", password="pw-alice")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("second-factor-enrol") + "?next=" + url.replace("/", "%2F")


def test_unverified_sessions_still_reach_logout_language_and_public_pages(client, officer, public_platform):
    assert client.login(username="alice", password="pw-alice")
    assert client.get(reverse("public-complaint", args=["alpha"])).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.get(reverse("second-factor-enrol")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and not signed_in(client)


def test_htmx_requests_are_sent_with_a_header(client, officer):
    assert client.login(username="alice", password="pw-alice")
    response = client.get("/tasks/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("second-factor-enrol"))


def test_enrolment_through_the_pages(client, officer):
    assert client.login(username="alice", password="pw-alice")
    page = client.get(reverse("second-factor-enrol") + "?next=/tasks/")
    html = page.content.decode()
    assert page.status_code == 200 and "绑定验证器" in html and "须使用两步验证" in html
    assert re.search(r'<svg width="200" height="200" viewBox="0 0 [\d.]+ [\d.]+" role="img" id="totp-qr"', html)
    assert re.search(r'<path d="M[\d.,MHVz]+" fill="#000"/></svg>', html)  # drawn inline
    assert "<script>" not in html and not re.search(r'<img[^>]+src="https?:', html)
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert second_factor.secret_text(device) in html
    wrong = "000000" if code_of(device) != "000000" else "111111"
    refused = client.post(reverse("second-factor-enrol"), {"code": wrong, "next": "/tasks/"})
    assert refused.status_code == 200 and "动态验证码不正确" in refused.content.decode()
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):
        done = client.post(reverse("second-factor-enrol"), {"code": code_of(device), "next": "/tasks/"})
    assert done.status_code == 302 and done["Location"] == reverse("second-factor-codes") + "?next=%2Ftasks%2F"
    shown = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert len(codes) == 10 and 'href="/tasks/"' in shown
    assert "<code>" not in client.get(done["Location"]).content.decode()  # shown once
    assert client.get("/tasks/").status_code == 200  # the session is verified


def test_a_login_with_an_app_asks_for_its_code(client, officer):
    device = enrolled_app(officer)
    assert client.login(username="alice", password="pw-alice")
    response = client.get("/tasks/")
    assert response["Location"] == reverse("second-factor-verify") + "?next=%2Ftasks%2F"
    assert client.get(reverse("second-factor-enrol"))["Location"].startswith(reverse("second-factor-verify"))
    page = client.get(response["Location"]).content.decode()
    assert 'id="otp-verify-form"' in page and "恢复码" in page
    wrong = client.post(reverse("second-factor-verify"), {"code": "12345x", "next": "/tasks/"})
    assert "动态验证码不正确" in wrong.content.decode()
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):
        ok = client.post(reverse("second-factor-verify"), {"code": fresh_code(device), "next": "/tasks/"})
    assert ok.status_code == 302 and ok["Location"] == "/tasks/"
    assert client.get("/tasks/").status_code == 200


def test_the_code_page_does_not_send_elsewhere(client, officer):
    device = enrolled_app(officer)
    assert client.login(username="alice", password="pw-alice")
    response = client.post(reverse("second-factor-verify"), {"code": fresh_code(device),
                                                             "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_recovery_code_works_once(client, officer):
    enrolled_app(officer)
    codes = second_factor.recovery_codes_renew(officer)
    assert client.login(username="alice", password="pw-alice")
    response = client.post(reverse("second-factor-verify"), {"code": codes[0], "next": "/tasks/"}, follow=True)
    assert response.status_code == 200 and "已使用一个恢复码,还剩 9 个" in response.content.decode()
    client.logout()
    assert client.login(username="alice", password="pw-alice")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):
        again = client.post(reverse("second-factor-verify"), {"code": codes[0], "next": "/tasks/"})
    assert again.status_code == 200 and "动态验证码不正确" in again.content.decode()
    assert client.get("/tasks/").status_code == 302


def test_staff_and_auditors_may_go_without_or_enrol(client, staff):
    assert client.login(username="bob", password="pw-bob")
    assert client.get("/tasks/").status_code == 200
    overview = client.get(reverse("second-factor")).content.decode()
    assert 'id="second-factor-off"' in overview and "尚未绑定验证器" in overview
    assert "须使用两步验证" not in client.get(reverse("second-factor-enrol")).content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    client.post(reverse("second-factor-enrol"), {"code": code_of(device)})
    client.logout()
    assert client.login(username="bob", password="pw-bob")
    assert client.get("/tasks/")["Location"].startswith(reverse("second-factor-verify"))


def test_new_recovery_codes_from_the_overview(client, officer):
    enrolled_app(officer)
    old = second_factor.recovery_codes_renew(officer)
    assert client.login(username="alice", password="pw-alice")
    assert client.post(reverse("second-factor-codes"))["Location"].startswith(reverse("second-factor-verify"))
    verify_with_app(client, officer)
    assert "剩余恢复码:10 个" in client.get(reverse("second-factor")).content.decode()
    response = client.post(reverse("second-factor-codes"), follow=True)
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)


def test_the_admin_needs_the_second_factor(client, db):
    root = User.objects.create_user("root", password="root-pw-2026", is_staff=True, is_superuser=True)
    device = enrolled_app(root)
    assert client.login(username="root", password="root-pw-2026")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("second-factor-verify") + "?next=%2Fadmin")
    client.post(reverse("second-factor-verify"), {"code": fresh_code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


# --- the review signature --------------------------------------------------------------------

@pytest.fixture
def review(signed_letter):
    run_sweeps(now=datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    review, _ = review_open(platform=signed_letter.platform, year=2026, quarter=4,
                            now=datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
    return review


def test_the_review_signature_asks_for_the_code_and_refuses_a_wrong_one(client, review):
    sue = make_user("sue", review.platform, Role.SUPERVISOR)
    device = enrolled_app(sue)
    assert client.login(username="sue", password="pw-sue")
    verify_with_app(client, sue)
    page = client.get(reverse("review-detail", args=[review.pk])).content.decode()
    assert 'name="otp"' in page and "动态验证码" in page
    missing = client.post(reverse("review-sign", args=[review.pk]), {"password": "pw-sue"}, follow=True)
    assert "请输入验证器显示的 6 位动态验证码" in missing.content.decode()
    wrong = "000000" if code_of(device) != "000000" else "111111"
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):
        response = client.post(reverse("review-sign", args=[review.pk]), {"password": "pw-sue", "otp": wrong},
                               follow=True)
    assert "动态验证码不正确" in response.content.decode()
    assert not review.signatures.exists()


def test_without_an_app_the_signature_form_has_no_code_field(client, review):
    sue = make_user("sue", review.platform, Role.SUPERVISOR)
    client.force_login(sue)
    assert 'name="otp"' not in client.get(reverse("review-detail", args=[review.pk])).content.decode()


# --- session limits ---------------------------------------------------------------------------

def test_an_idle_session_ends_after_thirty_minutes(client, staff):
    with time_machine.travel(T0, tick=False) as clock:
        assert client.login(username="bob", password="pw-bob")
        clock.shift(timedelta(minutes=29))
        assert client.get("/tasks/").status_code == 200
        clock.shift(timedelta(minutes=29))  # 58 minutes signed in, 29 idle
        assert client.get("/tasks/").status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/tasks/")
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert not signed_in(client)
        assert "长时间未操作,已自动退出" in client.get(response["Location"]).content.decode()


def test_a_busy_session_ends_twelve_hours_after_sign_in(client, staff):
    with time_machine.travel(T0, tick=False) as clock:
        assert client.login(username="bob", password="pw-bob")
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            assert client.get("/tasks/").status_code == 200
        clock.shift(timedelta(minutes=1))
        response = client.get("/tasks/")
        assert response.status_code == 302 and not signed_in(client)
        assert "登录已超过 12 小时" in client.get(response["Location"]).content.decode()


def test_the_session_limits_come_from_the_environment(monkeypatch):
    defaults = project_settings(monkeypatch)
    assert defaults["SESSION_COOKIE_AGE"] == 12 * 3600 and defaults["PLEDGE_SESSION_IDLE_SECONDS"] == 30 * 60
    chosen = project_settings(monkeypatch, PLEDGE_SESSION_HOURS="8", PLEDGE_SESSION_IDLE_MINUTES="10")
    assert chosen["SESSION_COOKIE_AGE"] == 8 * 3600 and chosen["PLEDGE_SESSION_IDLE_SECONDS"] == 600


def test_the_idle_limit_follows_the_setting(client, staff, settings):
    settings.PLEDGE_SESSION_IDLE_SECONDS = 10 * 60
    with time_machine.travel(T0, tick=False) as clock:
        assert client.login(username="bob", password="pw-bob")
        clock.shift(timedelta(minutes=10, seconds=1))
        assert client.get("/tasks/").status_code == 302 and not signed_in(client)


# --- the calendar link and a new password ---------------------------------------------------

def feed_link(client, user):
    client.force_login(user)
    client.post(reverse("calendar-feed"), {"renew": "1"})
    client.logout()
    return reverse("calendar-feed-ics", args=[CalendarFeed.objects.get(user=user, revoked_at__isnull=True).token])


def test_an_old_feed_link_stops_working_after_a_password_change(client, staff, signed_letter):
    old = feed_link(client, staff)
    assert client.get(old).status_code == 200
    client.force_login(staff)
    response = client.post(reverse("password_change"), {
        "old_password": "pw-bob", "new_password1": "Bob-新密码-2026-秋", "new_password2": "Bob-新密码-2026-秋"})
    assert response.status_code == 302
    client.logout()
    assert client.get(old).status_code == 404
    new = CalendarFeed.objects.get(user=staff, revoked_at__isnull=True)
    assert client.get(reverse("calendar-feed-ics", args=[new.token])).status_code == 200


def test_an_old_feed_link_stops_working_after_a_password_reset(client, staff, signed_letter):
    staff.email = "bob@example.com"
    staff.save()
    old = feed_link(client, staff)
    client.post(reverse("password_reset"), {"email": "bob@example.com"})
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    form = client.get(link)["Location"]
    done = client.post(form, {"new_password1": "Bob-新密码-2026-冬", "new_password2": "Bob-新密码-2026-冬"})
    assert done.status_code == 302
    assert client.get(old).status_code == 404
    assert CalendarFeed.objects.filter(user=staff, revoked_at__isnull=True).count() == 1



def test_the_demo_logins_work_and_the_demo_officer_enrols_at_first_sign_in(client, db):
    from obligations.demo import DEMO_PASSWORD, demo_setup

    demo_setup(now=T0)
    for username, first in [("staff", 200), ("auditor", 200), ("officer", 302), ("supervisor", 302)]:
        response = post_login(client, username, DEMO_PASSWORD)
        assert response.status_code == 302, username
        page = client.get("/tasks/")
        assert page.status_code == first, username
        if first == 302:
            assert page["Location"].startswith(reverse("second-factor-enrol"))
        client.post(reverse("logout"))
