"""The officer gives a clause of the draft its own obligation with times of day in a real
browser, sees it in the preview, signs, and finds the tasks at those times."""

from datetime import datetime
from datetime import time as dtime

import pytest
import time_machine
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from obligations.demo import demo_values
from obligations.letters.services import letter_create
from obligations.models import Letter, Obligation, Platform, Role
from tests.browser.driver import click, login, wait
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMES = ["09:00", "15:00", "21:00"]


@pytest.fixture
def morning():
    """08:30 today in Shanghai, the clock running."""
    tz = timezone.get_default_timezone()
    with time_machine.travel(datetime.combine(timezone.localdate(timezone.now()), dtime(8, 30), tzinfo=tz),
                             tick=True):
        yield tz



def test_officer_adds_an_obligation_previews_signs_and_the_tasks_appear(live_server, morning, driver):
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台")
    officer = make_user("olga", platform, Role.OFFICER)
    draft = letter_create(platform=platform, values=demo_values(timezone.localdate(timezone.now())), user=officer,
                          now=timezone.now())
    login(driver, live_server.url, "olga", "pw-olga")

    driver.get(f"{live_server.url}/letters/{draft.pk}/edit/")
    click(driver, driver.find_element(By.ID, "nav-clauses"))
    row_selector = 'li.clause-row[data-number="二.4"]'
    row = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, row_selector)))
    driver.execute_script("window.__noReload = true")
    click(driver, row.find_element(By.CSS_SELECTOR, "a.spec-add"))
    form = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, f"{row_selector} form.obligation-form")))

    # The form shows the fields of the chosen kind.
    kind = Select(form.find_element(By.NAME, "kind"))
    calendar_fields = form.find_element(By.CSS_SELECTOR, 'fieldset[data-kinds="calendar"]')
    event_fields = form.find_element(By.CSS_SELECTOR, 'fieldset[data-kinds="event"]')
    assert calendar_fields.is_displayed() and not event_fields.is_displayed()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", form)
    kind.select_by_value("event")
    assert event_fields.is_displayed() and not calendar_fields.is_displayed()
    kind.select_by_value("calendar")

    # A wrong time first: the error stands beside the field and what was typed stays.
    form.find_element(By.NAME, "title").send_keys("安全巡检")
    form.find_element(By.NAME, "times_of_day").send_keys("09:00, 15:00, 25:00")
    form.find_element(By.NAME, "evidence_description").send_keys("巡检记录")
    click(driver, form.find_element(By.CSS_SELECTOR, "button.spec-save"))
    error = wait(driver).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, f"{row_selector} form.obligation-form .invalid-feedback")))
    assert "“25:00”不是有效的时刻" in error.text
    form = driver.find_element(By.CSS_SELECTOR, f"{row_selector} form.obligation-form")
    assert form.find_element(By.NAME, "title").get_attribute("value") == "安全巡检"
    times = form.find_element(By.NAME, "times_of_day")
    times.clear()
    times.send_keys("21:00, 9:00, 15:00")
    click(driver, form.find_element(By.CSS_SELECTOR, "button.spec-save"))
    line = wait(driver).until(EC.visibility_of_element_located(
        (By.CSS_SELECTOR, f'{row_selector} li.spec-row[data-key="二.4-1"] .spec-line')))
    assert line.text == "安全巡检(每日 × 3 @ 09:00、15:00、21:00)"
    assert driver.execute_script("return window.__noReload === true")  # edited in place

    click(driver, driver.find_element(By.ID, "nav-preview"))
    wait(driver).until(EC.presence_of_element_located((By.ID, "preview-tasks")))
    # Today is under way at signing: the officer chooses that its checks are owed.
    click(driver, driver.find_element(By.CSS_SELECTOR, "#first-period-form input[value='current']"))
    click(driver, driver.find_element(By.ID, "first-period-save"))
    wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "#first-period-form input[value='current']")
                       .is_selected())
    tasks = driver.find_elements(By.CSS_SELECTOR, 'tr.preview-task[data-key="二.4-1"]')
    assert len(tasks) == 14 * 3 + 1  # and the first check of day 15, open before 08:30
    assert [t.find_element(By.TAG_NAME, "time").text[-5:] for t in tasks[:3]] == TIMES
    counts = driver.find_element(By.CSS_SELECTOR, 'tr.preview-count[data-key="二.4-1"]')
    assert "每日 × 3" in counts.text

    click(driver, driver.find_element(By.ID, "preview-to-sign"))
    click(driver, wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#letter-form button[name=sign]"))))
    wait(driver).until(EC.presence_of_element_located((By.ID, "letter-body")))
    assert Letter.objects.get(pk=draft.pk).state == "signed"
    assert Obligation.objects.get(platform=platform, key="二.4-1").times_of_day == TIMES

    driver.get(live_server.url + "/tasks/?scope=all")  # the new checks are the staff's
    today = driver.find_element(By.ID, "section-today")
    rows = today.find_elements(By.CSS_SELECTOR, 'li.task-row[data-obligation="二.4-1"]')
    assert [r.find_element(By.TAG_NAME, "time").text[-5:] for r in rows] == TIMES
