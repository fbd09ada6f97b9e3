"""In a real browser: right after the demo command, the supervisor reaches the last quarter's
open review from the menu and reads its done, late and missed tasks and its cases; an officer
sets the group's quorum and a member's full name and post, and the signature shows them."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.demo import DEMO_PASSWORD
from obligations.models import AuditEvent, Occurrence, Review, Role
from obligations.oversight.exception_list import CAUSES
from obligations.oversight.review_snapshot import review_snapshot
from obligations.oversight.reviews import review_explain, review_open
from obligations.tasks import run_sweeps
from tests.browser.driver import click, gone, login, sign_review, wait
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MENU = (By.CSS_SELECTOR, "#platform-menu > .dropdown-toggle")


def menu_item(driver, text):
    """Open the platform menu and follow its item `text`; wait for the page it opens."""
    driver.find_element(*MENU).click()
    item = wait(driver).until(EC.visibility_of_element_located(
        (By.XPATH, f'//li[@id="platform-menu"]//a[contains(@class, "dropdown-item")][normalize-space()="{text}"]')))
    page = driver.find_element(By.TAG_NAME, "html")
    item.click()
    wait(driver).until(gone(page))


def cell_numbers(row) -> list[int]:
    return [int(td.text) for td in row.find_elements(By.CSS_SELECTOR, "td.text-end") if td.text.isdigit()]


def test_the_supervisor_reads_the_demos_review_right_after_the_demo(live_server, driver):
    call_command("demo", stdout=io.StringIO())
    login(driver, live_server.url, "supervisor", DEMO_PASSWORD)
    assert driver.find_element(*MENU).text == "示范线上服务平台"  # one platform, one menu naming it
    menu_item(driver, "季度审查")
    review = Review.objects.get(platform__slug="demo")
    row = driver.find_element(By.CSS_SELECTOR, f'#review-list tr[data-review="{review.label}"]')
    assert "进行中" in row.text
    page = driver.find_element(By.TAG_NAME, "html")
    row.find_element(By.LINK_TEXT, review.label).click()
    wait(driver).until(gone(page))
    assert driver.find_element(By.ID, "review-state").text == "进行中"

    checks = driver.find_element(By.CSS_SELECTOR, '#review-obligations tr[data-obligation="三.2"]')
    due, done, late, missed = cell_numbers(checks)[:4]
    assert due == done + late + missed and done > late > missed > 0
    kinds = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#review-exceptions .badge")]
    assert {str(CAUSES[k]) for k in ("late", "missed", "breached")} <= set(kinds)
    waiting = driver.find_elements(By.CSS_SELECTOR, "#review-exceptions .list-group-item-warning")
    assert len(waiting) == 2 and re.search(r"待说明 2", driver.find_element(By.ID, "unexplained").text)
    cases = {r.get_attribute("data-kind"): r.text for r in driver.find_elements(By.CSS_SELECTOR, "#review-cases tr[data-kind]")}
    assert set(cases) == {"complaint", "incident", "finding"}
    assert "陈思远" in driver.find_element(By.ID, "review-findings").text  # the finding's author by name
    assert driver.find_element(By.ID, "sign-form").is_displayed()  # the supervisor's to sign once explained


def test_an_officer_sets_the_quorum_and_names_the_signer(live_server, driver, signed_letter, officer):
    platform = signed_letter.platform
    sue = make_user("sue", platform, Role.SUPERVISOR)
    make_user("sam", platform, Role.SUPERVISOR)
    for user in (sue, officer):
        user.set_password(f"{user.username}-pw-2026")
        user.save()
    now = timezone.now()
    run_sweeps(now=now)
    review, _ = review_open(platform=platform, year=2026, quarter=4, now=now)
    for e in review_snapshot(review, now=now)["exceptions"]:
        review_explain(review=review, occurrence=Occurrence.objects.get(pk=e["occurrence"]), text="系统维护期间停检",
                       user=officer, now=now)

    login(driver, live_server.url, "alice", "alice-pw-2026")
    menu_item(driver, "季度审查")
    assert "每次季度审查需 2 人签署后关闭" in driver.find_element(By.ID, "review-quorum").text
    form = driver.find_element(By.ID, "quorum-form")
    form.find_element(By.NAME, "quorum").send_keys("3")
    click(driver, form.find_element(By.ID, "quorum-save"))
    wait(driver).until(gone(form))  # the answer's page, not the one typed in
    box = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#quorum-form input[name=quorum]")))
    assert box.get_attribute("value") == "3"  # refused, kept in its box with the reason
    assert "签署人数须在 1 到监督小组人数 2 之间" in driver.find_element(By.ID, "quorum-form").text
    box.clear()
    box.send_keys("1")
    click(driver, driver.find_element(By.ID, "quorum-save"))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".alert-success"), "签署设置已保存"))
    assert "每次季度审查需 1 人签署后关闭" in driver.find_element(By.ID, "review-quorum").text
    assert AuditEvent.objects.filter(action="review.quorum", actor=officer).count() == 1

    menu_item(driver, "成员管理")
    member = driver.find_element(By.CSS_SELECTOR, 'tr[data-username="sue"]')
    member.find_element(By.CSS_SELECTOR, ".name-form input[name$=full_name]").send_keys("苏珊")
    member.find_element(By.CSS_SELECTOR, ".name-form input[name$=post]").send_keys("监督小组组长")
    click(driver, member.find_element(By.CSS_SELECTOR, ".name-form button"))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".alert-success"), "姓名与职务已保存"))

    driver.delete_all_cookies()
    login(driver, live_server.url, "sue", "sue-pw-2026")
    sign_review(driver, live_server.url, review, sue, "sue-pw-2026")
    wait(driver, 60).until(EC.text_to_be_present_in_element((By.ID, "review-state"), "已签署关闭"))  # one is the quorum
    assert "苏珊(监督小组组长)" in driver.find_element(By.ID, "review-signatures").text
    review.refresh_from_db()
    assert review.snapshot["signatures"][0]["name"] == "苏珊" and review.snapshot["signatures"][0]["post"] == "监督小组组长"
