"""The review pages: who reads, who writes, what the workspace shows, and the forms."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from obligations.models import AuditEvent, Membership, Occurrence, Review, Role
from obligations.oversight.review_snapshot import review_snapshot
from obligations.oversight.reviews import (
    finding_add,
    quorum,
    rectification_open,
    review_explain,
    review_open,
    review_sign,
)
from obligations.tasks import run_sweeps
from tests.conftest import make_user

AFTER_Q4 = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def review(signed_letter):
    run_sweeps(now=datetime(2026, 11, 10, 2, 0, tzinfo=UTC))
    review, _ = review_open(platform=signed_letter.platform, year=2026, quarter=4, now=AFTER_Q4)
    return review


@pytest.fixture
def sue(platform):
    user = make_user("sue", platform, Role.SUPERVISOR)
    user.set_password("pw-sue")
    user.save()
    return user


@pytest.mark.parametrize("role,status", [(Role.OFFICER, 200), (Role.SUPERVISOR, 200), (Role.AUDITOR, 200),
                                         (Role.STAFF, 403)])
def test_who_reads_the_review(client, platform, review, role, status):
    client.force_login(make_user("someone", platform, role))
    assert client.get(reverse("review-detail", args=[review.pk])).status_code == status
    assert client.get(reverse("review-list", args=[platform.slug])).status_code == status


def test_a_stranger_gets_404(client, review):
    from obligations.models import Platform

    other = Platform.objects.create(slug="beta", name="Beta")
    client.force_login(make_user("charlie", other, Role.OFFICER))
    assert client.get(reverse("review-detail", args=[review.pk])).status_code == 404


def test_workspace_shows_figures_exceptions_and_links(client, officer, review):
    client.force_login(officer)
    html = client.get(reverse("review-detail", args=[review.pk])).content.decode()
    assert 'id="review-obligations"' in html and 'data-obligation="三.2"' in html
    assert "?obligation=三.2&state=missed&date_from=2026-10-01&date_to=2026-12-31" in html
    assert "待说明" in html and "explain-form" in html  # the officer explains


def test_workspace_names_its_letter_version_and_a_running_quarter(client, officer, review):
    def page(at):
        with time_machine.travel(at, tick=False):
            client.force_login(officer)
            return client.get(reverse("review-detail", args=[review.pk])).content.decode()

    running = page(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert "依据承诺书第 1 版(2026-11-02 签署)" in running
    assert "截至 2026-12-07 10:00(北京时间),期间未结束" in running and "尚未生成" in running
    # Over, but the sweep has raised tasks only to 24 November: what it owes is still shown apart.
    over = page(AFTER_Q4)
    assert "期间未结束" not in over and "尚未生成" in over


def test_officer_explains_and_supervisor_records_a_finding(client, officer, sue, review):
    missed = Occurrence.objects.filter(platform=review.platform, state="missed").first()
    client.force_login(officer)
    client.post(reverse("review-explain", args=[review.pk]), {"occurrence": missed.pk, "text": "系统升级停机"})
    assert review.explanations.get().text == "系统升级停机"
    client.force_login(sue)
    client.post(reverse("review-finding", args=[review.pk]), {"text": "夜间巡检人手不足", "severity": "medium"})
    assert review.findings.get().severity == "medium"
    # The officer may not record the group's findings.
    client.force_login(officer)
    assert client.post(reverse("review-finding", args=[review.pk]), {"text": "x", "severity": "low"}).status_code == 403


def test_signing_needs_the_password_and_says_why_not(client, sue, review):
    client.force_login(sue)
    response = client.post(reverse("review-sign", args=[review.pk]), {"password": "pw-sue"}, follow=True)
    assert "没有说明" in response.content.decode()
    assert not review.signatures.exists()


def test_a_rectification_from_the_page_becomes_the_owners_task(client, officer, staff, review):
    client.force_login(officer)
    client.post(reverse("review-rectify", args=[review.pk]),
                {"title": "补做巡检", "owner": staff.pk, "due_date": "2026-12-20"})
    rectification = review.rectifications.get()
    assert rectification.obligation.occurrences.count() == 1
    client.force_login(staff)
    assert "整改:补做巡检" in client.get(reverse("my-tasks")).content.decode()


def test_bad_form_input_is_explained(client, officer, review):
    client.force_login(officer)
    response = client.post(reverse("review-rectify", args=[review.pk]),
                           {"title": "", "owner": "", "due_date": "2027-13-45"}, follow=True)
    html = response.content.decode()
    assert "请填写此项" in html and "请选择责任人" in html and "有效日期" in html
    assert not Review.objects.get(pk=review.pk).rectifications.exists()


def test_get_is_refused_on_actions(client, sue, review):
    client.force_login(sue)
    assert client.get(reverse("review-sign", args=[review.pk])).status_code == 405
    assert (AFTER_Q4 - timedelta(days=1)) < AFTER_Q4


# Explaining many at once: the panel's filter picks, one explanation saves them all.

def waiting_checks(review):
    """The missed 安全检查 without an explanation."""
    from obligations.oversight.review_snapshot import exceptions

    return [e["occurrence"] for e in exceptions(review)
            if e["kind"] == "missed" and e["clause"] == "三.2" and not e["explanation"]]


def ticked(html):
    import re

    return {int(pk) for pk in re.findall(r'name="occurrence" value="(\d+)" id="exception-\d+" checked', html)}


def test_a_filter_lists_and_ticks_the_waiting_exceptions_it_picks(client, officer, review):
    client.force_login(officer)
    url = reverse("review-detail", args=[review.pk])
    assert ticked(client.get(url).content.decode()) == set()  # nothing ticked until the officer chooses
    html = client.get(url, {"obligation": "三.2 安全检查", "cause": "missed"}).content.decode()
    assert ticked(html) == set(waiting_checks(review)) and len(ticked(html)) > 3
    panel = client.get(reverse("review-exceptions", args=[review.pk]), {"cause": "missed", "day": "2026-11-09", "obligation": "三.2 安全检查"},
                       headers={"HX-Request": "true"}).content.decode()
    assert panel.startswith('\n<div id="exceptions-panel">') or panel.lstrip().startswith('<div id="exceptions-panel">')
    assert "<html" not in panel and len(ticked(panel)) == 3  # the 9th's three checks, 08:00 to 24:00


def test_one_explanation_saves_every_ticked_exception_and_the_panel_comes_back_in_place(client, officer, review):
    client.force_login(officer)
    ids = waiting_checks(review)[:7]
    from obligations.oversight.review_snapshot import exceptions

    before = sum(1 for e in exceptions(review) if not e["explanation"])
    response = client.post(reverse("review-explain", args=[review.pk]),
                           {"occurrence": ids, "text": "系统升级停机", "cause": "missed"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "已为 7 项异常保存说明。" in html
    assert f'data-count="{before - 7}">待说明 {before - 7}<' in html
    assert '<input type="hidden" name="cause" value="missed">' in html  # the filter kept
    assert {e.occurrence_id for e in review.explanations.all()} == set(ids)
    assert all(f'data-occurrence="{pk}" data-kind="missed"' in html for pk in ids)


def test_without_scripts_the_save_returns_to_the_filtered_list(client, officer, review):
    client.force_login(officer)
    ids = waiting_checks(review)[:2]
    response = client.post(reverse("review-explain", args=[review.pk]),
                           {"occurrence": ids, "text": "停机", "obligation": "三.2 安全检查"})
    assert response.status_code == 302
    assert response["Location"].endswith("?obligation=%E4%B8%89.2+%E5%AE%89%E5%85%A8%E6%A3%80%E6%9F%A5#exceptions")
    assert "已为 2 项异常保存说明。" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("sent,message", [({"text": "  "}, "请填写此项"), ({"text": "x", "occurrence": []}, "请勾选"),
                                          ({"text": "x", "occurrence": ["abc"]}, "无法识别"),
                                          ({"text": "x", "occurrence": [str(2**63)]}, "无法识别")])
def test_a_refused_save_says_why_and_keeps_the_ticks_and_the_text(client, officer, review, sent, message):
    client.force_login(officer)
    ids = waiting_checks(review)[:3]
    data = {"occurrence": ids, **sent}
    response = client.post(reverse("review-explain", args=[review.pk]), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="explain-error"' in html and message in html
    assert not review.explanations.exists()
    if data["occurrence"] == ids:
        assert ticked(html) == set(ids)
    assert f">{sent['text']}</textarea>" in html


def test_readers_see_the_list_without_boxes_and_staff_nothing(client, platform, review):
    client.force_login(make_user("audrey", platform, Role.AUDITOR))
    html = client.get(reverse("review-detail", args=[review.pk])).content.decode()
    assert 'id="exception-filter"' in html and 'name="occurrence"' not in html and 'id="explain-form"' not in html
    assert client.post(reverse("review-explain", args=[review.pk]),
                       {"occurrence": waiting_checks(review)[:1], "text": "x"}).status_code == 403
    client.force_login(make_user("stan", platform, Role.STAFF))
    assert client.get(reverse("review-exceptions", args=[review.pk])).status_code == 403


# --- the group's quorum and the names people read (issue 24, item 11) ---------------------------

def named(user, platform, full_name, post):
    Membership.objects.filter(user=user, platform=platform).update(full_name=full_name, post=post)


def test_the_officer_sets_the_quorum_on_the_reviews_page_audited_and_bounded(client, officer, sue, platform, review):
    make_user("sam", platform, Role.SUPERVISOR)
    client.force_login(officer)
    page = client.get(reverse("review-list", args=[platform.slug])).content.decode()
    assert 'id="quorum-form"' in page and "每次季度审查需 2 人签署后关闭" in page  # all of the group by default
    settings_url = reverse("review-settings", args=[platform.slug])
    for bad, says in (("0", "签署人数至少为 1"), ("3", "签署人数须在 1 到监督小组人数 2 之间"), ("两", "请输入整数")):
        response = client.post(settings_url, {"quorum": bad})
        assert response.status_code == 400 and says in response.content.decode(), bad
        assert f'value="{bad}"' in response.content.decode()  # what was typed stays in its box
    platform.refresh_from_db()
    assert platform.review_quorum is None and not AuditEvent.objects.filter(action="review.quorum").exists()
    assert client.post(settings_url, {"quorum": "1"}).status_code == 302
    assert client.post(settings_url, {"quorum": "1"}).status_code == 302  # the double click writes nothing more
    platform.refresh_from_db()
    assert platform.review_quorum == 1 and quorum(Review.objects.get(pk=review.pk)) == 1
    [record] = AuditEvent.objects.filter(action="review.quorum")
    assert (record.actor, record.data) == (officer, {"from": None, "to": 1, "group": 2})
    assert "每次季度审查需 1 人签署后关闭" in client.get(reverse("review-list", args=[platform.slug])).content.decode()
    assert client.post(settings_url, {"quorum": ""}).status_code == 302  # empty: all of them again
    platform.refresh_from_db()
    assert platform.review_quorum is None


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.STAFF])
def test_only_the_officer_sets_the_quorum(client, platform, review, role):
    client.force_login(make_user("someone", platform, role))
    assert client.post(reverse("review-settings", args=[platform.slug]), {"quorum": "1"}).status_code == 403
    platform.refresh_from_db()
    assert platform.review_quorum is None
    if role != Role.STAFF:
        assert 'id="quorum-form"' not in client.get(reverse("review-list", args=[platform.slug])).content.decode()


def test_signers_finders_and_owners_show_by_their_full_name_and_post(client, officer, sue, staff, platform, review):
    named(sue, platform, "苏珊", "监督小组组长")
    named(officer, platform, "王立平", "合规总监")
    named(staff, platform, "李娜", "安全运营专员")
    platform.review_quorum = 2
    platform.save()
    make_user("sam", platform, Role.SUPERVISOR)
    for e in review_snapshot(review, now=AFTER_Q4)["exceptions"]:
        review_explain(review=review, occurrence=Occurrence.objects.get(pk=e["occurrence"]), text="停检",
                       user=officer, now=AFTER_Q4)
    finding_add(review=review, text="夜间检查延后", severity="low", user=sue, now=AFTER_Q4)
    rectification_open(review=review, title="增加值班", owner=staff, due_date=date(2027, 2, 1), user=officer,
                       now=AFTER_Q4)
    review_sign(review=review, user=sue, password="pw-sue", now=AFTER_Q4)
    client.force_login(officer)
    html = client.get(reverse("review-detail", args=[review.pk])).content.decode()
    signatures = html[html.index('id="review-signatures"'):]
    assert "苏珊(监督小组组长)" in signatures[:signatures.index("</ul>")]
    assert "· 苏珊</span>" in html and "· 王立平</span>" in html  # the finding's author, the explanations'
    assert "· 李娜 ·" in html  # the rectification's owner
    owner_choices = html[html.index('name="owner"'):]
    assert ">李娜</option>" in owner_choices[:owner_choices.index("</select>")]
    assert '>sue<' not in html and "· sue" not in html and "· alice" not in html
    page = client.get(reverse("review-list", args=[platform.slug])).content.decode()
    assert "苏珊(监督小组组长)" in page and ">sam<" in page  # no name given: the username
