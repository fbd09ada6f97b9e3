"""The officer pastes the platform's own letter, corrects one proposal, accepts, fills the
blanks, signs, and the tasks are raised."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from obligations.models import Letter, Obligation, Occurrence, Platform, Role
from tests.browser.driver import click, login, make_driver, wait
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OWN_LETTER = """丙平台运营承诺书

一、安全管理
1.平台每日开展__________次安全巡检,及时处置异常。
2.平台定期开展数据备份演练。
二、用户服务
1.对用户投诉在__________小时内响应。

承诺人签名:__________
签订日期:__________
"""



def test_paste_correct_accept_sign_and_tasks_are_raised(live_server):
    platform = Platform.objects.create(slug="gamma", name="丙平台")
    officer = make_user("olga", platform, Role.OFFICER)
    officer.set_password("pw-olga-long-enough")
    officer.save()
    driver = make_driver()
    try:
        login(driver, live_server.url, "olga", "pw-olga-long-enough")
        driver.get(f"{live_server.url}/platforms/gamma/letter/intake/")
        driver.find_element(By.NAME, "text").send_keys(OWN_LETTER)
        click(driver, driver.find_element(By.ID, "intake-read"))
        review = wait(driver).until(EC.presence_of_element_located((By.ID, "proposal-一.2")))
        assert "needs-review" in review.get_attribute("class")  # 定期: first, flagged
        assert driver.find_elements(By.CSS_SELECTOR, "#proposal-一\\.1\\.1 mark.span-frequency")  # 及时处置异常 is 一.1.2
        # Correct one proposal: the drill is a quarterly duty.
        Select(review.find_element(By.CSS_SELECTOR, "select[name$='-period']")).select_by_value("quarterly")
        click(driver, driver.find_element(By.ID, "intake-accept"))
        wait(driver).until(EC.presence_of_element_located((By.ID, "letter-form")))
        form = driver.find_element(By.ID, "letter-form")
        for field in form.find_elements(By.CSS_SELECTOR, "input[type=text], input[type=number]"):
            field.send_keys("3" if field.get_attribute("type") == "number" else "丙平台")
        for select in form.find_elements(By.CSS_SELECTOR, "select"):
            if select.get_attribute("name") != "past_periods":
                Select(select).select_by_index(1)
        today = timezone.localdate().isoformat()
        driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "sign_date"), today)
        click(driver, form.find_element(By.NAME, "sign"))
        wait(driver).until(EC.presence_of_element_located((By.ID, "letter-body")))
    finally:
        driver.quit()
    letter = Letter.objects.get(platform=platform)
    assert letter.state == "signed" and letter.template == "own"
    drill = Obligation.objects.get(platform=platform, key="一.2")
    assert (drill.kind, drill.period) == ("calendar", "quarterly")
    checks = Obligation.objects.get(platform=platform, key="一.1.1")
    assert (checks.period, checks.count) == ("daily", 3)
    assert Occurrence.objects.filter(obligation=checks).exists()  # raised on signing, not at the next sweep


def test_a_paste_past_the_limit_stays_in_the_box_unsent(live_server):
    platform = Platform.objects.create(slug="delta", name="丁平台")
    officer = make_user("dora", platform, Role.OFFICER)
    officer.set_password("pw-dora-long-enough")
    officer.save()
    driver = make_driver()
    try:
        login(driver, live_server.url, "dora", "pw-dora-long-enough")
        driver.get(f"{live_server.url}/platforms/delta/letter/intake/")
        box = driver.find_element(By.NAME, "text")
        driver.execute_script("arguments[0].value = '1.平台每日巡检。'.repeat(30000)", box)  # 270,000 characters
        click(driver, driver.find_element(By.ID, "intake-read"))
        note = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".too-long")))
        assert "270,000 字,超过 200,000 字的上限。文本仍在框中" in note.text
        assert driver.current_url.endswith("/letter/intake/") and "is-invalid" in box.get_attribute("class")
        assert driver.execute_script("return arguments[0].value.length", box) == 270_000
        # Cut to the limit, it is sent and read.
        driver.execute_script("arguments[0].value = arguments[0].value.slice(0, 90)", box)
        click(driver, driver.find_element(By.ID, "intake-read"))
        wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".proposal")))  # proposals to review
        assert not Letter.objects.exists()
    finally:
        driver.quit()
