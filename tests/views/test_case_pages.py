"""The case pages: the public complaint and status pages, the board, registering a case."""

import csv
import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

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
                             "consent": "on", **data})


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
    assert responded in html and "时间均为北京时间" in html and "已回电" not in html


def test_double_post_of_the_public_form_makes_one_case(client, public):
    url = reverse("public-complaint", args=[public.slug])
    key = client.get(url).context["form"]["submission"].value()
    data = {"submission": key, "reporter_contact": "a@b.cn", "description": "重复提交", "consent": "on"}
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
        assert "未找到:请核对查询码和联系方式。" in html and "status-result" not in html


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


def textarea(html, name="description"):
    start = html.index(">", html.index(f'<textarea name="{name}"')) + 1
    return unescape(html[start:html.index("</textarea>", start)].removeprefix("\n"))


def test_a_complaint_too_long_comes_back_whole_to_be_cut_down(client, public):
    response = submit(client, public, description="长" * 2500)
    html = response.content.decode()
    assert response.status_code == 400 and "内容过长:最多 2000 字" in html
    assert textarea(html) == "长" * 2500 and not Case.objects.exists()


def test_a_complaint_far_too_long_keeps_its_start_and_says_so(client, public):
    response = submit(client, public, description="长" * 100_000, reporter_name="王女士")
    html = response.content.decode()
    assert response.status_code == 400 and "共 100000 字,最多 2000 字" in html and "只保留了前 10000 字" in html
    assert textarea(html) == "长" * 10_000 and 'value="王女士"' in html
    assert len(response.content) < 50_000 and not Case.objects.exists()


