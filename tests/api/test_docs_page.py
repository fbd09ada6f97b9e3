"""The API's docs page in a real browser: Swagger UI from our own static files renders the schema, and the
site's Content-Security-Policy holds on it (no violation in the console)."""

import pytest
from selenium.webdriver.common.by import By

from tests.browser.driver import make_driver, wait

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_under_the_csp(live_server):
    driver = make_driver()
    try:
        driver.get(live_server.url + "/api/v1/docs/")
        title = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
        assert "Pledge API" in title[0].text
        links = {a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".swagger-ui .info a")}
        assert {live_server.url + "/", live_server.url + "/api/v1/guide/"} <= links  # back to Pledge, to the guide
        wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
        paths = {e.text for e in driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
        assert "/api/v1/occurrences/{id}/complete/" in {p.replace("\u200b", "") for p in paths}
        log = driver.get_log("browser")
        assert not [e["message"] for e in log if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
        assert not [e for e in driver.execute_script("return performance.getEntriesByType('resource')")
                    if not e["name"].startswith(live_server.url)]  # nothing fetched from elsewhere (no CDN)
    finally:
        driver.quit()
