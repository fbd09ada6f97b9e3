"""At phone size (390 × 844) the wide tables stack: the audit log's records read as sentences
in rows of a sane height, their details open on demand, and the case board's and the review's
headers lead each cell as a label no narrower than a word; nothing scrolls sideways."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.cases.services import case_open
from obligations.demo import DEMO_PASSWORD, demo_setup
from obligations.models import AuditEvent, Case, Delivery, Notification, Occurrence, Robot, Role
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from obligations.trust.audit import audit_record
from tests.browser.driver import click, login, make_driver, wait

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.1 Mobile/15E148 Safari/604.1")
PAGE_SCROLLS_SIDEWAYS = "return document.documentElement.scrollWidth > document.documentElement.clientWidth;"
ROW_HEIGHTS = "return Array.from(document.querySelectorAll(arguments[0] + ' > tbody > tr'), (r) => r.offsetHeight);"
# Each column's name as the reader sees it: the header cells when the header shows, else the
# label that leads each cell of the first row (pledge.css's ::before); with its box.
HEADERS_AS_SHOWN = """
const table = document.querySelector(arguments[0]);
const names = Array.from(table.querySelectorAll(':scope > thead th'), (th) => th.textContent.trim());
if (table.tHead.getBoundingClientRect().width > 1) {
  return [names, Array.from(table.tHead.querySelectorAll('th'), (th) => [th.textContent.trim(), th.offsetWidth, th.offsetHeight])];
}
const row = table.querySelector(':scope > tbody > tr');
return [names, Array.from(row.cells, (td) => {
  const label = getComputedStyle(td, '::before');
  return [td.dataset.label || '', parseFloat(label.width) || 0, parseFloat(label.height) || 0];
})];
"""



def phone():
    driver = make_driver(width=390, height=844)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    return driver


@pytest.fixture
def busy_demo():
    """The demo platform twenty days after signing, swept, with two complaints, a long waiver
    reason, a sign-in from a phone and a record of an action the page has no sentence for."""
    now = timezone.now()
    platform = demo_setup(now=now - timedelta(days=20))
    officer = platform.memberships.get(role=Role.OFFICER).user
    for hours in (30, 2):
        case_open(platform=platform, kind=Case.Kind.COMPLAINT, description="退款未到账", now=now - timedelta(hours=hours),
                  received_at=now - timedelta(hours=hours))
    run_sweeps(now=now)
    audit_record(at=now, action="auth.login", obj=officer, actor=officer,
                 data={"user": officer.username, "ip": "203.0.113.9", "agent": AGENT})
    audit_record(at=now, action="occurrence.waive", obj=Occurrence.objects.filter(platform=platform).first(), actor=officer, platform=platform,
                 data={"reason": "系统升级期间停机维护,当日巡检无法执行。" * 8})
    audit_record(at=now, action="case.assign", obj=Case.objects.first(), actor=officer, platform=platform,
                 data={"token": "x" * 180})
    day = timezone.localdate(now - timedelta(days=10))
    review, _ = review_open(platform=platform, year=day.year, quarter=(day.month - 1) // 3 + 1, now=now)
    platform.review = review
    return platform


def test_the_audit_log_on_a_phone_reads_as_sentences_in_short_rows(live_server, busy_demo):
    driver = phone()
    try:
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(f"{live_server.url}/platforms/{busy_demo.slug}/audit/")
        assert driver.execute_script("return window.innerWidth") == 390
        heights = driver.execute_script(ROW_HEIGHTS, "#audit-table")
        assert len(heights) >= 10 and max(heights) <= 400, heights  # was 2,361 px for one row
        assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)

        sign = AuditEvent.objects.get(action="letter.sign").pk
        row = driver.find_element(By.CSS_SELECTOR, f'#audit-table tr[data-id="{sign}"]')
        text = row.find_element(By.CSS_SELECTOR, ".audit-sentence")
        assert text.is_displayed() and "签署了承诺书" in text.text
        assert row.find_element(By.CSS_SELECTOR, ".audit-record").size["width"] >= 300  # was 22 px
        fields = row.find_element(By.CSS_SELECTOR, ".audit-fields")
        assert not fields.is_displayed()  # details on demand
        click(driver, row.find_element(By.CSS_SELECTOR, ".audit-details summary"))
        wait(driver).until(EC.visibility_of(fields))
        assert "letter.sign" in fields.text

        phone_login = AuditEvent.objects.get(action="auth.login", data__ip="203.0.113.9").pk
        login_row = driver.find_element(By.CSS_SELECTOR, f'#audit-table tr[data-id="{phone_login}"]')
        click(driver, login_row.find_element(By.CSS_SELECTOR, ".audit-details summary"))
        shown = login_row.find_element(By.CSS_SELECTOR, ".audit-fields")
        wait(driver).until(EC.visibility_of(shown))
        assert "Safari 17 · iOS 17" in shown.text and "Mozilla" not in shown.text
        for details in driver.find_elements(By.CSS_SELECTOR, ".audit-details"):
            driver.execute_script("arguments[0].open = true", details)  # every record open at once
        assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)  # long reasons and values wrap
    finally:
        driver.quit()


@pytest.mark.parametrize("path,tables", [
    ("/cases/", ["#case-table"]),
    ("review", ["#review-obligations", "#review-cases", "#review-response-times"]),
])
def test_the_case_board_and_review_headers_are_no_narrower_than_a_word_on_a_phone(live_server, busy_demo, path,
                                                                                     tables):
    if path == "review":
        path = f"/reviews/{busy_demo.review.pk}/"
    driver = phone()
    try:
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        driver.get(live_server.url + path)
        line = driver.execute_script("return parseFloat(getComputedStyle(document.body).lineHeight)")
        for table in tables:
            names, shown = driver.execute_script(HEADERS_AS_SHOWN, table)
            assert [label for label, _w, _h in shown] == names and all(names), (table, shown)
            for label, width, height in shown:
                # A word's width at least, and never a character per line (at most two lines).
                assert width >= 40 and height <= 2.5 * line, (table, label, width, height)
            widths = driver.execute_script(
                "return Array.from(document.querySelectorAll(arguments[0] + ' td'), (c) => c.offsetWidth);", table)
            assert min(widths) >= 300, (table, widths)  # each cell a full-width line of its card
        assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)
    finally:
        driver.quit()


# Whether an element lies inside the window's width (a button off-screen cannot be pressed).
INSIDE = "const r = arguments[0].getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth;"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_webhook_and_token_pages_read_as_cards_on_a_phone(live_server, language):
    """QA: in Chinese the endpoints table put its URL a character per line (a page ~2700 px tall) with 停用 and
    删除 off-screen. Each endpoint, delivery and token is a card; every button is within reach; the token's
    expiry picker holds its default day in either language."""
    from obligations.models import UserPreferences, WebhookDelivery, WebhookEndpoint
    from obligations.trust.api_tokens import token_create

    now = timezone.now()
    platform = demo_setup(now=now - timedelta(days=3))
    officer = platform.memberships.get(role=Role.OFFICER).user
    UserPreferences.objects.update_or_create(user=officer, defaults={"language": language})
    for n in range(3):
        endpoint = WebhookEndpoint.objects.create(  # written as registered: the test machine resolves no name
            platform=platform, url=f"https://hooks.example.com/pledge/receiver/{n}/" + "x" * 40,
            events=["case.opened", "task.missed", "review.sealed"], description="运维值班平台", created_by=officer,
            created_at=now)
    WebhookDelivery.objects.create(endpoint=endpoint, platform=platform, event="case.opened", subject_id=1, payload={},
                                   status="failed", attempts=8, last_error="refused", created_at=now,
                                   next_attempt_at=now, last_attempt_at=now)
    token_create(platform=platform, user=officer, name="监控系统", scopes=["read", "complete", "cases"],
                 expires_at=now + timedelta(days=30), now=now)
    driver = phone()
    try:
        login(driver, live_server.url, "officer", DEMO_PASSWORD)
        for path, table, buttons in ((f"/platforms/{platform.slug}/webhooks/", "#endpoint-table",
                                      "#endpoint-table button, #endpoint-table summary"),
                                     (f"/platforms/{platform.slug}/webhooks/deliveries/", "#delivery-table",
                                      "#delivery-table button"),
                                     (f"/platforms/{platform.slug}/api-tokens/", "#token-table",
                                      "#token-table summary")):
            driver.get(live_server.url + path)
            heights = driver.execute_script(ROW_HEIGHTS, table)
            assert heights and max(heights) <= 420, (path, heights)
            assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS), path
            shown = driver.find_elements(By.CSS_SELECTOR, buttons)
            assert shown and all(driver.execute_script(INSIDE, b) for b in shown), path
            widths = driver.execute_script(
                "return Array.from(document.querySelectorAll(arguments[0] + ' td'), (c) => c.offsetWidth);", table)
            assert min(widths) >= 300, (path, widths)  # each cell a full-width line of its card
        picker = driver.find_element(By.NAME, "expires_on")
        assert picker.get_attribute("value") == (now.astimezone(platform.tz) + timedelta(days=90)).date().isoformat()
        revoke = driver.find_element(By.CSS_SELECTOR, ".revoke-token summary")
        click(driver, revoke)
        confirm = driver.find_element(By.CSS_SELECTOR, ".revoke-token button[type=submit]")
        wait(driver).until(EC.visibility_of(confirm))
        assert driver.execute_script(INSIDE, confirm)
        assert not [e["message"] for e in driver.get_log("browser") if "does not conform" in e["message"]]
    finally:
        driver.quit()


def test_the_api_guide_reads_on_a_phone_and_leads_back_to_pledge(live_server):
    driver = phone()
    try:
        driver.get(live_server.url + "/api/v1/guide/")
        assert "Pledge API (v1)" in driver.find_element(By.CSS_SELECTOR, "#api-guide h1").text
        assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)
        assert driver.find_element(By.ID, "back-to-pledge").get_attribute("href") == live_server.url + "/"
        assert not [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    finally:
        driver.quit()


LEAKED = ("Failed to send DingTalk notification: HTTPSConnectionPool(host='oapi.dingtalk.com', port=443): Max retries "
          "exceeded with url: /robot/send?access_token=abcdef0123456789abcdef0123456789&timestamp=1765000000000&sign="
          "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9v (Caused by NameResolutionError)")
# Every element's right edge within the viewport (nothing cut off or pushed out of its row).
OVERFLOWING = """
return Array.from(document.querySelectorAll(arguments[0] + ' > tbody *, ' + arguments[0] + ' > thead th'))
  .filter((e) => !(e.closest('thead') && e.closest('thead').getBoundingClientRect().width <= 1))  // a stacked table's
  .filter((e) => e.getBoundingClientRect().width > 1 && e.getBoundingClientRect().right > window.innerWidth + 1)
  .map((e) => e.tagName + ' ' + (e.id || e.className) + ' ' + e.textContent.trim().slice(0, 30));
