"""A site administrator creates a platform and invites its officer in a real browser; the
officer registers through the invitation's link, invites two people (one signs in and
accepts, the other's invitation is withdrawn) and manages the members."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from obligations.models import AuditEvent, Membership, Platform, Role
from tests.browser.driver import gone, login, logout, wait
from tests.conftest import make_user
from tests.trust.people_support import make_site_admin

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/invitations/\S+/")
User = get_user_model()


def row(driver, username):
    return driver.find_element(By.CSS_SELECTOR, f'#member-table tr[data-username="{username}"]')


def submit(driver, button):
    """Click and wait for the next page (the old one goes stale)."""
    page = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait(driver).until(gone(page))


def alert(driver, kind):
    return wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, f".alert-{kind}"))).text


def invitation_link(email):
    return LINK.search(next(m for m in mail.outbox if m.to == [email]).body).group(0)


def invite(driver, email, role):
    form = driver.find_element(By.ID, "member-invite-form")
    form.find_element(By.NAME, "invite-email").send_keys(email)
    Select(form.find_element(By.NAME, "invite-role")).select_by_value(role)
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert f"已向 {email} 发出邀请" in alert(driver, "success")
    invited = driver.find_element(By.CSS_SELECTOR, f'#invitation-table tr[data-email="{email}"]')
    assert invited.get_attribute("data-role") == role


def register(driver, link, username, password):
    """An invitee without an account opens the link, chooses a username and password, and is
    sent to sign in."""
    driver.get(link)
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "invitation-account-form")))
    form.find_element(By.NAME, "account-username").send_keys(username)
    form.find_element(By.NAME, "account-password1").send_keys(password)
    form.find_element(By.NAME, "account-password2").send_keys(password)
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert f"账号 {username} 已创建" in alert(driver, "success")
    assert driver.find_elements(By.ID, "login-form")


def test_site_admin_creates_a_platform_and_the_invited_officer_manages_members(live_server, driver, settings):
    settings.PLEDGE_SITE_URL = live_server.url  # where the invitation's link points
    make_site_admin("root", password="root-pw-2026")
    make_user("eve")
    base = live_server.url

    # The site administrator: a new platform, its officer invited by email.
    login(driver, base, "root", "root-pw-2026")
    driver.get(base + "/")
    driver.find_element(By.ID, "platform-new-link").click()
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "platform-form")))
    form.find_element(By.NAME, "name").send_keys("Gamma 平台")
    form.find_element(By.NAME, "slug").send_keys("gamma")
    assert Select(form.find_element(By.NAME, "template")).first_selected_option.get_attribute("value") \
        == "platform-operation-1"
    timezone = Select(form.find_element(By.NAME, "timezone"))
    assert timezone.first_selected_option.get_attribute("value") == "Asia/Shanghai"
    timezone.select_by_value("Asia/Urumqi")
    form.find_element(By.NAME, "officer_email").send_keys("olga@example.com")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "平台“Gamma 平台”已创建" in alert(driver, "success")
    assert driver.find_element(By.CSS_SELECTOR, '#invitation-table tr[data-email="olga@example.com"]') \
        .get_attribute("data-role") == "officer"
    assert not driver.find_elements(By.CSS_SELECTOR, "#member-table tr[data-username]")
    logout(driver)
    gamma = Platform.objects.get(slug="gamma")
    assert gamma.timezone == "Asia/Urumqi"

    # Olga follows her invitation, registers and signs in (enrolling her authenticator app).
    register(driver, invitation_link("olga@example.com"), "olga", "Olga-密码-2026")
    login(driver, base, "olga", "Olga-密码-2026")

    # The officer invites Eve (who has an account) and Sam.
    driver.get(base + "/platforms/gamma/members/")
    invite(driver, "eve@example.com", "auditor")
    invite(driver, "sam@example.com", "staff")
    logout(driver)

    # Eve opens the link from her mail, signs in and accepts.
    driver.get(invitation_link("eve@example.com"))
    driver.find_element(By.ID, "invitation-login").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "login-form")))
    driver.find_element(By.NAME, "username").send_keys("eve")
    driver.find_element(By.NAME, "password").send_keys("pw-eve")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]"))
    accept = wait(driver).until(EC.presence_of_element_located((By.ID, "invitation-accept-form")))
    assert "eve" in accept.text
    submit(driver, accept.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "您已加入平台“Gamma 平台”" in alert(driver, "success")
    logout(driver)

    # The officer sees Eve as a member and Sam's invitation pending: she withdraws it, changes
    # Eve's role, is kept as the last officer, and removes Eve.
    login(driver, base, "olga", "Olga-密码-2026")
    driver.get(base + "/platforms/gamma/members/")
    assert {r.get_attribute("data-username"): r.get_attribute("data-role")
            for r in driver.find_elements(By.CSS_SELECTOR, "#member-table tbody tr[data-username]")} == \
        {"olga": "officer", "eve": "auditor"}
    pending = driver.find_element(By.CSS_SELECTOR, '#invitation-table tr[data-email="sam@example.com"]')
    submit(driver, pending.find_element(By.CSS_SELECTOR, ".revoke-invitation button"))
    assert "已撤销发给 sam@example.com 的邀请" in alert(driver, "success")
    assert not driver.find_elements(By.CSS_SELECTOR, "#invitation-table tr[data-email]")
    driver.get(invitation_link("sam@example.com"))
    assert "已被撤销" in wait(driver).until(EC.presence_of_element_located((By.ID, "invitation-refused"))).text
    driver.get(base + "/platforms/gamma/members/")
    eve = row(driver, "eve")
    Select(eve.find_element(By.TAG_NAME, "select")).select_by_value("supervisor")
    submit(driver, eve.find_element(By.CSS_SELECTOR, ".role-form button"))
    assert "eve 的角色已改为监督小组成员" in alert(driver, "success")
    assert row(driver, "eve").get_attribute("data-role") == "supervisor"

    olga = row(driver, "olga")
    olga.find_element(By.CSS_SELECTOR, "details.remove-member summary").click()
    submit(driver, wait(driver).until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, "#member-table tr[data-username=olga] details form button"))))
    message = alert(driver, "danger")
    assert "唯一的合规负责人" in message and "四.2" in message
    assert row(driver, "olga").get_attribute("data-role") == "officer"

    eve = row(driver, "eve")
    eve.find_element(By.CSS_SELECTOR, "details.remove-member summary").click()
    submit(driver, wait(driver).until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, "#member-table tr[data-username=eve] details form button"))))
    assert "已将 eve 移出本平台" in alert(driver, "success")
    assert not driver.find_elements(By.CSS_SELECTOR, '#member-table tr[data-username="eve"]')

    assert dict(Membership.objects.filter(platform=gamma).values_list("user__username", "role")) == \
        {"olga": Role.OFFICER}
    assert User.objects.filter(username="eve").exists()
    assert [(e.action, e.actor.username) for e in AuditEvent.objects.filter(platform=gamma).order_by("id")] == [
        ("platform.create", "root"), ("membership.invite", "root"), ("membership.accept", "olga"),
        ("membership.invite", "olga"), ("membership.invite", "olga"), ("membership.accept", "eve"),
        ("membership.invite_revoke", "olga"), ("membership.role", "olga"), ("membership.remove", "olga")]


def test_an_officer_who_is_not_site_admin_gets_403(live_server, driver):
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台")
    officer = make_user("alice", platform, Role.OFFICER)
    officer.set_password("alice-pw-2026")
    officer.save()
    login(driver, live_server.url, "alice", "alice-pw-2026")
    driver.get(live_server.url + "/platforms/new/")
    assert not driver.find_elements(By.ID, "platform-form")
    assert "403" in driver.page_source or "Forbidden" in driver.page_source
    assert not driver.find_elements(By.ID, "platform-switcher")  # one platform, not the site admin
    assert Platform.objects.count() == 1
