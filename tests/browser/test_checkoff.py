"""The demo staff checks off security checks in a real browser; the officer verifies."""

import hashlib
import time
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
import time_machine
from django.utils import timezone
from selenium.webdriver.common.by import By

from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import Evidence, Occurrence
from obligations.tasks import run_sweeps as sweep
from tests.browser.driver import login, logout, make_driver, open_row, wait
from tests.conftest import PDF_BYTES

# PostgreSQL: the live server shares the database with the test across threads.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_today():
    """The demo letter signed at midnight today (Shanghai), the clock at 16:30 today:
    check 1 (due 08:00) is missed, check 2 (due 16:00) overdue, check 3 open."""
    tz = timezone.get_default_timezone()
    today = timezone.localdate(timezone.now())
    midnight = datetime.combine(today, dtime(0), tzinfo=tz)
    with time_machine.travel(midnight + timedelta(hours=16, minutes=30), tick=True):
        demo_setup(now=midnight)
        sweep(now=timezone.now())
        yield midnight


@pytest.fixture
def driver(tmp_path):
    d = make_driver(download_dir=tmp_path / "downloads")
    yield d
    d.quit()


def todays_checks(driver):
    section = driver.find_element(By.ID, "section-today")
    return section.find_elements(By.CSS_SELECTOR, 'li.task-row[data-obligation="三.2"]')


def test_staff_checks_off_two_checks_and_the_officer_downloads_the_proof(live_server, demo_today, driver, tmp_path):
    pdf = tmp_path / "巡检记录.pdf"
    pdf.write_bytes(PDF_BYTES)
    login(driver, live_server.url, "staff", DEMO_PASSWORD)
    driver.get(live_server.url + "/tasks/")
    rows = todays_checks(driver)
    assert len(rows) == 3
    driver.execute_script("window.__noReload = true")

    for row_id in [rows[1].get_attribute("id"), rows[2].get_attribute("id")]:
        row = open_row(driver, row_id)
        row.find_element(By.NAME, "note").send_keys("巡检正常")
        row.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver).until(lambda d, row_id=row_id: d.find_element(By.ID, row_id).get_attribute("data-state")
                           in ("done", "done_late"))

    assert driver.execute_script("return window.__noReload === true")  # swapped in place, no reload
    states = [r.get_attribute("data-state") for r in todays_checks(driver)]
    assert states == ["missed", "done_late", "done"]
    late_badge = todays_checks(driver)[1].find_element(By.CSS_SELECTOR, ".badge").text
    assert late_badge == "逾期完成"
    logout(driver)

    login(driver, live_server.url, "officer", DEMO_PASSWORD)
    completed = Occurrence.objects.filter(obligation__key="三.2", completed_by__username="staff")
    assert completed.count() == 2
    for occ in completed:
        driver.get(f"{live_server.url}/occurrences/{occ.pk}/")
        assert "巡检正常" in driver.find_element(By.CSS_SELECTOR, ".completion").text
        assert driver.find_element(By.CSS_SELECTOR, "code.hash").get_attribute("data-sha256") == \
            hashlib.sha256(PDF_BYTES).hexdigest()
    driver.find_element(By.CSS_SELECTOR, "a.evidence-link").click()
    target = tmp_path / "downloads" / "巡检记录.pdf"
    for _ in range(100):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.1)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == Evidence.objects.first().sha256


def test_phone_width_layout(live_server, demo_today, tmp_path):
    phone = make_driver(width=390, height=844)
    try:
        login(phone, live_server.url, "staff", DEMO_PASSWORD)
        phone.get(live_server.url + "/tasks/")
        assert len(todays_checks(phone)) == 3
        # Nothing wider than the screen; the navigation collapses behind its toggler.
        assert phone.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        assert phone.find_element(By.CSS_SELECTOR, ".navbar-toggler").is_displayed()
        open_row(phone, todays_checks(phone)[2].get_attribute("id"))
        button = todays_checks(phone)[2].find_element(By.CSS_SELECTOR, "button[type=submit]")
        note = todays_checks(phone)[2].find_element(By.NAME, "note")
        assert button.rect["width"] > 300 and button.rect["y"] > note.rect["y"]  # stacked, full width
        logout(phone)
    finally:
        phone.quit()


def test_officer_sees_own_tasks_first_then_the_platform(live_server, demo_today, driver):
    login(driver, live_server.url, "officer", DEMO_PASSWORD)
    driver.get(live_server.url + "/tasks/")
    assert todays_checks(driver) == []  # the staff's checks are not the officer's
    assert driver.find_element(By.CSS_SELECTOR, "#task-scope .active").text == "分配给我的"
    short = driver.execute_script("return document.documentElement.scrollHeight")
    driver.find_element(By.LINK_TEXT, "全平台").click()
    wait(driver).until(lambda d: "scope=all" in d.current_url)
    assert len(todays_checks(driver)) == 3
    tomorrow = driver.find_element(By.ID, "section-tomorrow")
    assert len(tomorrow.find_elements(By.CSS_SELECTOR, 'li.task-row[data-obligation="三.2"]')) == 3
    assert driver.find_element(By.CSS_SELECTOR, '[data-count="tomorrow"]').text == "3"
    assert not driver.find_elements(By.CSS_SELECTOR, "form.complete-form")  # forms come when a row opens
    assert short < 5000


def test_every_counter_moves_with_the_check_off_without_a_reload(live_server, demo_today, driver, tmp_path):
    pdf = tmp_path / "巡检记录.pdf"
    pdf.write_bytes(PDF_BYTES)
    login(driver, live_server.url, "staff", DEMO_PASSWORD)
    driver.get(live_server.url + "/tasks/")

    def counters():
        return (driver.find_element(By.CSS_SELECTOR, '[data-count="today"]').text,
                driver.find_element(By.CSS_SELECTOR, '[data-heading-count="today"]').text,
                [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-done-count="today"]')])

    assert counters() == ("3", "3", [])  # 08:00 missed, 16:00 overdue, 24:00 open: all still to do
    driver.execute_script("window.__noReload = true")
    row_id = todays_checks(driver)[2].get_attribute("id")
    row = open_row(driver, row_id)
    row.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(lambda d: d.find_element(By.ID, row_id).get_attribute("data-state") == "done")
    wait(driver).until(lambda d: counters() == ("2", "2", ["另有 1 项已完成"]))
    assert driver.execute_script("return window.__noReload === true")
    driver.refresh()  # what the page says after a reload is what it said already
    assert counters() == ("2", "2", ["另有 1 项已完成"])
