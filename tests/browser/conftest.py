import pytest

from tests.browser.driver import make_driver


@pytest.fixture
def driver():
    """A headless chromium at desktop width, quit after the test."""
    d = make_driver()
    yield d
    d.quit()
