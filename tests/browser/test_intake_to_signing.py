"""The officer pastes a letter with sub-items, sees every deadline of a proposal in its form,
corrects one (a step out of order is refused with its reason first), accepts, chooses in the
preview that the period under way is owed, and signs: what is stored is what the form showed."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from obligations.models import Letter, Obligation, Occurrence, Platform, Role
from tests.browser.driver import login, wait
from tests.browser.test_intake import click
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LETTER = """戊平台运营承诺书

一、安全管理
（一）平台落实以下安全措施：
①每日开展3次安全巡检；
②网络日志留存6个月；
③发现安全漏洞后24小时内响应，3日内整改。
二、用户服务
1.对用户投诉在2小时内响应，24小时内给出处理意见，3日内办结。

承诺人签名：__________
签订日期：__________
"""


def field(row, name):
    return row.find_element(By.CSS_SELECTOR, f"[name$='-{name}']")


def test_paste_sub_items_correct_accept_preview_and_sign(live_server, driver):
    platform = Platform.objects.create(slug="wu", name="戊平台")
    officer = make_user("olga", platform, Role.OFFICER)
    officer.set_password("pw-olga-long-enough")
    officer.save()
    login(driver, live_server.url, "olga", "pw-olga-long-enough")
    driver.get(f"{live_server.url}/platforms/wu/letter/intake/")
    driver.find_element(By.NAME, "text").send_keys(LETTER)
    click(driver, driver.find_element(By.ID, "intake-read"))
    complaints = wait(driver).until(EC.presence_of_element_located((By.ID, "proposal-二.1")))
    assert driver.find_elements(By.CSS_SELECTOR, ".proposal mark")  # what was recognised, highlighted
    # One duty, one proposal: each sub-item under （一） is its own, with its own words only.
    items = {n: driver.find_element(By.ID, f"proposal-一.1.{n}").text for n in "①②③"}
    assert not driver.find_elements(By.ID, "proposal-一.1")
    for n, words in {"①": "安全巡检", "②": "网络日志", "③": "安全漏洞"}.items():
        assert [m for m, text in items.items() if words in text] == [n]
    # Every deadline the proposal holds is a row of its form, the step named in the reader's language.
    shown = [(Select(field(complaints, f"step{i}")).first_selected_option.text, field(complaints, f"amount{i}")
              .get_attribute("value"), Select(field(complaints, f"unit{i}")).first_selected_option.get_attribute("value"))
             for i in (1, 2, 3)]
    assert shown == [("响应", "2", "hours"), ("处理意见", "24", "hours"), ("办结", "3", "days")]
    # A correction out of order is refused with its reason, nothing stored, nothing typed lost.
    field(complaints, "amount2").clear()
    field(complaints, "amount2").send_keys("12")
    Select(field(complaints, "unit3")).select_by_value("hours")
    click(driver, driver.find_element(By.ID, "intake-accept"))
    errors = wait(driver).until(EC.presence_of_element_located((By.ID, "review-errors")))
    assert "二.1" in errors.text
    complaints = driver.find_element(By.ID, "proposal-二.1")
    assert "“办结”(3小时)会早于它前面的“处理意见”(12小时)到期" in complaints.text
    assert field(complaints, "amount2").get_attribute("value") == "12" and not Letter.objects.exists()
    Select(field(complaints, "unit3")).select_by_value("days")
    click(driver, driver.find_element(By.ID, "intake-accept"))
    wait(driver).until(EC.presence_of_element_located((By.ID, "letter-form")))
    letter = Letter.objects.get(platform=platform)

    # The preview shows what the default does and the alternative; the officer owes today's checks.
    click(driver, driver.find_element(By.ID, "nav-preview"))
    table = wait(driver).until(EC.presence_of_element_located((By.ID, "first-period-table")))
    assert "签署时已开始的周期也计入" in table.text
    assert driver.find_element(By.CSS_SELECTOR, "#first-period-form input[value='full']").is_selected()
    click(driver, driver.find_element(By.CSS_SELECTOR, "#first-period-form input[value='current']"))
    click(driver, driver.find_element(By.ID, "first-period-save"))
    wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "#first-period-form input[value='current']")
                       .is_selected())
    click(driver, driver.find_element(By.ID, "preview-to-sign"))
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "letter-form")))
    for text_input in form.find_elements(By.CSS_SELECTOR, "input[type=text], input[type=number]"):
        text_input.send_keys("3" if text_input.get_attribute("type") == "number" else "戊平台")
    for select in form.find_elements(By.CSS_SELECTOR, "select"):
        if select.get_attribute("name") != "past_periods":
            Select(select).select_by_index(1)
    driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "sign_date"),
                          timezone.localdate().isoformat())
    click(driver, form.find_element(By.NAME, "sign"))
    wait(driver).until(EC.presence_of_element_located((By.ID, "letter-body")))

    letter.refresh_from_db()
    assert (letter.state, letter.first_period) == ("signed", "current")
    complaint = Obligation.objects.get(platform=platform, clause__number="二.1")
    assert complaint.deadlines == [{"step": "respond", "amount": 2, "unit": "hours"},
                                   {"step": "decide", "amount": 12, "unit": "hours"},
                                   {"step": "close", "amount": 3, "unit": "days"}]
    checks = Obligation.objects.get(platform=platform, kind="calendar", period="daily")
    assert checks.count == 3
    # Today's checks are owed, as chosen: the period under way at signing has its tasks.
    under_way = Occurrence.objects.filter(obligation=checks, period_start__lt=letter.signed_at)
    assert under_way.exists()
