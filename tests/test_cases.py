"""Cases and their clocks: deadlines, double submission, closing, the public pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from obligations.cases.response_time import monthly_response_times, p90
from obligations.cases.services import case_close, case_open
from obligations.errors import DomainError
from obligations.models import Case, Occurrence, Platform, Role
from obligations.work.occurrences import occurrence_complete

from .conftest import make_user

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def open_case(platform, kind="complaint", received=None, **kw):
    received = received or at(2026, 11, 2, 10)
    case, _ = case_open(platform=platform, kind=kind, description="页面无法登录", received_at=received,
                        now=received + timedelta(minutes=1), **kw)
    return case


def clocks(case):
    return {c.step: c for c in case.clocks.select_related("obligation")}


def test_complaint_clocks_24_hours_and_7_days(signed_letter):
    case = open_case(signed_letter.platform)
    assert case.number == "TS-2026-000001"
    c = clocks(case)
    assert c["respond"].due_at == at(2026, 11, 3, 10) and c["decide"].due_at == at(2026, 11, 9, 10)
    assert c["respond"].state == "open" and c["respond"].clause.number == "四.3"
    assert open_case(signed_letter.platform).number == "TS-2026-000002"


def test_serious_tier_shortens_the_decision(signed_letter):
    c = clocks(open_case(signed_letter.platform, severity="serious"))
    assert c["decide"].due_at == at(2026, 11, 3, 10)


def test_finding_in_working_days_across_national_day(signed_letter):
    case = open_case(signed_letter.platform, kind="finding", severity="serious", received=at(2026, 9, 30, 15))
    # Five working days: 8, 9, 10 (the make-up Saturday), 12, 13 October.
    assert case.number.startswith("FX-2026-")
    assert clocks(case)["fix"].due_at == at(2026, 10, 14, 0, 0)
    ordinary = open_case(signed_letter.platform, kind="finding", received=at(2026, 9, 30, 15))
    assert clocks(ordinary)["fix"].due_at == at(2026, 10, 30, 15)


def test_incident_recovery_clock(signed_letter):
    case = open_case(signed_letter.platform, kind="incident", received=at(2026, 11, 2, 23, 30))
    assert clocks(case)["recover"].due_at == at(2026, 11, 3, 23, 30)


def test_double_submission_makes_one_case_and_one_set_of_clocks(signed_letter):
    first, created = case_open(platform=signed_letter.platform, kind="complaint", description="x",
                               received_at=at(2026, 11, 2, 10), now=at(2026, 11, 2, 10), submission_key="k1")
    again, created_again = case_open(platform=signed_letter.platform, kind="complaint", description="x",
                                     received_at=at(2026, 11, 2, 10), now=at(2026, 11, 2, 10), submission_key="k1")
    assert created and not created_again and first.pk == again.pk
    assert Case.objects.count() == 1 and Occurrence.objects.filter(case__isnull=False).count() == 2


def test_closing_asks_for_each_open_clock(signed_letter, officer, staff):
    case = open_case(signed_letter.platform)
    c = clocks(case)
    occurrence_complete(occurrence=c["respond"], user=staff, note="已致电用户", now=at(2026, 11, 2, 11))
    with pytest.raises(DomainError, match="处理意见"):
        case_close(case=case, user=officer, note="办结", waivers={}, now=at(2026, 11, 2, 12))
    case.refresh_from_db()
    assert case.state == "open"
    case_close(case=case, user=officer, note="办结", waivers={c["decide"].pk: "用户撤回投诉"}, now=at(2026, 11, 2, 12))
    case.refresh_from_db()
    c["decide"].refresh_from_db()
    assert case.state == "closed" and c["decide"].state == "waived" and c["decide"].waived_reason == "用户撤回投诉"


def test_bad_case_input(signed_letter):
    with pytest.raises(DomainError, match="请填写"):
        case_open(
            platform=signed_letter.platform, kind="complaint", description="  ", received_at=at(2026, 11, 2),
            now=at(2026, 11, 2))
    with pytest.raises(DomainError, match="不能晚于"):
        case_open(platform=signed_letter.platform, kind="complaint", description="x", received_at=at(2026, 11, 3),
                  now=at(2026, 11, 2))
    assert not Case.objects.exists()


# The public pages.

@pytest.fixture
def public(signed_letter):
    platform = signed_letter.platform
    platform.public_intake = True
    platform.save()
    return platform


def submit(client, platform, **data):
    url = reverse("public-complaint", args=[platform.slug])
    page = client.get(url)
    key = page.context["form"]["submission"].value()
    return client.post(url, {"submission": key, "reporter_contact": "13800000000", "description": "无法退款",
                             **data})


def test_public_complaint_gives_a_number_and_status_shows_dates(client, public, staff):
    response = submit(client, public)
    case = Case.objects.get()
    assert case.number in response.content.decode() and case.channel == "public"
    status_url = reverse("public-status", args=[public.slug])
    html = client.post(status_url, {"number": case.number, "contact": "13800000000"}).content.decode()
    assert "处理中" in html and "尚未响应" in html and "无法退款" not in html  # nothing but state and dates
    occurrence_complete(occurrence=clocks(case)["respond"], user=staff, note="已回电", now=case.received_at + timedelta(hours=2))
    html = client.post(status_url, {"number": case.number, "contact": "13800000000"}).content.decode()
    responded = (case.received_at + timedelta(hours=2)).astimezone(SH).strftime("%Y-%m-%d %H:%M")
    assert responded in html and "已回电" not in html


def test_double_post_of_the_public_form_makes_one_case(client, public):
    url = reverse("public-complaint", args=[public.slug])
    key = client.get(url).context["form"]["submission"].value()
    data = {"submission": key, "reporter_contact": "a@b.cn", "description": "重复提交"}
    first = client.post(url, data).content.decode()
    second = client.post(url, data).content.decode()
    number = Case.objects.get().number
    assert number in first and number in second
    assert Occurrence.objects.filter(case__isnull=False).count() == 2


@pytest.mark.parametrize("data,message", [({"description": ""}, "请填写投诉内容"),
                                          ({"description": "长" * 2001}, "内容过长"),
                                          ({"reporter_contact": ""}, "请填写联系方式")])
def test_bad_public_submissions_create_no_case(client, public, data, message):
    response = submit(client, public, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Case.objects.exists()


def test_rate_limit(client, public, settings):
    settings.PLEDGE_PUBLIC_SUBMIT_LIMIT = 2
    assert submit(client, public).status_code == 200
    assert submit(client, public).status_code == 200
    response = submit(client, public)
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert Case.objects.count() == 2


def test_forged_token_is_refused(public):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("public-complaint", args=[public.slug]),
                           {"submission": "x", "reporter_contact": "c", "description": "d",
                            "csrfmiddlewaretoken": "forged"})
    assert response.status_code == 403 and not Case.objects.exists()


def test_status_lookup_does_not_say_which_part_was_wrong(client, public):
    submit(client, public)
    case = Case.objects.get()
    url = reverse("public-status", args=[public.slug])
    wrong_number = client.post(url, {"number": "TS-2026-999999", "contact": "13800000000"}).content.decode()
    wrong_contact = client.post(url, {"number": case.number, "contact": "13900000000"}).content.decode()
    for html in (wrong_number, wrong_contact):
        assert "未找到:请核对受理编号和联系方式。" in html and "status-result" not in html


def test_closed_intake_is_404(client, signed_letter):
    assert client.get(reverse("public-complaint", args=[signed_letter.platform.slug])).status_code == 404


# The board and the staff side.

def test_board_nearest_deadline_first_and_csv(client, signed_letter, officer):
    platform = signed_letter.platform
    with time_machine.travel(at(2026, 11, 2, 12), tick=False):
        late = open_case(platform, received=at(2026, 11, 2, 9))
        early = open_case(platform, kind="incident", received=at(2026, 11, 2, 8))  # recover by 3 Nov 08:00
        client.force_login(officer)
        html = client.get(reverse("case-board")).content.decode()
        csv_text = client.get(reverse("case-board"), {"format": "csv", "kind": "complaint"}).content.decode("utf-8-sig")
    assert html.index(early.number) < html.index(late.number)
    assert late.number in csv_text and early.number not in csv_text


def test_staff_registers_a_case_once(client, signed_letter, staff):
    client.force_login(staff)
    url = reverse("case-new", args=[signed_letter.platform.slug])
    key = client.get(url).context["form"]["submission"].value()
    data = {"kind": "complaint", "severity": "ordinary", "channel": "phone", "received_at": "2026-11-02T10:00",
            "description": "电话投诉", "submission": key}
    with time_machine.travel(at(2026, 11, 2, 10, 5), tick=False):
        client.post(url, data)
        client.post(url, data)
    assert Case.objects.count() == 1
    bad = client.post(url, {**data, "received_at": "昨天"}).content.decode()
    assert "请输入有效时间" in bad


def test_case_pages_refuse_strangers(client, signed_letter):
    case = open_case(signed_letter.platform)
    other = Platform.objects.create(slug="beta", name="Beta")
    client.force_login(make_user("charlie", other, Role.OFFICER))
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("case-close", args=[case.pk]), {"note": "x"}).status_code == 404
    assert case.number not in client.get(reverse("case-board")).content.decode()


# Clause 三.4's measure.

def test_monthly_response_times_equal_an_independent_computation(signed_letter, staff):
    platform = signed_letter.platform
    minutes = {10: [5, 20, 40, 61], 11: [3, 10, 15, 20, 25, 30, 35, 40, 45, 200]}
    expected = {}
    for month, values in minutes.items():
        for i, m in enumerate(values):
            received = at(2026, month, 3 + i, 9)
            case = open_case(platform, received=received)
            occurrence_complete(occurrence=clocks(case)["respond"], user=staff, note="ok",
                                now=received + timedelta(minutes=m))
        ordered = sorted(values)
        expected[month] = (sum(values) / len(values), ordered[-(-9 * len(values) // 10) - 1])
    figures = {f.month.month: f for f in monthly_response_times(platform, now=at(2026, 11, 20, 12)) if f.count}
    assert set(figures) == {10, 11}
    for month, (average, ninetieth) in expected.items():
        assert figures[month].average == pytest.approx(average) and figures[month].p90 == pytest.approx(ninetieth)
        assert figures[month].limit == 30
    assert figures[10].breached and figures[11].breached is (expected[11][0] > 30)
    assert p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == 9 and p90([]) is None