def browser_post(client, url, fields):
    """A form as a browser sends it: url-encoded, its fields in the page's order."""
    return client.generic("POST", url, urlencode(fields).encode(), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_complaint_past_what_the_site_reads_gets_the_form_back_with_what_fitted(public, settings, debug):
    """A 1 MB complaint past PLEDGE_MAX_FORM_BYTES: not Django's technical page (DEBUG on, as bin/run
    sets it) nor the bare 400 page, but the complaint form again, saying truly what it kept."""
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client = Client(enforce_csrf_checks=True)
    url = reverse("public-complaint", args=[public.slug])
    page = client.get(url)
    fields = {"csrfmiddlewaretoken": page.context["csrf_token"], "submission": page.context["form"]["submission"].value(),
              "reporter_name": "王女士", "reporter_contact": "13800000000", "description": "长" * 350_000, "consent": "on"}
    response = browser_post(client, url, fields)
    html = response.content.decode()
    assert response.status_code == 413 and "RequestDataTooBig" not in html and 'id="complaint-form"' in html
    assert "提交的内容过大(3.0\xa0MB)" in html and "只保留了前 10000 字,其后未保留" in html
    assert textarea(html) == "长" * 10_000  # no half character where the reading stopped
    assert 'value="王女士"' in html and 'value="13800000000"' in html and len(response.content) < 60_000
    assert not Case.objects.exists()
    # What came back can be cut down and sent: the form it carries takes it.
    fields["description"] = textarea(html)[:2000]
    fields["csrfmiddlewaretoken"] = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    assert browser_post(client, url, fields).status_code == 200 and Case.objects.count() == 1


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_complaint_past_what_the_site_reads_in_a_body_it_cannot_read_in_part(client, public, settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    url = reverse("public-complaint", args=[public.slug])
    response = client.post(url, {"description": "长" * 400_000, "reporter_contact": "x", "submission": "y"})  # multipart
    html = response.content.decode()
    assert response.status_code == 413 and 'id="complaint-form"' in html and "RequestDataTooBig" not in html
    assert "投诉内容未能保留。请重新填写(最多 2000 字)" in html and not Case.objects.exists()


def test_a_complaint_past_what_the_site_reads_in_english(client, public, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("public-complaint", args=[public.slug])
    html = browser_post(client, url, {"reporter_contact": "x", "description": "long " * 300_000}).content.decode()
    assert "larger than the site accepts: only the first 10000 characters of the complaint were kept" in html


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


# The public page tells how contact details are used and asks consent (个人信息保护法
# 第十七条), and says the response times the signed letter promises.

def test_the_complaint_page_gives_the_notice_and_the_promised_times(client, public):
    from obligations.models import Obligation

    html = client.get(reverse("public-complaint", args=[public.slug])).content.decode()
    notice = html[html.index('id="privacy-notice"'):html.index("</section>")]
    for words in ("处理目的", "谁能看到", "保存期限", "3 年"):
        assert words in notice
    times = html[html.index('id="promised-times"'):]
    assert "24小时内响应" in times and "7日内给出处理意见" in times
    assert 'name="consent"' in html and 'type="checkbox"' in html
    ob = Obligation.objects.get(platform=public, key="四.3")
    ob.deadlines[0]["amount"] = 12
    ob.save()
    assert "12小时内响应" in client.get(reverse("public-complaint", args=[public.slug])).content.decode()


def test_a_complaint_without_consent_is_refused_and_keeps_what_was_typed(client, public):
    response = submit(client, public, consent="", description="没有勾选同意的投诉")
    html = response.content.decode()
    assert response.status_code == 400 and "请阅读个人信息处理说明并勾选同意后再提交" in html
    assert "没有勾选同意的投诉" in html and "13800000000" in html and not Case.objects.exists()


def test_consent_is_recorded_with_the_case(client, public, officer):
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        submit(client, public)
    case = Case.objects.get()
    assert case.consent_at == at(2026, 11, 2, 10) == case.received_at
    client.force_login(officer)
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert 'id="case-consent">2026-11-02 10:00<' in html


# A complaint's decision must be written, and the complainant reads it.

def decide_clock(platform):
    case = open_case(platform)
    return case, clocks(case)


def test_an_empty_decision_is_refused_in_the_row_and_the_text_kept(client, signed_letter, staff):
    case, c = decide_clock(signed_letter.platform)
    client.force_login(staff)
    url = reverse("occurrence-complete", args=[c["decide"].pk])
    listed = client.get(reverse("my-tasks")).content.decode()
    assert f'hx-get="{url}"' in listed  # the row opens its form when asked
    row = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "处理意见(必填" in row[:row.index("</li>")]
    html = client.post(url, {"note": "   "}, headers={"HX-Request": "true"}).content.decode()
    assert "请填写处理意见" in html and 'class="complete-form' in html and "is-invalid" in html
    assert f'id="files-{c["decide"].pk}" hx-preserve="true"' in html  # the files chosen stay in the browser
    # Without htmx: the page again, the error beside the field, the text as typed.
    response = client.post(url, {"note": " \n "})
    assert response.status_code == 400 and "请填写处理意见" in response.content.decode()
    c["decide"].refresh_from_db()
    assert c["decide"].state == "open"
    client.post(url, {"note": "已全额退款"}, headers={"HX-Request": "true"})
    c["decide"].refresh_from_db()
    assert c["decide"].is_completed and c["decide"].completions.get().note == "已全额退款"


def test_a_refused_completion_without_htmx_keeps_the_note(client, signed_letter, staff):
    """Any field error (here the evidence a check needs) shows the page again with the note typed."""
    from obligations.work.sweeps import obligations_materialize
    from tests.conftest import SIGNED_AT

    obligations_materialize(now=SIGNED_AT)
    check = Occurrence.objects.filter(obligation__key="三.2", opens_at__lte=SIGNED_AT).order_by("due_at").first()
    client.force_login(staff)
    with time_machine.travel(SIGNED_AT + timedelta(hours=1), tick=False):
        response = client.post(reverse("occurrence-complete", args=[check.pk]), {"note": "巡检正常,未见异常"})
    html = response.content.decode()
    assert response.status_code == 400 and "要求提交佐证材料" in html and "巡检正常,未见异常" in html


def test_the_status_page_shows_the_decision_once_decided(client, public, staff):
    submit(client, public)
    case = Case.objects.get()
    status_url = reverse("public-status", args=[public.slug])
    html = client.post(status_url, {"number": case.public_ref, "contact": "13800000000"}).content.decode()
    assert "status-decision" not in html
    occurrence_complete(occurrence=clocks(case)["decide"], user=staff, note="经核实,已全额退款。\n如有疑问请致电。",
                        now=case.received_at + timedelta(days=1))
    html = client.post(status_url, {"number": case.public_ref, "contact": "13800000000"}).content.decode()
    decision = html[html.index('id="status-decision"'):]
    assert "经核实,已全额退款。\n如有疑问请致电。" in decision[:decision.index("</dd>")]
    assert "无法退款" not in html  # still nothing of the complaint itself


# An htmx completion on the case page: the row without a link to its own case, the close
# form's waivers and the timeline refreshed beside it.

def test_completing_on_the_case_page_refreshes_the_waivers_and_the_timeline(client, signed_letter, officer):
    case, c = decide_clock(signed_letter.platform)
    client.force_login(officer)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    case_link = f'href="{reverse("case-detail", args=[case.pk])}"'
    assert f'name="waive-{c["respond"].pk}"' in page and 'name="in_case"' in page
    with time_machine.travel(case.received_at + timedelta(hours=1), tick=False):
        html = client.post(reverse("occurrence-complete", args=[c["respond"].pk]), {"note": "已回电", "in_case": "1"},
                           headers={"HX-Request": "true"}).content.decode()
    row = html[:html.index("</li>")]
    assert f'id="occ-{c["respond"].pk}"' in row and 'data-state="done"' in row and case_link not in row
    waivers = html[html.index('id="close-waivers"'):]
    waivers = waivers[:waivers.index("</div>")]
    assert 'hx-swap-oob="true"' in waivers
    assert f'name="waive-{c["respond"].pk}"' not in waivers and f'name="waive-{c["decide"].pk}"' in waivers
    timeline = html[html.index('<ol class="list-unstyled small border-start ps-3" id="timeline" hx-swap-oob="true"'):]
    assert "完成响应" in timeline[:timeline.index("</ol>")]


def test_completing_elsewhere_keeps_the_link_to_the_case(client, signed_letter, staff):
    case, c = decide_clock(signed_letter.platform)
    client.force_login(staff)
    with time_machine.travel(case.received_at + timedelta(hours=1), tick=False):
        html = client.post(reverse("occurrence-complete", args=[c["respond"].pk]), {"note": "已回电"},
                           headers={"HX-Request": "true"}).content.decode()
    assert f'href="{reverse("case-detail", args=[case.pk])}"' in html
    assert "close-waivers" not in html and "hx-swap-oob" not in html


# A case staff register: never from the public page, a real channel by default.

def test_the_registration_form_offers_no_public_channel_and_defaults_to_the_phone(client, signed_letter, officer):
    client.force_login(officer)
    url = reverse("case-new", args=[signed_letter.platform.slug])
    html = client.get(url).content.decode()
    select = html[html.index('name="channel"'):]
    select = select[:select.index("</select>")]
    assert 'value="public"' not in select and "公开投诉页面" not in select
    assert '<option value="phone" selected>' in select
    key = client.get(url).context["form"]["submission"].value()
    response = client.post(url, {"kind": "complaint", "severity": "ordinary", "channel": "public",
                                 "received_at": "2026-11-02T10:00", "description": "冒充公开渠道", "submission": key})
    assert response.status_code == 200 and not Case.objects.exists()
    assert "channel" in response.context["form"].errors


def test_the_notice_and_the_promised_times_in_english(client, public, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language a visitor chose
    html = client.get(reverse("public-complaint", args=[public.slug])).content.decode()
    assert "How your personal information is used" in html and "Who sees it" in html and "3 years" in html
    assert "respond within 24 hours" in html and "decide within 7 days" in html
    refused = submit(client, public, consent="").content.decode()
    assert "tick your consent" in refused


# The 查询码: one word on every public page, and how an officer finds a case by it.

def test_the_public_pages_name_the_reference_one_way_in_each_language(client, public, settings):
    url, status_url = reverse("public-complaint", args=[public.slug]), reverse("public-status", args=[public.slug])
    for language, word, never in (("zh-hans", "查询码", ("受理编号", "编号")), ("en", "lookup code", ("case number",))):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages = [client.get(url).content.decode(), submit(client, public).content.decode(),
                 client.post(status_url, {"number": "AAAA-BBBB-CCCC", "contact": "x"}).content.decode()]
        for html in pages:
            text = re.sub(r"<[^>]+>", " ", html)
            assert word in text.replace("Lookup code", "lookup code"), (language, text)
            assert not any(w in text for w in never), (language, text)


def test_an_officer_finds_a_case_by_its_code_however_it_is_read_out(client, signed_letter, officer, staff):
    from obligations.cases.services import case_close
    from tests.cases.support import public_complaint

    platform = signed_letter.platform
    wanted = public_complaint(platform, at(2026, 11, 2, 10))
    other = public_complaint(platform, at(2026, 11, 2, 11))
    case_close(case=wanted, user=officer, note="已答复", waivers={c.pk: "已电话答复" for c in wanted.clocks.all()},
               now=at(2026, 11, 2, 12))
    client.force_login(officer)
    ref = wanted.public_ref
    for typed in (ref, ref.lower(), ref.replace("-", ""), " ".join(ref.replace("-", "")[i:i + 4] for i in (0, 4, 8)),
                  ref[5:9].lower(), wanted.number.lower().replace("-", "")):
        html = client.get(reverse("case-board"), {"code": typed}).content.decode()
        assert f'data-case="{wanted.number}"' in html and f'data-case="{other.number}"' not in html, typed
        assert 'data-count="1"' in html  # closed, yet found: the caller may ask about one already answered
    assert 'data-count="0"' in client.get(reverse("case-board"), {"code": "ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    assert 'data-count="0"' in client.get(reverse("case-board"), {"code": "——"}).content.decode()
    assert 'data-count="0"' in client.get(reverse("case-board"), {"code": ref, "state": "open"}).content.decode()
    # The code on the board, on the case page and in both CSVs.
    assert other.public_ref in client.get(reverse("case-board")).content.decode()
    assert f'id="case-ref" lang="zxx">{ref}<' in client.get(reverse("case-detail", args=[wanted.pk])).content.decode()
    people = client.get(reverse("case-board"), {"code": ref, "format": "csv"}).content.decode("utf-8-sig")
    scripts = client.get(reverse("case-board"), {"code": ref, "format": "csv-codes"}).content.decode("utf-8-sig")
    assert [r["查询码"] for r in csv.DictReader(io.StringIO(people))] == [ref]
    assert [r["public_ref"] for r in csv.DictReader(io.StringIO(scripts))] == [ref]


# The handler (负责人) of a case.

def test_the_case_page_assigns_a_handler_among_those_who_may_handle_cases(client, signed_letter, officer, staff):
    from obligations.models import AuditEvent, Notification

    platform = signed_letter.platform
    carol = make_user("carol", platform, Role.STAFF)
    auditor = make_user("audrey", platform, Role.AUDITOR)
    make_user("sam", platform, Role.SUPERVISOR)
    stranger = make_user("charlie", Platform.objects.create(slug="beta", name="Beta"), Role.STAFF)
    case = open_case(platform)
    client.force_login(officer)
    board = client.get(reverse("case-board")).content.decode()
    assert "待分配" in board_row(board, case.number)
    assert f'data-case="{case.number}"' in client.get(reverse("case-board"), {"unassigned": "on"}).content.decode()
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    form = html[html.index('id="assign-form"'):html.index("</form>", html.index('id="assign-form"'))]
    assert "待分配" in html[html.index('id="case-assignee"'):]
    offered = re.findall(r'<option value="(\d+)"', form)
    assert sorted(offered) == sorted(str(u.pk) for u in (officer, staff, carol))  # no auditor, supervisor, stranger

    url = reverse("case-assign", args=[case.pk])
    for refused in (auditor, stranger):
        page = client.post(url, {"assignee": refused.pk}, follow=True).content.decode()
        assert "所选人员不能处理本平台的案件" in page
    case.refresh_from_db()
    assert case.assignee is None and not AuditEvent.objects.filter(action="case.assign").exists()

    page = client.post(url, {"assignee": carol.pk}, follow=True).content.decode()
    case.refresh_from_db()
    assert case.assignee == carol and "负责人已改为 carol" in page and "更换负责人" in page
    assert AuditEvent.objects.get(action="case.assign").data == {"from": None, "to": "carol"}
    assert Notification.objects.get(kind="case_assigned").recipient == carol
    assert f'data-case="{case.number}"' not in client.get(reverse("case-board"), {"unassigned": "on"}).content.decode()
    assert "carol" in board_row(client.get(reverse("case-board")).content.decode(), case.number)

    client.force_login(staff)  # staff see the handler, and may not change it
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert 'id="assign-form"' not in html and "carol" in html[html.index('id="case-assignee"'):]
    assert client.post(url, {"assignee": staff.pk}).status_code == 403
    case.refresh_from_db()
    assert case.assignee == carol
