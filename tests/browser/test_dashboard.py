"""The demo officer drills down from the overdue count and exports the list as CSV."""

import csv
import io
import time
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
import time_machine
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import Occurrence
from obligations.tasks import run_sweeps as sweep
from tests.browser.driver import click, login, make_driver, wait
from tests.work.state_support import put_in_state

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_officer_drills_down_from_overdue_and_exports_csv(live_server, tmp_path):
    tz = timezone.get_default_timezone()
    today = timezone.localdate(timezone.now())
    signed = datetime.combine(today - timedelta(days=3), dtime(0), tzinfo=tz)
    with time_machine.travel(datetime.combine(today, dtime(12), tzinfo=tz), tick=True):
        demo_setup(now=signed)
        sweep(now=timezone.now())
        overdue = Occurrence.objects.filter(state__in=("open", "missed"), due_at__lt=timezone.now()).count()
        assert overdue >= 9  # three days of unchecked security checks at least
        driver = make_driver(download_dir=tmp_path)
        try:
            login(driver, live_server.url, "officer", DEMO_PASSWORD)
            driver.get(live_server.url + "/")
            count = driver.find_element(By.CSS_SELECTOR, '[data-figure="overdue"]')
            assert int(count.text) == overdue
            driver.find_element(By.ID, "overdue-count").click()
            wait(driver).until(EC.presence_of_element_located((By.ID, "occurrence-table")))
            rows = driver.find_elements(By.CSS_SELECTOR, "#occurrence-table tbody tr")
            assert len(rows) == min(overdue, 100)
            driver.find_element(By.ID, "export-csv").click()
            target = tmp_path / "demo-occurrences.csv"
            for _ in range(100):
                if target.exists() and target.stat().st_size:
                    break
                time.sleep(0.1)
            data = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
            assert len(data) == overdue and {r["状态"] for r in data} <= {"待办", "未完成"}  # Chinese by default
        finally:
            driver.quit()


def busy_platform(now):
    """The demo platform with twelve checks a day since three months ago, the past in
    random states, a complaint whose respond clock was missed and one still running."""
    import random

    from obligations.cases.services import case_open
    from obligations.demo import demo_values
    from obligations.letters.services import letter_create, letter_sign
    from obligations.models import Platform, Role
    from obligations.work.sweeps import obligations_materialize

    platform = demo_setup(now=now - timedelta(days=95))  # the users; its letter is replaced below
    officer = platform.memberships.get(role=Role.OFFICER).user
    Occurrence.objects.filter(platform=platform).delete()
    signed = now - timedelta(days=95)
    values = {**demo_values(signed.date()), "checks_per_day": 12}
    letter_sign(letter=letter_create(platform=platform, values=values, user=officer, now=signed), user=officer,
                now=signed)
    obligations_materialize(now=now)
    rng = random.Random(5)
    for occ in Occurrence.objects.filter(platform=platform, due_at__lt=now).only("pk"):
        state = rng.choice(["done", "done", "done", "done_late", "missed", "waived"])
        put_in_state([occ.pk], state, reason="测试")
    late, _ = case_open(platform=platform, kind="complaint", description="两天前的投诉",
                        received_at=now - timedelta(days=2), now=now)
    put_in_state(Occurrence.objects.filter(case=late, sequence=1).values_list("pk", flat=True), "missed")
    case_open(platform=platform, kind="incident", description="故障", received_at=now - timedelta(hours=1), now=now,
              severity="serious")
    assert Platform.objects.count() == 1
    return platform, late


def drilled(driver):
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result-count, #case-count")))
    return int(driver.find_element(By.CSS_SELECTOR, "#result-count, #case-count").get_attribute("data-count"))



