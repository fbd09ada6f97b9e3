"""The officer's dashboard in a real browser: a red banner while beat is silent, gone
after the next sweep."""

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from obligations.models import Role
from obligations.tasks import run_sweeps
from obligations.trust.heartbeat import heartbeat_record
from tests.browser.driver import login, make_driver
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_red_banner_when_beat_is_silent(live_server, signed_letter, platform):
    make_user("chief", platform, Role.OFFICER)
    silent_since = timezone.now() - timedelta(minutes=7)
    heartbeat_record("close_out", started_at=silent_since, finished_at=silent_since)
    driver = make_driver()
    try:
        login(driver, live_server.url, "chief", "pw-chief")
        driver.get(f"{live_server.url}/platforms/{platform.slug}/dashboard/")
        banner = driver.find_element(By.ID, "scheduler-silent")
        assert banner.is_displayed() and "上次调度 7 分钟前" in banner.text and "调度已停止" in banner.text
        red = banner.value_of_css_property("background-color")
        r, g, b = (int(x) for x in red[red.index("(") + 1 : red.index(")")].split(",")[:3])
        assert r > g and r > b  # Bootstrap's danger alert: red
        run_sweeps(now=timezone.now())  # beat is back
        driver.get(f"{live_server.url}/platforms/{platform.slug}/dashboard/")
        assert not driver.find_elements(By.ID, "scheduler-silent")
        assert "上次调度 0 分钟前" in driver.find_element(By.ID, "scheduler-last").text
    finally:
        driver.quit()
