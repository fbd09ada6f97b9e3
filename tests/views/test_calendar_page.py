"""The shared holiday calendar (/calendar/): only a site administrator sees it or changes it."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from obligations.models import CalendarDay
from obligations.models.calendar import CalendarYear
from tests.conftest import make_user

URL = reverse("calendar-days")
CALENDAR_LINK = f'href="{URL}"'


@pytest.fixture
def site_admin(db):
    user = make_user("root")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="administer_site", content_type__app_label="obligations"))
    return user


def test_an_officer_of_a_platform_may_neither_see_nor_change_the_calendar(client, officer, staff):
    for user in (officer, staff):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"days": "2027-01-01 休 元旦", "complete": "on"}).status_code == 403
        assert CALENDAR_LINK not in client.get(reverse("my-tasks")).content.decode()
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_a_staff_user_without_the_permission_is_refused(client, db):
    user = make_user("helpdesk")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"days": "2027-01-01 休 元旦"}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_a_site_administrator_loads_days_and_finds_the_link(client, site_admin):
    client.force_login(site_admin)
    assert CALENDAR_LINK in client.get(reverse("my-tasks")).content.decode()
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"days": "2027-01-01 休 元旦\n2027-02-07 班 春节调休"})
    assert response.status_code == 302
    assert CalendarDay.objects.count() == 2 and CalendarDay.objects.get(date=date(2027, 2, 7)).loaded_by == site_admin
    assert not CalendarYear.objects.get(year=2027).complete  # some days only: 2027 stays provisional


def test_the_checkbox_marks_the_year_complete(client, site_admin):
    client.force_login(site_admin)
    client.post(URL, {"days": "2026-12-31 班 元旦调休\n2027-01-01 休 元旦", "complete": "on", "year": "2027"})
    assert CalendarYear.objects.get(year=2027).complete and not CalendarYear.objects.get(year=2026).complete
    assert "完整的年度安排" in client.get(URL).content.decode()


def test_the_checkbox_asks_for_the_year_when_the_days_span_two(client, site_admin):
    client.force_login(site_admin)
    html = client.post(URL, {"days": "2026-12-31 班\n2027-01-01 休 元旦", "complete": "on"}).content.decode()
    assert "跨越多个年度" in html and not CalendarDay.objects.exists()


def test_bad_lines_and_contradictions_are_explained_and_nothing_is_stored(client, site_admin):
    client.force_login(site_admin)
    html = client.post(URL, {"days": "2027-01-01 休 元旦\n2027-13-01 休"}).content.decode()
    assert "第2行无法识别" in html and "2027-13-01" in html and not CalendarDay.objects.exists()
    html = client.post(URL, {"days": "2027-10-01 休 国庆节\n2027-10-08 班\n2027-10-01 班", "complete": "on"}).content.decode()
    assert "第1、3行矛盾:2027-10-01" in html
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
