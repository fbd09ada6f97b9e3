"""The second factor in a real browser: an officer's first sign-in enrols an authenticator
app (QR code and secret, a code, ten recovery codes shown once); the next sign-in asks for
a code before any page, and a recovery code works in its place once."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.models import Platform, Role
from obligations.trust.second_factor import secret_text
from tests.browser.driver import gone, logout, wait
from tests.conftest import make_user
from tests.trust.signin_support import fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PASSWORD = "Olga-密码-2026"


@pytest.fixture
def olga(db):
    platform = Platform.objects.create(slug="gamma", name="Gamma 平台")
    user = make_user("olga", platform, Role.OFFICER)
    user.set_password(PASSWORD)
    user.save()
    return user


def submit(driver, form):
    page = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(gone(page))


def password_step(driver, base, next_path="/"):
    driver.get(base + "/accounts/login/?next=" + next_path)
    form = driver.find_element(By.ID, "login-form")
    form.find_element(By.NAME, "username").send_keys("olga")
    form.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(driver, form)


def code_step(driver, code):
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "otp-verify-form")))
    form.find_element(By.NAME, "code").send_keys(code)
    submit(driver, form)


def test_an_officer_enrols_at_first_sign_in_and_then_needs_a_code(live_server, driver, olga, tmp_path):
    base = live_server.url

    # First sign-in: the password, then enrolment before anything else.
    password_step(driver, base, "/tasks/")
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "otp-enrol-form")))
    assert "/accounts/second-factor/enrol/" in driver.current_url
    qr = driver.find_element(By.ID, "totp-qr")
    assert qr.tag_name == "svg" and qr.is_displayed() and qr.size["width"] >= 150
    device = TOTPDevice.objects.get(user=olga, confirmed=False)
    assert driver.find_element(By.ID, "totp-secret").text == secret_text(device)
    driver.save_screenshot(str(tmp_path / "enrol.png"))
    # Any other page still leads back here.
    driver.get(base + "/platforms/gamma/dashboard/")
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "otp-enrol-form")))

    # The app's code, as the phone computes it from the shared key.
    form.find_element(By.NAME, "code").send_keys(f"{totp(device.bin_key):06d}")
    submit(driver, form)
    codes = [li.text for li in wait(driver).until(
        EC.presence_of_element_located((By.ID, "recovery-codes"))).find_elements(By.TAG_NAME, "li")]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert "验证器已绑定" in driver.page_source
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, "codes-continue").click()  # on to the page asked for last
    wait(driver).until(gone(page))
    assert driver.current_url == base + "/platforms/gamma/dashboard/"
    driver.get(base + "/tasks/")
    wait(driver).until(EC.presence_of_element_located((By.ID, "section-today")))
    # The codes were shown once.
    driver.get(base + "/accounts/second-factor/codes/")
    assert not driver.find_elements(By.ID, "recovery-codes")
    logout(driver)

    # The next sign-in: the password, then a code; a wrong one is refused in Chinese.
    password_step(driver, base, "/tasks/")
    code_step(driver, "000000" if fresh_code(device) != "000000" else "111111")
    assert "动态验证码不正确" in driver.find_element(By.ID, "otp-verify-form").text
    time.sleep(1.2)  # a wrong code makes the next try wait a second
    code_step(driver, fresh_code(device))
    wait(driver).until(EC.presence_of_element_located((By.ID, "section-today")))
    assert driver.current_url == base + "/tasks/"
    logout(driver)

    # Phone left at home: a recovery code instead, once.
    password_step(driver, base, "/tasks/")
    code_step(driver, codes[0])
    wait(driver).until(EC.presence_of_element_located((By.ID, "section-today")))
    assert "已使用一个恢复码,还剩 9 个" in driver.page_source
    logout(driver)
    password_step(driver, base, "/tasks/")
    code_step(driver, codes[0])
    assert "动态验证码不正确" in driver.find_element(By.ID, "otp-verify-form").text
    driver.get(base + "/tasks/")
    assert "/accounts/second-factor/verify/" in driver.current_url


def test_the_admin_asks_for_the_code_too(live_server, driver):
    root = get_user_model().objects.create_user("root", password="root-pw-2026", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=root, name="authenticator", confirmed=True)
    driver.get(live_server.url + "/admin/login/?next=/admin/")
    driver.find_element(By.NAME, "username").send_keys("root")
    driver.find_element(By.NAME, "password").send_keys("root-pw-2026")
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait(driver).until(gone(page))
    code_step(driver, fresh_code(device))
    wait(driver).until(EC.presence_of_element_located((By.ID, "site-name")))
    assert driver.current_url == live_server.url + "/admin/"
