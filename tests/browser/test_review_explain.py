"""The officer explains a quarter's exceptions in a real browser: a filter ticks the waiting
ones it picks, one box is unticked, one explanation saves the rest, and the list answers in
place with the waiting ones first."""

from datetime import UTC, datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from obligations.models import ReviewExplanation
from obligations.oversight.review_snapshot import exceptions
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from tests.browser.driver import login, wait

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AFTER_Q4 = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)


def ticked(driver):
    return [int(box.get_attribute("value"))
            for box in driver.find_elements(By.CSS_SELECTOR, "#explain-form input[name=occurrence]:checked")]


def test_officer_explains_one_days_missed_checks_at_once(live_server, signed_letter, officer, driver):
    officer.set_password("pw-alice-long-enough")
    officer.save()
    run_sweeps(now=datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    review, _ = review_open(platform=signed_letter.platform, year=2026, quarter=4, now=AFTER_Q4)
    rows = exceptions(review)
    waiting_before = len(rows)
    day = [e["occurrence"] for e in rows if e["clause"] == "三.2" and e["kind"] == "missed"
           and "2026-11-05T" in e["due_at"] and not e["due_at"].endswith("00:00:00+08:00")]
    assert len(day) == 2  # 08:00 and 16:00; the 24:00 check is dated the 6th but is the 5th's

    login(driver, live_server.url, "alice", "pw-alice-long-enough")
    driver.get(f"{live_server.url}/reviews/{review.pk}/")
    driver.execute_script("window.__noReload = true")
    assert ticked(driver) == []
    Select(driver.find_element(By.ID, "filter-obligation")).select_by_visible_text("三.2 安全检查")
    wait(driver).until(lambda d: len(ticked(d)) > 3)
    Select(driver.find_element(By.ID, "filter-day")).select_by_visible_text("2026-11-05")
    wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review-exceptions li")) == 3)
    chosen = ticked(driver)
    assert set(day) < set(chosen) and len(chosen) == 3
    assert driver.find_element(By.CSS_SELECTOR, "[data-selected-count]").text == "3"
    driver.find_element(By.ID, f"exception-{chosen[-1]}").click()  # one of them is explained apart
    assert driver.find_element(By.CSS_SELECTOR, "[data-selected-count]").text == "2"
    driver.find_element(By.ID, "explain-text").send_keys("机房断电,当日巡检无法进行")
    driver.find_element(By.ID, "explain-selected").click()
    notice = wait(driver).until(lambda d: d.find_elements(By.ID, "explain-notice"))
    assert notice[0].text == "已为 2 项异常保存说明。"
    assert driver.execute_script("return window.__noReload === true")  # the panel alone came back
    assert {e.occurrence_id: e.text for e in ReviewExplanation.objects.all()} == \
        {pk: "机房断电,当日巡检无法进行" for pk in chosen[:2]}
    badge = driver.find_element(By.ID, "unexplained").text
    assert badge == f"待说明 {waiting_before - 2}"
    # The day's list, waiting first: the unticked one on top, still waiting, then the two explained.
    items = driver.find_elements(By.CSS_SELECTOR, "#review-exceptions li")
    assert [li.get_attribute("data-waiting") for li in items] == ["yes", "no", "no"]
    assert items[0].get_attribute("data-occurrence") == str(chosen[-1])
    assert "机房断电" in items[1].find_element(By.CSS_SELECTOR, ".explanation").text