def test_officer_follows_each_kind_of_figure_to_as_many_rows(live_server):
    """Each kind of figure (the cards, a per-clause cell, a heat map day, a trend month,
    the case figures and a grouped line), clicked, lists exactly as many rows as it says;
    the due-soon card is not capped at 50; a missed case clock is on the page, named."""
    tz = timezone.get_default_timezone()
    now = datetime.combine(timezone.localdate(timezone.now()), dtime(12), tzinfo=tz)
    with time_machine.travel(now, tick=False):
        platform, late = busy_platform(now)
        driver = make_driver()
        try:
            login(driver, live_server.url, "officer", DEMO_PASSWORD)
            url = f"{live_server.url}/platforms/{platform.slug}/dashboard/"
            driver.get(url)
            selectors = ['[data-figure="overdue"]', '[data-figure="due-soon"]', '[data-figure="cases"]',
                         '[data-figure="cases-late"]', '[data-figure="cases-serious"]', '[data-figure="m-open"]',
                         '[data-figure="q-missed"]', 'a[data-figure="heat"]', 'a[data-figure="trend"]',
                         'a[data-figure="line"]']
            for selector in selectors:
                driver.get(url)
                figures = driver.find_elements(By.CSS_SELECTOR, selector)
                assert figures, selector
                figure = figures[-1]
                count = int(figure.get_attribute("data-count"))
                if selector == '[data-figure="due-soon"]':
                    assert count > 50 and int(figure.text) == count
                if selector == '[data-figure="cases-late"]':
                    assert count == 1 and "text-danger" in figure.find_element(By.XPATH, "..").get_attribute(
                        "class")
                link = figure if figure.tag_name == "a" else figure.find_element(By.XPATH, "ancestor::a[1]")
                click(driver, link)
                assert drilled(driver) == count, selector
            driver.get(url)
            overdue = driver.find_element(By.ID, "overdue-list").text
            assert f"{late.number} 响应" in overdue  # the missed clock, named by its case and step
        finally:
            driver.quit()


NARROWEST_CELL = """
return Array.from(document.querySelectorAll(arguments[0] + ' th, ' + arguments[0] + ' td'))
  .filter((c) => c.offsetParent !== null)
  .map((c) => [c.getBoundingClientRect().width, c.textContent.trim().slice(0, 20)])
  .sort((a, b) => a[0] - b[0])[0];
"""
PAGE_SCROLLS_SIDEWAYS = "return document.documentElement.scrollWidth > document.documentElement.clientWidth;"


def test_dashboard_and_obligations_on_a_phone(live_server):
    """390 × 844: the wide tables scroll inside their wrapper with the first column fixed,
    no cell is narrower than 40 px, and the page itself does not scroll sideways."""
    tz = timezone.get_default_timezone()
    now = datetime.combine(timezone.localdate(timezone.now()), dtime(12), tzinfo=tz)
    with time_machine.travel(now, tick=False):
        platform, _late = busy_platform(now)
        driver = make_driver(width=390, height=844)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
            login(driver, live_server.url, "officer", DEMO_PASSWORD)
            for path, table, wrapper in ((f"/platforms/{platform.slug}/dashboard/", "#clause-figures",
                                          "clause-figures-scroll"),
                                         (f"/platforms/{platform.slug}/obligations/", "#obligations",
                                          "obligations-scroll")):
                driver.get(live_server.url + path)
                assert driver.execute_script("return window.innerWidth") == 390
                width, text = driver.execute_script(NARROWEST_CELL, table)
                assert width >= 40, (path, width, text)
                assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS), path
                scroller = driver.find_element(By.ID, wrapper)
                assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", scroller)
                first = driver.find_element(By.CSS_SELECTOR, f"{table} tbody tr > :first-child")
                left = first.rect["x"]
                driver.execute_script("arguments[0].scrollLeft = arguments[0].scrollWidth", scroller)
                assert abs(first.rect["x"] - left) < 1  # the first column stays while the rest scrolls
                assert first.is_displayed() and first.rect["width"] >= 40
        finally:
            driver.quit()
