"""A supervisor signs the quarter's review in the browser, the review closes with its
seal, and the officer downloads its PDF while the job page's progress bar advances."""

import hashlib
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from compliance.celery import app
from obligations.models import ExportJob, Occurrence, Review, Role
from obligations.oversight.review_snapshot import review_snapshot
from obligations.oversight.reviews import review_explain, review_open
from obligations.tasks import run_sweeps
from tests.browser.driver import click, login, make_driver, sign_review, wait
from tests.conftest import make_user
from tests.oversight.export_support import exports_root  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("exports_root")]



def test_supervisor_signs_the_review_closes_and_the_officer_downloads_its_pdf(live_server, signed_letter, officer,
                                                                              tmp_path):
    platform = signed_letter.platform
    platform.review_quorum = 1
    platform.save()
    sue = make_user("sue", platform, Role.SUPERVISOR)
    for user, password in ((sue, "pw-sue-long-enough"), (officer, "pw-alice-long-enough")):
        user.set_password(password)
        user.save()
    now = timezone.now()
    run_sweeps(now=now)
    review, _ = review_open(platform=platform, year=2026, quarter=4, now=now)
    for e in review_snapshot(review, now=now)["exceptions"]:
        review_explain(review=review, occurrence=Occurrence.objects.get(pk=e["occurrence"]), text="系统维护期间停检",
                       user=officer, now=now)
    driver = make_driver(download_dir=tmp_path)
    try:
        login(driver, live_server.url, "sue", "pw-sue-long-enough")
        sign_review(driver, live_server.url, review, sue, "pw-sue-long-enough")
        seal = wait(driver, 60).until(EC.presence_of_element_located((By.ID, "review-seal"))).text
        review.refresh_from_db()
        assert review.state == "closed" and seal == review.seal
        assert driver.find_element(By.ID, "review-state").text == "已签署关闭"

        driver.delete_all_cookies()
        login(driver, live_server.url, "alice", "pw-alice-long-enough")
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            driver.get(f"{live_server.url}/reviews/{review.pk}/")
            click(driver, driver.find_element(By.CSS_SELECTOR, ".review-exports button[value=review_pdf]"))
            wait(driver).until(EC.presence_of_element_located((By.ID, "job-status")))
            progress = []
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not driver.find_elements(By.ID, "job-download"):
                try:  # htmx swaps the status block every second: read it between swaps
                    progress.append(int(driver.find_element(By.CSS_SELECTOR, ".progress").get_attribute("aria-valuenow")))
                except (StaleElementReferenceException, NoSuchElementException):
                    pass
                time.sleep(0.2)
            link = wait(driver, 30).until(EC.element_to_be_clickable((By.ID, "job-download")))
            assert progress == sorted(progress)  # it only ever advances
            assert driver.find_element(By.CSS_SELECTOR, ".progress").get_attribute("aria-valuenow") == "100"
            shown = driver.find_element(By.ID, "job-sha256").text
            click(driver, link)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not list(tmp_path.glob("*.pdf")):
                time.sleep(0.2)
    finally:
        driver.quit()
    (downloaded,) = tmp_path.glob("*.pdf")
    data = downloaded.read_bytes()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == shown == ExportJob.objects.get().sha256
    assert Review.objects.get(pk=review.pk).snapshot["seal"] == seal
