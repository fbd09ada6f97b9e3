"""Headless Debian chromium driven by Selenium against the live test server."""

import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import IN_CI


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
    if download_dir:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                                  "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    if download_dir:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    driver.implicitly_wait(0)
    return driver


def wait(driver, timeout=15):
    return WebDriverWait(driver, timeout)


def login(driver, base, username, password):
    driver.get(base + "/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "user-menu")))


def logout(driver):
    menu = driver.find_element(By.ID, "user-menu")
    if menu.is_displayed():
        menu.click()
    else:  # phone width: open the collapsed navigation first
        driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
        wait(driver).until(EC.visibility_of(menu)).click()
    wait(driver).until(EC.element_to_be_clickable((By.ID, "logout"))).click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "login-form")))
