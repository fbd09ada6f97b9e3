"""Headless Debian chromium driven by Selenium against the live test server."""

import shutil
import tempfile
import time

import pytest
from django.contrib.auth import get_user_model
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from obligations.trust.second_factor import has_second_factor, must_use
from tests.conftest import IN_CI
from tests.trust.signin_support import code_of, enrolled_app, fresh_code


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        if IN_CI:
            pytest.fail("CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)")
        pytest.skip("chromium and chromedriver are not installed")
    return browser, driver


def make_driver(width=1280, height=900, download_dir=None):
    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", f"--window-size={width},{height}",
                f"--user-data-dir={tempfile.mkdtemp(prefix='pledge-chrome-')}"):
        options.add_argument(arg)
    # The console is kept, so a test can read what the browser refused (CSP violations).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if download_dir:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    if download_dir:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    driver.implicitly_wait(0)
    return driver


def wait(driver, timeout=15):
    # A condition that reads an element of a page being replaced (after a click that submits)
    # meets a stale element: the new page is not there yet, so it is tried again, not failed.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def click(driver, element):
    """Scroll at once, then click: Bootstrap scrolls smoothly, and a click aimed while the page
    still moves lands on another element (or one below the fold is not clickable)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def next_step_code(device):
    """A code of a 30-second step after the one the sign-in used: a code is taken once."""
    device.refresh_from_db()
    while int((time.time() - device.t0) // device.step) <= device.last_t:
        time.sleep(0.5)
    return code_of(device)


def sign_review(driver, base, review, user, password):
    """The signed-in `user` signs `review` on its page: the signature re-asks for the password
    and a fresh second-factor code."""
    driver.get(f"{base}/reviews/{review.pk}/")
    form = driver.find_element(By.ID, "sign-form")
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.NAME, "otp").send_keys(next_step_code(enrolled_app(user)))
    click(driver, driver.find_element(By.ID, "review-sign"))


def login(driver, base, username, password, *, second_factor=True):
    """Sign in through the login page. An officer, supervisor or admin user (or anyone with an
    authenticator app) then enters a code: unless `second_factor` is False, the user gets an
    enrolled app first if they have none (tests/trust/signin_support.py), and its code is
    typed on the code page. tests/browser/test_totp.py enrols through the pages instead."""
    device = None
    user = get_user_model().objects.filter(username=username).first()
    if second_factor and user is not None and (must_use(user) or has_second_factor(user)):
        device = enrolled_app(user)
    driver.get(base + "/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    if device is not None:
        enter_code(driver, fresh_code(device))
    wait(driver).until(EC.presence_of_element_located((By.ID, "user-menu")))


def gone(element):
    """A wait condition: the element has left the page (a new page replaced it). Chromium may
    report a node of a page being replaced as "does not belong to the document" rather than
    as stale; both mean the old page is gone."""
    def _gone(_driver):
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False
    return _gone


def enter_code(driver, code):
    """On the code page: type the code and wait until a page past it shows."""
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "otp-verify-form")))
    form.find_element(By.NAME, "code").send_keys(code)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(gone(form))
    wait(driver).until(lambda d: "/second-factor/" not in d.current_url)


def open_row(driver, row_id):
    """On My tasks: open a task's row (its form is fetched then) and return the row with its form."""
    driver.find_element(By.ID, row_id).find_element(By.CSS_SELECTOR, ".open-complete").click()
    # One selector for the row and its form: htmx swaps the row out, so a row found first may be gone
    # before its form is looked up inside it.
    return wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"[id='{row_id}'] form.complete-form")
                              and d.find_element(By.ID, row_id))


def logout(driver):
    menu = driver.find_element(By.ID, "user-menu")
    if menu.is_displayed():
        menu.click()
    else:  # phone width: open the collapsed navigation first
        driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
        wait(driver).until(EC.visibility_of(menu)).click()
    wait(driver).until(EC.element_to_be_clickable((By.ID, "logout"))).click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "login-form")))
