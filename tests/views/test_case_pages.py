"""The case pages: the public complaint and status pages, the board, registering a case."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from obligations.models import Case, Occurrence, Platform, Role
from obligations.work.occurrences import occurrence_complete
from tests.cases.support import SH, at, clocks, open_case
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


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
    html = response.content.decode()
    assert case.public_ref in html and case.number not in html and case.channel == "public"
    status_url = reverse("public-status", args=[public.slug])
    html = client.post(status_url, {"number": case.public_ref, "contact": "13800000000"}).content.decode()
    assert "处理中" in html and "尚未响应" in html and "无法退款" not in html  # nothing but state and dates
    occurrence_complete(occurrence=clocks(case)["respond"], user=staff, note="已回电", now=case.received_at + timedelta(hours=2))
    html = client.post(status_url, {"number": case.public_ref, "contact": "13800000000"}).content.decode()
    responded = (case.received_at + timedelta(hours=2)).astimezone(SH).strftime("%Y-%m-%d %H:%M")
    assert responded in html and "已回电" not in html


def test_double_post_of_the_public_form_makes_one_case(client, public):
    url = reverse("public-complaint", args=[public.slug])
    key = client.get(url).context["form"]["submission"].value()
    data = {"submission": key, "reporter_contact": "a@b.cn", "description": "重复提交"}
    first = client.post(url, data).content.decode()
    second = client.post(url, data).content.decode()
    number = Case.objects.get().public_ref
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
    wrong_contact = client.post(url, {"number": case.public_ref, "contact": "13900000000"}).content.decode()
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


def test_public_references_are_random_and_the_internal_number_does_not_answer(client, public):
    submit(client, public)
    submit(client, public)
    first, second = Case.objects.order_by("id")
    assert first.public_ref != second.public_ref and len(first.public_ref) == 14
    url = reverse("public-status", args=[public.slug])
    by_number = client.post(url, {"number": first.number, "contact": "13800000000"}).content.decode()
    assert "status-result" not in by_number


def test_an_oversized_complaint_is_not_echoed_back(client, public):
    response = submit(client, public, description="长" * 100_000)
    html = response.content.decode()
    assert response.status_code == 400 and "内容过长" in html and "长" * 2001 not in html
    assert len(response.content) < 50_000 and not Case.objects.exists()


def test_a_body_over_the_upload_limit_is_a_chinese_400(client, public):
    url = reverse("public-complaint", args=[public.slug])
    client.raise_request_exception = False
    response = client.post(url, {"description": "长" * (1_000_000), "reporter_contact": "x", "submission": "y"})
    assert response.status_code == 400 and "请求有误" in response.content.decode()
    assert not Case.objects.exists()


def test_a_form_posted_in_gbk_is_a_400_not_a_500(public):
    from urllib.parse import urlencode

    client = Client(raise_request_exception=False)
    body = urlencode({"description": "中文投诉", "reporter_contact": "138", "submission": "k"}, encoding="gbk").encode()
    response = client.generic("POST", reverse("public-complaint", args=[public.slug]), data=body,
                              content_type="application/x-www-form-urlencoded; charset=gbk")
    assert response.status_code == 400 and "请求有误" in response.content.decode()


# Missed and breached clocks stay on the board, in red, and in the CSV.

def board_row(html, number):
    start = html.index(f'data-case="{number}"')
    return html[html.rindex("<tr", 0, start):html.index("</tr>", start)]


def test_a_missed_clock_stays_on_the_board_in_red_and_in_the_csv(client, signed_letter, officer):
    """A complaint received two days ago, swept: its respond clock is missed. The board
    shows it in red, first; the CSV gives it as next_due and says it is overdue."""
    from obligations.tasks import run_sweeps

    platform = signed_letter.platform
    now = at(2026, 11, 4, 12)
    with time_machine.travel(now, tick=False):
        case = open_case(platform, received=at(2026, 11, 2, 12))
        fresh = open_case(platform, received=at(2026, 11, 4, 9))  # respond by 5 Nov 09:00: still running
        run_sweeps(now=now)
        respond = clocks(case)["respond"]
        assert respond.state == "missed"
        client.force_login(officer)
        html = client.get(reverse("case-board")).content.decode()
        csv_text = client.get(reverse("case-board"), {"format": "csv-codes"}).content.decode("utf-8-sig")
        people_csv = client.get(reverse("case-board"), {"format": "csv"}).content.decode("utf-8-sig")
    row = board_row(html, case.number)
    assert 'class="table-danger"' in row
    missed = row[row.index('data-step="respond"'):]
    missed = missed[:missed.index("</div>")]
    assert 'data-state="missed"' in missed and 'data-breached="1"' in missed and "未完成" in missed
    assert "text-danger" in row[row.rindex("<div", 0, row.index('data-step="respond"')):row.index('data-step="respond"')]
    assert "11-03 12:00" in missed  # the deadline it missed
    assert 'data-step="decide"' in row and "剩余" in row  # and the one still running
    assert html.index(case.number) < html.index(fresh.number)  # the missed deadline first
    assert "table-danger" not in board_row(html, fresh.number)
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert rows[case.number]["next_due"] == "2026-11-03T12:00:00+08:00"
    assert rows[case.number]["next_step"] == "respond"
    assert rows[case.number]["overdue"] == "true"
    assert rows[case.number]["breached_steps"] == "respond:missed"
    assert (rows[fresh.number]["overdue"], rows[fresh.number]["breached_steps"]) == ("false", "")
    # For people: Chinese headers and names (the codes above are for scripts).
    named = {r["编号"]: r for r in csv.DictReader(io.StringIO(people_csv))}
    assert named[case.number]["类型"] == "投诉举报" and named[case.number]["状态"] == "处理中"
    assert (named[case.number]["下一步"], named[case.number]["已逾期"]) == ("响应", "是")
    assert named[case.number]["超时步骤"] == "响应:未完成" and named[fresh.number]["已逾期"] == "否"


def test_a_clock_done_late_stays_red_and_an_open_one_past_due_is_late(client, signed_letter, officer, staff):
    platform = signed_letter.platform
    now = at(2026, 11, 4, 12)
    with time_machine.travel(now, tick=False):
        late = open_case(platform, received=at(2026, 11, 2, 12))
        occurrence_complete(occurrence=clocks(late)["respond"], user=staff, note="晚了", now=at(2026, 11, 3, 18))
        unswept = open_case(platform, kind="incident", received=at(2026, 11, 3, 10))  # recover by 4 Nov 10:00
        client.force_login(officer)
        html = client.get(reverse("case-board")).content.decode()
        csv_text = client.get(reverse("case-board"), {"format": "csv-codes"}).content.decode("utf-8-sig")
    row = board_row(html, late.number)
    assert 'data-step="respond" data-state="done_late" data-breached="1"' in row and "逾期完成" in row
    assert "table-danger" not in row  # nothing left late: the breach is history
    row = board_row(html, unswept.number)
    assert 'data-state="open" data-breached="1"' in row and "已超时" in row and "table-danger" in row
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(csv_text))}
    assert rows[late.number]["breached_steps"] == "respond:done_late"
    assert rows[unswept.number]["breached_steps"] == "recover:late" and rows[unswept.number]["overdue"] == "true"


def test_board_filters_by_platform_severity_and_breach_and_counts(client, signed_letter, officer):
    platform = signed_letter.platform
    now = at(2026, 11, 4, 12)
    with time_machine.travel(now, tick=False):
        old = open_case(platform, received=at(2026, 11, 2, 12))
        serious = open_case(platform, received=at(2026, 11, 4, 9), severity="serious")
        open_case(platform, received=at(2026, 11, 4, 10))
        client.force_login(officer)

        def numbers(**params):
            html = client.get(reverse("case-board"), params).content.decode()
            count = int(html.split('id="case-count" data-count="')[1].split('"')[0])
            found = [c.number for c in Case.objects.all() if f'data-case="{c.number}"' in html]
            assert count == len(found)
            return set(found)

        assert len(numbers(platform="alpha")) == 3 and numbers(platform="beta") == set()
        assert numbers(platform="alpha", severity="serious") == {serious.number}
        assert numbers(platform="alpha", breached="on") == {old.number}  # respond was due 3 Nov 12:00


def test_board_next_due_is_a_correlated_subquery(client, signed_letter, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_case(signed_letter.platform)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("case-board"))
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "obligations_case"' in q["sql"]
             and "next_due" in q["sql"]]
    assert "GROUP BY" not in sql and 'JOIN "obligations_occurrence"' not in sql
    assert '"U0"."case_id" = ("obligations_case"."id")' in sql  # correlated to the case row
    assert "LIMIT 1" in sql


def test_an_empty_status_lookup_over_the_limit_is_a_429_not_a_500(client, public, settings):
    settings.PLEDGE_PUBLIC_LOOKUP_LIMIT = 0
    response = client.post(reverse("public-status", args=[public.slug]), {})
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
