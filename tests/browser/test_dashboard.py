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
from tests.browser.driver import login, make_driver, wait

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
            assert len(data) == overdue and {r["state"] for r in data} <= {"open", "missed"}
        finally:
            driver.quit()
