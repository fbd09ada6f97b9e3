"""The navigation bar and the user menu link only where the user may go: for every role,
every link they show answers 200 (trust/access.PLATFORM_PAGES decides both); a refusal
is the project's own 403 page, in the user's language, also for a form past its CSRF token."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from obligations.models import Membership, Platform, Role
from obligations.tasks import run_sweeps
from obligations.templatetags import navigation
from obligations.trust import access
from tests.conftest import SIGNED_AT, make_user
from tests.trust.people_support import make_site_admin

NAV = re.compile(r"<nav\b.*?</nav>", re.S)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
ROLES = ("officer", "staff", "supervisor", "auditor", "site admin", "two platforms")


@pytest.fixture
def people(signed_letter, officer, staff, platform):
    run_sweeps(now=SIGNED_AT)
    beta = Platform.objects.create(slug="beta", name="Beta 平台")
    dana = make_user("dana", platform, Role.SUPERVISOR)
    Membership.objects.create(user=dana, platform=beta, role=Role.STAFF)
    return {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("ann", platform, Role.AUDITOR), "site admin": make_site_admin(),
            "two platforms": dana}


def nav_links(html) -> list[str]:
    """Every link of the navigation bar and its menus (the user menu among them)."""
    nav = NAV.search(html)
    assert nav, "no navigation bar"
    links = {unescape(href) for href in HREF.findall(nav.group(0))}
    links.discard("#")  # the toggles of the dropdowns
    return sorted(links)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ROLES)
def test_every_navigation_link_answers_200(people, who):
    client = signed_in(people[who])
    for start in (reverse("my-tasks"), reverse("home")):
        links = nav_links(client.get(start, follow=True).content.decode())
        assert {reverse("my-tasks"), reverse("case-board"), reverse("calendar-feed"), reverse("password_change"),
                reverse("second-factor"), reverse("notifications")} <= set(links)
        for link in links:
            response = client.get(link, follow=True)
            assert response.status_code == 200, f"{who}: {link} answered {response.status_code}"
            assert not any("/accounts/login/" in url for url, _ in response.redirect_chain), (who, link)


# What each offers, beside the pages everyone has: the table of access.PLATFORM_PAGES, no more, no less.
OFFERED = {
    "officer": {"dashboard", "occurrence-list", "review-list", "retention", "export-list", "letter-detail",
                "obligation-list", "audit-log", "platform-members", "webhook-list", "api-tokens",
                "platform-channels"},
    "staff": {"letter-detail", "obligation-list"},
    "supervisor": {"dashboard", "occurrence-list", "review-list", "retention", "export-list", "letter-detail",
                   "obligation-list"},
    "auditor": {"dashboard", "occurrence-list", "review-list", "retention", "export-list", "letter-detail",
                "obligation-list", "audit-log"},
}


@pytest.mark.parametrize("who", OFFERED)
def test_each_role_is_offered_exactly_the_platform_pages_it_may_open(people, who):
    links = set(nav_links(signed_in(people[who]).get(reverse("my-tasks")).content.decode()))
    offered = {page for page in access.PLATFORM_PAGES if reverse(page, args=["alpha"]) in links}
    assert offered == OFFERED[who] == access.platform_pages(getattr(Role, who.upper()))


def test_the_menu_labels_every_platform_page_access_knows_and_no_other():
    """A page added to trust/access.PLATFORM_PAGES without its label would never be offered."""
    assert sorted(page for page, _label in navigation.PAGES) == sorted(access.PLATFORM_PAGES)


def test_only_the_site_administrator_is_offered_the_holiday_calendar_and_new_platforms(people):
    for who in ROLES:
        links = set(nav_links(signed_in(people[who]).get(reverse("my-tasks")).content.decode()))
        admin = who == "site admin"
        assert (reverse("calendar-days") in links) == admin, who
        assert (reverse("platform-new") in links) == admin, who
        assert (reverse("admin:index") in links) == admin, who


TOGGLE = re.compile(r'<a class="nav-link dropdown-toggle"[^>]*>([^<]*)</a>')


def test_the_switcher_sends_each_platform_to_a_page_the_role_opens(people):
    client = signed_in(people["two platforms"])  # supervisor on Alpha, staff on Beta
    alpha = client.get(reverse("dashboard", args=["alpha"])).content.decode()
    switcher = re.search(r'id="platform-switcher".*?</ul>', alpha, re.S).group(0)
    assert 'data-platform="beta" href="/platforms/beta/letter/"' in switcher  # staff there: no dashboard
    assert 'data-platform="alpha"' not in switcher  # the page's own platform heads the menu instead
    beta = client.get(reverse("letter-detail", args=["beta"])).content.decode()
    switcher = re.search(r'id="platform-switcher".*?</ul>', beta, re.S).group(0)
    assert 'data-platform="alpha" href="/platforms/alpha/dashboard/"' in switcher  # supervisor there


def test_two_platforms_make_one_menu_named_once(people):
    """The toggle names the page's platform once; a page of no platform names none and lists
    each platform's pages under its name."""
    client = signed_in(people["two platforms"])
    for url, toggle in ((reverse("dashboard", args=["alpha"]), "Alpha 平台"),
                        (reverse("letter-detail", args=["beta"]), "Beta 平台"), (reverse("my-tasks"), "平台")):
        nav = NAV.search(client.get(url).content.decode()).group(0)
        assert TOGGLE.findall(nav) == [toggle], url
    nav = NAV.search(client.get(reverse("my-tasks")).content.decode()).group(0)
    assert 'data-platform-section="alpha"' in nav and 'data-platform-section="beta"' in nav
    assert reverse("dashboard", args=["alpha"]) in nav and reverse("dashboard", args=["beta"]) not in nav


@pytest.mark.parametrize("language,says", [("zh-hans", "无权访问(403)"), ("en", "Access denied (403)")])
def test_a_refusal_is_the_projects_403_page_in_the_users_language(people, language, says):
    client = signed_in(people["supervisor"])
    client.cookies["django_language"] = language
    response = client.get(reverse("calendar-days"))
    html = response.content.decode()
    assert response.status_code == 403 and says in html and 'class="navbar' in html
    assert f'lang="{language}"' in html and "Forbidden" not in html


@pytest.mark.parametrize("language,says", [("zh-hans", "页面已过期"), ("en", "The page has expired")])
def test_a_form_past_its_csrf_token_gets_the_projects_403_page(people, language, says):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["staff"])
    client.cookies["django_language"] = language
    response = client.post(reverse("notifications-read"))
    html = response.content.decode()
    assert response.status_code == 403 and says in html and 'class="navbar' in html
    assert "CSRF verification failed" not in html and "Forbidden" not in html