"""


@pytest.fixture
def robots_demo(settings):
    """The demo platform with three group robots (one long-named), failed deliveries (one an older
    record with the library's English words and the robot's token), no service answering, no SMS."""
    settings.PLEDGE_SMS_URL = ""
    now = timezone.now()
    platform = demo_setup(now=now - timedelta(days=2))
    run_sweeps(now=now)
    kinds = (("dingtalk", "运维值班群" + "X" * 50, "SECabcdef123"), ("wecom", "合规部", ""), ("feishu", "客服主管群", ""))
    robots = [Robot.objects.create(platform=platform, kind=kind, name=name, token="abcdef0123456789", secret=secret,
                                   topics=list(Robot.Topic), language="zh-hans", created_at=now)
              for kind, name, secret in kinds]
    n = Notification.objects.order_by("id").first()
    for i, (robot, error) in enumerate(zip(robots, (LEAKED, "http:500", "unreachable"), strict=True)):
        Delivery.objects.create(notification=n, channel="robot", robot=robot, reason=f"x:{i}", platform=platform,
                                started_at=now, failed_at=now, error=error)
    with socket.socket() as s:  # a port nobody listens on: the test message fails at once
        s.bind(("127.0.0.1", 0))
        settings.PLEDGE_CHANNEL_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"
    return platform


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_group_robots_page_fits_a_phone_and_a_desktop_in_both_languages(live_server, robots_demo, language):
    url = f"{live_server.url}/platforms/{robots_demo.slug}/channels/"
    for driver in (phone(), make_driver(width=1280, height=1000)):
        try:
            login(driver, live_server.url, "officer", DEMO_PASSWORD)
            driver.add_cookie({"name": "django_language", "value": language})
            driver.get(url)
            test_button = driver.find_element(By.CSS_SELECTOR, "#robots button[id^=robot-test-]")
            click(driver, test_button)  # fails: the failure's reason, local time and zone, on the page
            alert = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "main > .alert-danger")))
            assert ("无法连接" if language == "zh-hans" else "Could not connect") in alert.text
            assert ("北京时间" if language == "zh-hans" else "Beijing time") in alert.text
            page = driver.find_element(By.TAG_NAME, "main").text
            assert "abcdef0123456789" not in page and "HTTPSConnectionPool" not in page and "sign=" not in page
            assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)
            for table in ("#robots", "#channel-failures"):
                assert not driver.execute_script(OVERFLOWING, table), (table, driver.get_window_size(),
                                                                     driver.execute_script(OVERFLOWING, table))
            # Each action sits in its robot's row, and a delete asks first.
            row = driver.find_element(By.CSS_SELECTOR, "#robots tbody tr")
            remove = row.find_element(By.CSS_SELECTOR, "details.robot-remove summary")
            row_box, remove_box = row.rect, remove.rect
            assert row_box["y"] <= remove_box["y"] and remove_box["y"] + remove_box["height"] <= row_box["y"] + row_box["height"]
            click(driver, remove)
            confirm = row.find_element(By.CSS_SELECTOR, "details.robot-remove button[type=submit]")
            wait(driver).until(EC.visibility_of(confirm))
            assert Robot.objects.filter(removed_at__isnull=True).count() == 3
            if driver.execute_script("return window.innerWidth") == 390:
                names, shown = driver.execute_script(HEADERS_AS_SHOWN, "#robots")
                line = driver.execute_script("return parseFloat(getComputedStyle(document.body).lineHeight)")
                for label, width, height in shown[:5]:  # the actions' cell is led by no label
                    assert width >= 40 and height <= 2.5 * line, (label, width, height)
            # The robot's own page (its token masked) and a person's channels (SMS not set up: disabled).
            driver.get(driver.find_element(By.CSS_SELECTOR, "#robots tbody tr a").get_attribute("href"))
            assert "abcdef0123456789" not in driver.page_source and "…6789" in driver.find_element(By.ID, "robot-form").text
            assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)
            driver.get(f"{live_server.url}/settings/channels/")
            assert not driver.find_element(By.NAME, "by_sms").is_enabled()
            assert not driver.execute_script(PAGE_SCROLLS_SIDEWAYS)
        finally:
            driver.quit()
