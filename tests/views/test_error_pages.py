"""Error pages (issue 22, item 6): a Host outside ALLOWED_HOSTS gets the 400 page, not a 500,
and every error page speaks the language of its own request, never the one the worker's
thread served before it (an error raised ahead of the locale middleware finds it still active)."""

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client

from obligations.models import UserPreferences
from tests.conftest import make_user

ZH_500, EN_500 = "服务器出错", "Server error"


@pytest.fixture
def speakers(platform):
    """A user who reads English and one who reads Chinese, each having just loaded a page:
    the worker's thread is left in that user's language."""
    def signed_in(name, language):
        user = make_user(name, platform, "staff")
        UserPreferences.objects.create(user=user, language=language)
        client = Client()
        client.force_login(user)
        return client
    return {"en": signed_in("eve", "en"), "zh-hans": signed_in("zhao", "zh-hans")}


def stranger(language=None):
    client = Client(raise_request_exception=False)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("before, visitor, says, not_says", [
    ("en", None, "请求有误", "Bad request"),
    ("zh-hans", "en", "Bad request", "请求有误"),
])
def test_a_host_outside_allowed_hosts_gets_the_400_page_in_its_own_language(speakers, before, visitor, says,
                                                                              not_says):
    assert speakers[before].get("/tasks/").status_code == 200
    response = stranger(visitor).get("/tasks/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page and not_says not in page
    assert "/accounts/logout/" not in page  # an anonymous frame: the request never reached authentication


@pytest.mark.parametrize("before, visitor, says, not_says", [
    ("en", None, ZH_500, EN_500),
    ("zh-hans", "en", EN_500, ZH_500),
])
def test_a_500_before_the_locale_middleware_is_in_its_own_requests_language(speakers, monkeypatch, before,
                                                                             visitor, says, not_says):
    assert speakers[before].get("/tasks/").status_code == 200

    def broken_session(self, request):
        raise RuntimeError("the session store failed")

    monkeypatch.setattr(SessionMiddleware, "process_request", broken_session)
    response = stranger(visitor).get("/tasks/")
    assert response.status_code == 500
    page = response.content.decode()
    assert says in page and not_says not in page


@pytest.mark.parametrize("path, status", [("/no-such-page/", 404), ("/platforms/new/", 403)])
def test_404_and_403_follow_the_request_not_the_thread(speakers, platform, path, status):
    english = speakers["en"]
    assert english.get("/tasks/").status_code == 200
    chinese = Client()
    chinese.force_login(make_user("li", platform, "staff"))
    page = chinese.get(path)
    assert page.status_code == status
    assert 'lang="zh-hans"' in page.content.decode()
    page = english.get(path)
    assert page.status_code == status and 'lang="en"' in page.content.decode()
