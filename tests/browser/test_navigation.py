"""The menus in a real browser: each role opens its platform's menu and the user menu,
sees only the pages it may open (no 法定节假日与调休 for anyone but the site administrator),
and every item it clicks opens a page of the site, never the 403 page."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Platform
from tests.browser.driver import gone, login, wait
from tests.conftest import SIGNED_AT, make_user
from tests.trust.people_support import make_site_admin

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

USER_MENU = ["日历订阅", "通知渠道", "修改密码", "两步验证", "退出登录"]
PLATFORM_MENU = {
    "staff": ["承诺书", "义务与执行人"],
    "officer": ["合规看板", "任务明细", "季度审查", "留存期满的佐证材料", "报告与导出", "承诺书", "义务与执行人",
                "审计日志", "成员管理", "群机器人", "事件推送", "接口令牌"],
    "supervisor": ["合规看板", "任务明细", "季度审查", "留存期满的佐证材料", "报告与导出", "承诺书", "义务与执行人"],
}


@pytest.fixture
def people(db):
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台")
    people = {role: make_user(name, platform, role) for role, name in
              (("officer", "alice"), ("staff", "bob"), ("supervisor", "sue"))}
    for user in people.values():
        user.set_password(f"{user.username}-pw-2026")
        user.save()
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=people["officer"],
                           now=SIGNED_AT)
    letter_sign(letter=letter, user=people["officer"], now=SIGNED_AT)
    people["site admin"] = make_site_admin("root", password="root-pw-2026")
    return people


def open_menu(driver, toggle):
    """Click a dropdown's toggle; its items once shown, as (text, link or None for a button)."""
    driver.find_element(*toggle).click()
    menu = driver.find_element(*toggle).find_element(By.XPATH, "following-sibling::ul")
    wait(driver).until(EC.visibility_of(menu))
    items = menu.find_elements(By.CSS_SELECTOR, ".dropdown-item")
    return [(i.text.strip(), i.get_attribute("href")) for i in items if i.is_displayed()]


USER_TOGGLE = (By.ID, "user-menu")
PLATFORM_TOGGLE = (By.CSS_SELECTOR, '[data-platform-menu="alpha"] > .dropdown-toggle')


def click_item(driver, toggle, text):
    """Open the menu and click its item `text`; wait for the page it opens."""
    open_menu(driver, toggle)
    page = driver.find_element(By.TAG_NAME, "html")
    menu = driver.find_element(*toggle).find_element(By.XPATH, "following-sibling::ul")
    menu.find_element(By.XPATH, f'.//a[contains(@class, "dropdown-item")][normalize-space()="{text}"]').click()
    wait(driver).until(gone(page))
    wait(driver).until(EC.presence_of_element_located(USER_TOGGLE))


@pytest.mark.parametrize("role", ["staff", "officer", "supervisor"])
def test_each_menu_item_opens_a_page_the_role_may_see(live_server, driver, people, role):
    user = people[role]
    login(driver, live_server.url, user.username, f"{user.username}-pw-2026")
    driver.get(live_server.url + "/tasks/")

    user_menu = open_menu(driver, USER_TOGGLE)
    assert [text for text, _ in user_menu] == USER_MENU
    assert "/calendar/" not in {href.removeprefix(live_server.url) for _, href in user_menu if href}
    driver.find_element(*USER_TOGGLE).click()  # closed again
    assert [text for text, _ in open_menu(driver, PLATFORM_TOGGLE)] == PLATFORM_MENU[role]
    driver.find_element(*PLATFORM_TOGGLE).click()

    for toggle, texts in ((PLATFORM_TOGGLE, PLATFORM_MENU[role]), (USER_TOGGLE, USER_MENU[:-1])):
        for text in texts:
            click_item(driver, toggle, text)
            assert "无权访问" not in driver.title and "页面不存在" not in driver.title, (role, text, driver.current_url)
            assert driver.find_elements(By.CSS_SELECTOR, "main h1, main h2"), (role, text)


def test_the_site_administrator_opens_the_holiday_calendar_from_the_user_menu(live_server, driver, people):
    login(driver, live_server.url, "root", "root-pw-2026")
    driver.get(live_server.url + "/tasks/")
    assert "法定节假日与调休" in [text for text, _ in open_menu(driver, USER_TOGGLE)]
    driver.find_element(*USER_TOGGLE).click()
    click_item(driver, USER_TOGGLE, "法定节假日与调休")
    assert driver.current_url.endswith("/calendar/") and "无权访问" not in driver.title
