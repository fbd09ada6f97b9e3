"""The officer asks for the regulator report in the browser; a real Celery worker makes
it while the job page polls with htmx; the download link appears and the file's hash is
the one the page shows."""

import hashlib
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from compliance.celery import app
from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import ExportJob
from tests.browser.driver import login, make_driver, wait
from tests.oversight.export_support import exports_root  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("exports_root")]


def test_officer_exports_the_regulator_report_and_downloads_it(live_server, tmp_path):
    demo_setup(now=timezone.now())
    driver = make_driver(download_dir=tmp_path)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            login(driver, live_server.url, "officer", DEMO_PASSWORD)
            driver.get(live_server.url + "/platforms/demo/exports/")
            form = driver.find_element(By.ID, "regulator-form")
            form.find_element(By.CSS_SELECTOR, "input[value=regulator_docx]").click()
            form.find_element(By.CSS_SELECTOR, "button").click()
            status = wait(driver).until(EC.presence_of_element_located((By.ID, "job-status")))
            assert status.get_attribute("data-state") in ("queued", "running", "done")
            link = wait(driver, 60).until(EC.element_to_be_clickable((By.ID, "job-download")))
            assert driver.find_element(By.CSS_SELECTOR, ".progress").get_attribute("aria-valuenow") == "100"
            shown = driver.find_element(By.ID, "job-sha256").text
            link.click()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not [p for p in tmp_path.glob("*.docx")]:
                time.sleep(0.2)
    finally:
        driver.quit()
    job = ExportJob.objects.get()
    (downloaded,) = tmp_path.glob("*.docx")
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == shown == job.sha256
