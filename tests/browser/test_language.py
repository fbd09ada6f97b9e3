"""The language menu in a real browser: 简体中文 and English each in its own tongue; the
choice made in one browser follows the user to another one at sign-in."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from obligations.models import Platform, Role, UserPreferences
from tests.browser.driver import gone, login, make_driver, wait
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drivers():
    made = []
    yield lambda: made.append(make_driver()) or made[-1]
    for d in made:
        d.quit()


def test_the_language_chosen_in_one_browser_applies_in_another(live_server, drivers):
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台")
    bob = make_user("bob", platform, Role.STAFF)
    bob.set_password("bob-pw-2026")
    bob.save()

    first = drivers()
    login(first, live_server.url, "bob", "bob-pw-2026")
    menu = Select(first.find_element(By.NAME, "language"))
    assert [o.text for o in menu.options] == ["简体中文", "English"]
    assert first.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    page = first.find_element(By.TAG_NAME, "html")
    menu.select_by_value("en")  # submits itself (pledge.js)
    wait(first).until(gone(page))
    wait(first).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert [o.text for o in Select(first.find_element(By.NAME, "language")).options] == ["简体中文", "English"]
    assert UserPreferences.objects.get(user=bob).language == "en"

    second = drivers()  # another browser: no cookie of the first
    login(second, live_server.url, "bob", "bob-pw-2026")
    assert second.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "My tasks" in second.page_source
