"""A member of the public complains; staff respond; the status page and the board show it."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import Case, Platform
from tests.browser.driver import login, logout, make_driver, open_row, wait

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_public_complaint_to_response_to_status(live_server):
    cache.clear()
    demo_setup(now=timezone.now())
    driver = make_driver()
    try:
        driver.get(live_server.url + "/p/demo/complaint/")
        driver.find_element(By.NAME, "reporter_contact").send_keys("13800000000")
        driver.find_element(By.NAME, "description").send_keys("订单退款七天未到账")
        driver.find_element(By.CSS_SELECTOR, "#complaint-form button[type=submit]").click()
        number = wait(driver).until(EC.presence_of_element_located((By.ID, "case-number"))).text
        case = Case.objects.get(public_ref=number)
        assert case.number.startswith("TS-") and case.reporter_contact == "13800000000"

        login(driver, live_server.url, "staff", DEMO_PASSWORD)
        driver.get(live_server.url + "/tasks/")
        respond = next(c for c in case.clocks.all() if c.step == "respond")
        row = open_row(driver, f"occ-{respond.pk}")
        row.find_element(By.NAME, "note").send_keys("已电话联系用户,退款已重新发起")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver).until(lambda d: d.find_element(By.ID, f"occ-{respond.pk}").get_attribute("data-state") == "done")
        logout(driver)

        driver.get(live_server.url + "/p/demo/status/")
        driver.find_element(By.NAME, "number").send_keys(number)
        driver.find_element(By.NAME, "contact").send_keys("13800000000")
        driver.find_element(By.CSS_SELECTOR, "#status-form button[type=submit]").click()
        responded = wait(driver).until(EC.presence_of_element_located((By.ID, "status-responded"))).text
        respond.refresh_from_db()
        assert responded == timezone.localtime(respond.completed_at).strftime("%Y-%m-%d %H:%M")
        assert driver.find_element(By.ID, "status-decided").text == "尚未给出"

        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(live_server.url + "/cases/")
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-case="{case.number}"]')
        clock = row.find_element(By.CSS_SELECTOR, '.clock[data-step="decide"]')
        assert "剩余" in clock.text  # the decide clock is still running
        assert not row.find_elements(By.CSS_SELECTOR, '.clock[data-step="respond"]')
    finally:
        driver.quit()


def test_a_missed_clock_shows_in_red_on_the_board(live_server):
    """A complaint received two days ago, then a sweep: the board still shows its respond
    clock, missed, in red, and the row stands out; the decide clock runs on beside it."""
    from datetime import timedelta

    from obligations.cases.services import case_open
    from obligations.tasks import run_sweeps

    now = timezone.now()
    demo_setup(now=now - timedelta(days=3))
    platform = Platform.objects.get(slug="demo")
    case, _ = case_open(platform=platform, kind="complaint", description="两天前的投诉",
                        received_at=now - timedelta(days=2), now=now)
    run_sweeps(now=now)
    assert case.clocks.get(sequence=1).state == "missed"
    driver = make_driver()
    try:
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(live_server.url + "/cases/")
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-case="{case.number}"]')
        respond = row.find_element(By.CSS_SELECTOR, '.clock[data-step="respond"]')
        assert respond.get_attribute("data-state") == "missed" and "未完成" in respond.text
        assert respond.value_of_css_property("color") in ("rgba(220, 53, 69, 1)", "rgb(220, 53, 69)")
        first_cell = row.find_element(By.TAG_NAME, "td")
        assert first_cell.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"  # the row is marked
        decide = row.find_element(By.CSS_SELECTOR, '.clock[data-step="decide"]')
        assert "剩余" in decide.text and decide.get_attribute("data-breached") is None
        first = driver.find_element(By.CSS_SELECTOR, "#case-table tbody tr")
        assert first.get_attribute("data-case") == case.number  # the missed deadline comes first
    finally:
        driver.quit()
