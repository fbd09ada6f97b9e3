"""A member of the public complains; staff respond; the status page and the board show it."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import Case, Platform
from tests.browser.driver import click, login, logout, make_driver, open_row, wait

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]



def test_public_complaint_to_response_to_status(live_server):
    cache.clear()
    demo_setup(now=timezone.now())
    driver = make_driver()
    try:
        driver.get(live_server.url + "/p/demo/complaint/")
        driver.find_element(By.NAME, "reporter_contact").send_keys("13800000000")
        driver.find_element(By.NAME, "description").send_keys("订单退款七天未到账")
        click(driver, driver.find_element(By.NAME, "consent"))
        click(driver, driver.find_element(By.CSS_SELECTOR, "#complaint-form button[type=submit]"))
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


def test_consent_then_a_decision_on_the_case_page_that_the_complainant_reads(live_server, tmp_path):
    """The public page gives its notice and the promised times and wants consent; on the
    case page the officer responds (the waivers and the timeline follow, the row does not
    link to its own case), must write the decision (the file chosen stays), and the
    complainant reads it on the status page."""
    from obligations.models import Evidence
    from tests.conftest import PDF_BYTES

    cache.clear()
    demo_setup(now=timezone.now())
    pdf = tmp_path / "退款凭证.pdf"
    pdf.write_bytes(PDF_BYTES)
    driver = make_driver()
    try:
        driver.get(live_server.url + "/p/demo/complaint/")
        notice = driver.find_element(By.ID, "privacy-notice").text
        assert "处理目的" in notice and "谁能看到" in notice and "保存期限" in notice
        promised = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#promised-times .promised-time")]
        assert promised == ["24小时内响应", "7日内给出处理意见"]
        driver.find_element(By.NAME, "reporter_contact").send_keys("13900000000")
        driver.find_element(By.NAME, "description").send_keys("会员费重复扣款")
        # Without the tick the browser does not send the form (the server refuses it too:
        # tests/views/test_case_pages.py); what was typed stays.
        consent = driver.find_element(By.NAME, "consent")
        assert consent.get_attribute("required") is not None
        click(driver, driver.find_element(By.CSS_SELECTOR, "#complaint-form button[type=submit]"))
        assert driver.execute_script("return arguments[0].validity.valueMissing", consent)
        assert driver.find_element(By.NAME, "description").get_attribute("value") == "会员费重复扣款"
        assert not Case.objects.exists()
        click(driver, driver.find_element(By.NAME, "consent"))
        click(driver, driver.find_element(By.CSS_SELECTOR, "#complaint-form button[type=submit]"))
        ref = wait(driver).until(EC.presence_of_element_located((By.ID, "case-number"))).text
        case = Case.objects.get(public_ref=ref)
        assert case.consent_at is not None
        respond, decide = (next(c for c in case.clocks.all() if c.step == step) for step in ("respond", "decide"))

        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(f"{live_server.url}/cases/{case.pk}/")
        driver.execute_script("window.__noReload = true")
        case_href = f'a[href="/cases/{case.pk}/"]'
        assert not driver.find_element(By.ID, f"occ-{respond.pk}").find_elements(By.CSS_SELECTOR, case_href)
        driver.find_element(By.NAME, f"waive-{decide.pk}").send_keys("先写下的理由")
        driver.find_element(By.CSS_SELECTOR, "#close-form textarea[name=note]").send_keys("办结说明草稿")
        row = driver.find_element(By.ID, f"occ-{respond.pk}")
        row.find_element(By.NAME, "note").send_keys("已电话联系用户")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver).until(lambda d: d.find_element(By.ID, f"occ-{respond.pk}").get_attribute("data-state") == "done")
        assert not driver.find_element(By.ID, f"occ-{respond.pk}").find_elements(By.CSS_SELECTOR, case_href)
        wait(driver).until(lambda d: "完成响应" in d.find_element(By.ID, "timeline").text)
        assert not driver.find_elements(By.NAME, f"waive-{respond.pk}")  # no waiver asked for a clock done
        assert driver.find_element(By.NAME, f"waive-{decide.pk}").get_attribute("value") == "先写下的理由"
        assert driver.find_element(By.CSS_SELECTOR, "#close-form textarea[name=note]").get_attribute("value") == \
            "办结说明草稿"

        row = driver.find_element(By.ID, f"occ-{decide.pk}")
        assert "必填" in row.find_element(By.NAME, "note").get_attribute("placeholder")
        row.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(pdf))
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        error = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#occ-{decide.pk} .note-error")))
        assert "请填写处理意见" in error.text
        row = driver.find_element(By.ID, f"occ-{decide.pk}")
        assert row.get_attribute("data-state") == "open"
        files = row.find_element(By.CSS_SELECTOR, "input[type=file]")
        assert driver.execute_script("return arguments[0].files.length", files) == 1  # nothing lost
        row.find_element(By.NAME, "note").send_keys("经核实重复扣款属实,已原路退回。")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver).until(lambda d: d.find_element(By.ID, f"occ-{decide.pk}").get_attribute("data-state") == "done")
        assert Evidence.objects.filter(occurrence=decide).count() == 1
        wait(driver).until(lambda d: "完成处理意见" in d.find_element(By.ID, "timeline").text)
        assert not driver.find_elements(By.NAME, f"waive-{decide.pk}")
        assert driver.execute_script("return window.__noReload === true")
        driver.execute_script("window.scrollTo({top: 0, behavior: 'instant'})")  # the menu is at the top
        logout(driver)

        driver.get(live_server.url + "/p/demo/status/")
        driver.find_element(By.NAME, "number").send_keys(ref)
        driver.find_element(By.NAME, "contact").send_keys("13900000000")
        driver.find_element(By.CSS_SELECTOR, "#status-form button[type=submit]").click()
        decision = wait(driver).until(EC.presence_of_element_located((By.ID, "status-decision")))
        assert decision.text == "经核实重复扣款属实,已原路退回。"
    finally:
        driver.quit()


def test_an_officer_types_a_phoned_in_code_on_the_board_reaches_the_case_and_assigns_it(live_server):
    """A complainant reads out their 查询码 on the phone, lower case and without dashes: the officer
    types it on /cases/, gets that one case (among others), opens it, sees the same code there,
    and makes a staff member its handler."""
    from obligations.cases.services import case_open
    from obligations.models import Role
    from tests.conftest import make_user

    now = timezone.now()
    demo_setup(now=now)
    platform = Platform.objects.get(slug="demo")
    make_user("carol", platform, Role.STAFF)  # two staff: a public complaint waits, 待分配
    wanted, others = (case_open(platform=platform, kind="complaint", description=text, received_at=now, now=now,
                                channel="public", reporter_contact="13800000000", consent_at=now)[0]
                      for text in ("退款未到账", "页面打不开"))
    driver = make_driver()
    try:
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(live_server.url + "/cases/")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#case-table tbody tr[data-case]")) >= 2
        read_out = wanted.public_ref.replace("-", " ").lower()
        box = driver.find_element(By.ID, "case-code")
        box.send_keys(read_out)
        box.submit()
        wait(driver).until(EC.url_contains("code="))
        assert driver.find_element(By.ID, "case-count").get_attribute("data-count") == "1"
        [row] = driver.find_elements(By.CSS_SELECTOR, "#case-table tbody tr[data-case]")
        assert row.get_attribute("data-case") == wanted.number and wanted.public_ref in row.text
        assert "待分配" in row.find_element(By.CSS_SELECTOR, ".case-assignee").text
        assert driver.find_element(By.ID, "case-code").get_attribute("value") == read_out  # the search stays
        row.find_element(By.LINK_TEXT, wanted.number).click()
        ref = wait(driver).until(EC.presence_of_element_located((By.ID, "case-ref")))
        assert ref.text == wanted.public_ref and driver.current_url.endswith(f"/cases/{wanted.pk}/")

        Select(driver.find_element(By.CSS_SELECTOR, "#assign-form select")).select_by_visible_text("carol")
        driver.find_element(By.CSS_SELECTOR, "#assign-form button").click()
        wait(driver).until(EC.text_to_be_present_in_element((By.ID, "case-assignee"), "carol"))  # stale-safe across the reload
        wanted.refresh_from_db()
        others.refresh_from_db()
        assert wanted.assignee.username == "carol" and others.assignee is None
    finally:
        driver.quit()
