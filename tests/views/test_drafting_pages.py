"""The clause editor, the preview, the amendment diff and the versions, through the pages:
plain POST + redirect and htmx rows, roles, errors per field with nothing lost."""

import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from obligations.demo import demo_values
from obligations.forms.drafting import ObligationSpecForm, parse_times
from obligations.letters.services import letter_amend, letter_create
from obligations.models import AuditEvent, Clause, Letter, Obligation, Occurrence, Platform, Role
from tests.conftest import SIGNED_AT, make_user
from tests.views.form_support import as_shown

HTMX = {"HTTP_HX_REQUEST": "true"}
CHECKS_EVERY_DAY = {"title": "安全检查", "kind": "calendar", "period": "daily", "count": "",
                    "times_of_day": "09:00, 15:00, 21:00", "responsible_role": "staff", "evidence_required": "on",
                    "evidence_description": "检查记录", "retention_years": "3", "grace_minutes": "30"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(SIGNED_AT, tick=False):
        yield


@pytest.fixture
def draft(platform, officer):
    return letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    return {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("aud", platform, Role.AUDITOR), "stranger": make_user("charlie", other, Role.OFFICER)}


def clause(letter, number) -> Clause:
    return letter.clauses.get(number=number)


def as_officer(client, officer):
    client.force_login(officer)
    return client


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The editor ---------------------------------------------------------------------------

def test_the_editor_lists_every_clause_with_its_obligations(client, officer, draft):
    html = as_officer(client, officer).get(reverse("clause-editor", args=[draft.pk])).content.decode()
    for c in draft.clauses.all():
        assert f'id="clause-{c.pk}"' in html
    assert "安全检查(每日 × 3)" in html and "{checks_per_day}" in html  # the blanks one may reference
    assert 'id="letter-discard"' in html and reverse("letter-preview", args=[draft.pk]) in html


def test_the_fill_page_links_the_editor_and_keeps_signing(client, officer, draft, platform):
    c = as_officer(client, officer)
    html = c.get(reverse("letter-edit", args=[draft.pk])).content.decode()
    assert reverse("clause-editor", args=[draft.pk]) in html and 'name="sign"' in html
    response = c.post(reverse("letter-edit", args=[draft.pk]), {**demo_values(SIGNED_AT.date()), "sign": "1"})
    assert response.status_code == 302 and Letter.objects.get(pk=draft.pk).state == "signed"


def test_edit_a_clause_by_plain_post(client, officer, draft):
    target = clause(draft, "三.4")
    url = reverse("clause-edit", args=[target.pk])
    c = as_officer(client, officer)
    page = c.get(url).content.decode()  # without htmx: the editor with the clause's form open
    assert 'class="clause-form"' in page and "{service_staff}" in page
    response = c.post(url, {"title": "客服配置", "text": "平台设立{service_staff}名专职客服。", "addendum": "每月核对排班。"})
    assert response.status_code == 302
    assert response["Location"] == reverse("clause-editor", args=[draft.pk]) + f"#clause-{target.pk}"
    target.refresh_from_db()
    assert (target.title, target.text, target.addendum) == ("客服配置", "平台设立10名专职客服。", "每月核对排班。")
    assert AuditEvent.objects.filter(action="clause.update").count() == 1


def test_a_bad_clause_text_is_shown_beside_its_field_and_nothing_is_lost(client, officer, draft):
    target = clause(draft, "三.4")
    response = as_officer(client, officer).post(reverse("clause-edit", args=[target.pk]),
                                                {"title": "我的标题", "text": "平台设立{staff_count}名客服。"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<li")  # the row alone
    assert "条款引用了不存在的填空:staff_count" in html
    assert 'value="我的标题"' in html and "平台设立{staff_count}名客服。" in html
    target.refresh_from_db()
    assert target.title == "" and "{response_minutes}" in target.source


def test_htmx_edits_answer_with_the_clause_row(client, officer, draft):
    target = clause(draft, "三.4")
    c = as_officer(client, officer)
    form = c.get(reverse("clause-edit", args=[target.pk]), **HTMX).content.decode()
    assert form.lstrip().startswith("<li") and "<html" not in form and 'class="clause-form"' in form
    saved = c.post(reverse("clause-edit", args=[target.pk]), {"title": "", "text": "平台设立客服。"}, **HTMX)
    assert saved.status_code == 200 and "已保存" in saved.content.decode() and "平台设立客服。" in saved.content.decode()
    row = c.get(reverse("clause-row", args=[target.pk]), **HTMX).content.decode()
    assert 'class="clause-form"' not in row


def test_remove_needs_a_reason_and_restore(client, officer, draft):
    target = clause(draft, "三.5")
    c = as_officer(client, officer)
    refused = c.post(reverse("clause-remove", args=[target.pk]), {"reason": ""})
    assert refused.status_code == 200 and "删除条款必须填写理由。" in refused.content.decode()
    assert " open>" in refused.content.decode()  # the removal stays open with its error
    response = c.post(reverse("clause-remove", args=[target.pk]), {"reason": "培训并入集团安排"}, **HTMX)
    assert "已删除,理由:培训并入集团安排" in response.content.decode()
    target.refresh_from_db()
    assert target.removed_reason == "培训并入集团安排"
    c.post(reverse("clause-restore", args=[target.pk]))
    target.refresh_from_db()
    assert target.removed_reason == ""


def test_add_a_clause_of_the_platforms_own(client, officer, draft):
    c = as_officer(client, officer)
    refused = c.post(reverse("clause-add", args=[draft.pk]), {"section": "三", "title": "备份", "text": ""})
    assert "条款内容不能为空。" in refused.content.decode() and 'value="备份"' in refused.content.decode()
    response = c.post(reverse("clause-add", args=[draft.pk]), {"section": "三", "title": "备份",
                                                                "text": "平台每周备份数据。"})
    own = clause(draft, "三.9")
    assert response["Location"].endswith(f"#clause-{own.pk}") and own.title == "备份"


def test_add_an_obligation_with_times_of_day(client, officer, draft):
    own = as_officer(client, officer) and clause(draft, "三.2")
    url = reverse("obligation-spec-new", args=[own.pk])
    assert 'class="obligation-form' in client.get(url, **HTMX).content.decode()
    response = client.post(url, {**CHECKS_EVERY_DAY, "title": "夜间巡检", "key": "night"})
    assert response.status_code == 302
    own.refresh_from_db()
    spec = own.specs[-1]
    assert spec == {"key": "night", "title": "夜间巡检", "kind": "calendar", "period": "daily", "count": 3,
                    "times_of_day": ["09:00", "15:00", "21:00"], "spread": False, "workdays_only": False,
                    "responsible_role": "staff", "evidence_required": True, "evidence_description": "检查记录",
                    "retention_years": 3, "grace_minutes": 30}


def test_add_a_report_due_days_after_its_quarter(client, officer, draft):
    own = as_officer(client, officer) and clause(draft, "三.3")
    response = client.post(reverse("obligation-spec-new", args=[own.pk]), {
        "title": "审计季度小结", "kind": "calendar", "period": "quarterly", "count": "1", "due_days_after_period": "10",
        "responsible_role": "officer", "evidence_required": "on", "evidence_description": "小结"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.specs[-1]["due_days_after_period"] == 10
    assert "审计季度小结(每季度结束后10日内 × 1)" in client.get(reverse("clause-editor", args=[draft.pk])).content.decode()


def test_obligation_errors_per_field_in_chinese_nothing_lost(client, officer, draft):
    own = clause(draft, "三.2")
    data = {**CHECKS_EVERY_DAY, "count": "{checks_per_dya}", "times_of_day": "9:00, 25:00",
            "grace_minutes": "半小时", "evidence_description": "巡检表"}
    response = as_officer(client, officer).post(reverse("obligation-spec-new", args=[own.pk]), data, **HTMX)
    html = response.content.decode()
    assert "本承诺书没有名为“checks_per_dya”的填空。" in html
    assert "“25:00”不是有效的时刻" in html
    assert "请输入一个整数(例如 3),或引用一个数字填空" in html
    assert 'value="巡检表"' in html and 'value="9:00, 25:00"' in html and 'value="{checks_per_dya}"' in html
    own.refresh_from_db()
    assert len(own.specs) == 1


def test_the_services_refusal_is_shown_beside_its_field(client, officer, draft):
    own = clause(draft, "三.3")
    response = as_officer(client, officer).post(reverse("obligation-spec-new", args=[own.pk]),
                                                {**CHECKS_EVERY_DAY, "key": "三.2"}, **HTMX)
    html = response.content.decode()
    assert "标识“三.2”已被其他义务使用。" in html and 'id="c%s-new-key"' % own.pk in html


def test_edit_and_remove_an_obligation(client, officer, draft):
    checks = clause(draft, "三.2")
    c = as_officer(client, officer)
    url = reverse("obligation-spec-edit", args=[checks.pk, 0])
    page = c.get(url, **HTMX).content.decode()
    assert 'value="{checks_per_day}"' in page and 'name="was" value="三.2"' in page
    data = {**CHECKS_EVERY_DAY, "count": "{checks_per_day}", "key": "三.2", "was": "三.2"}
    assert c.post(url, data).status_code == 302
    checks.refresh_from_db()
    assert checks.specs[0]["count"] == "{checks_per_day}" and checks.specs[0]["times_of_day"] == ["09:00", "15:00",
                                                                                                   "21:00"]
    stale = c.post(reverse("obligation-spec-remove", args=[checks.pk, 0]), {"was": "三.1"})
    assert "该义务已被修改或删除" in " ".join(flashed(stale))
    c.post(reverse("obligation-spec-remove", args=[checks.pk, 0]), {"was": "三.2"})
    checks.refresh_from_db()
    assert checks.specs == []


def test_an_event_obligation_with_deadlines_through_the_form(client, officer, draft):
    own = clause(draft, "四.3")
    data = {"title": "复核", "kind": "event", "trigger": "complaint", "responsible_role": "supervisor",
            "retention_years": "", "deadline_0_step": "respond", "deadline_0_amount": "{complaint_response_hours}",
            "deadline_0_unit": "hours", "deadline_0_critical_amount": "4", "deadline_0_critical_unit": "hours",
            "deadline_1_step": "decide", "deadline_1_amount": "", "deadline_1_unit": "days"}
    c = as_officer(client, officer)
    refused = c.post(reverse("obligation-spec-new", args=[own.pk]), data, **HTMX).content.decode()
    assert "每条时限都需要步骤、时长和单位" in refused and 'value="{complaint_response_hours}"' in refused
    assert c.post(reverse("obligation-spec-new", args=[own.pk]), {**data, "deadline_1_amount": "7"}).status_code == 302
    own.refresh_from_db()
    assert own.specs[-1]["deadlines"] == [
        {"step": "respond", "amount": "{complaint_response_hours}", "unit": "hours",
         "tiers": {"critical": {"amount": 4, "unit": "hours"}}},
        {"step": "decide", "amount": 7, "unit": "days"}]


def test_a_tiered_template_obligation_keeps_its_tiers_when_edited(client, officer, draft):
    fixes = clause(draft, "三.8")
    c = as_officer(client, officer)
    page = c.get(reverse("obligation-spec-edit", args=[fixes.pk, 1])).content.decode()
    assert 'value="{finding_fix_serious_workdays}"' in page and 'value="{finding_fix_critical_hours}"' in page


# Roles and frozen letters ---------------------------------------------------------------

def editor_posts(letter):
    c = letter.clauses.get(number="三.2")
    return [reverse("clause-add", args=[letter.pk]), reverse("clause-edit", args=[c.pk]),
            reverse("clause-remove", args=[c.pk]), reverse("clause-restore", args=[c.pk]),
            reverse("obligation-spec-new", args=[c.pk]), reverse("obligation-spec-edit", args=[c.pk, 0]),
            reverse("obligation-spec-remove", args=[c.pk, 0]), reverse("letter-discard", args=[letter.pk])]


@pytest.mark.parametrize("who,status", [("staff", 403), ("supervisor", 403), ("auditor", 403), ("stranger", 404)])
def test_only_the_officer_edits(client, people, draft, who, status):
    client.force_login(people[who])
    for url in editor_posts(draft):
        assert client.post(url, {"reason": "x", "text": "x", "section": "三"}).status_code == status, url
    assert client.get(reverse("clause-editor", args=[draft.pk])).status_code == status
    assert Letter.objects.filter(pk=draft.pk).exists() and clause(draft, "三.2").specs


@pytest.mark.parametrize("who,status", [("officer", 200), ("staff", 200), ("supervisor", 200), ("auditor", 200),
                                        ("stranger", 404)])
def test_every_member_reads_versions_preview_and_changes(client, people, draft, who, status):
    client.force_login(people[who])
    assert client.get(reverse("letter-versions", args=["alpha"])).status_code == status
    assert client.get(reverse("letter-version", args=[draft.pk])).status_code == status
    assert client.get(reverse("letter-preview", args=[draft.pk])).status_code == status
    assert client.get(reverse("letter-changes", args=[draft.pk])).status_code == status


def test_a_signed_letter_refuses_edits_with_the_chinese_message(client, officer, signed_letter):
    c = as_officer(client, officer)
    target = clause(signed_letter, "三.2")
    message = "承诺书第1版已签署,不能修改;如需变更,请发起修订(生成新版本)。"
    for url in editor_posts(signed_letter):
        response = c.post(url, {"reason": "不再需要", "text": "改", "section": "三", "title": "t", **CHECKS_EVERY_DAY,
                                "was": "三.2"})
        assert response.status_code == 302 and response["Location"] == reverse("letter-version",
                                                                               args=[signed_letter.pk]), url
        assert message in flashed(response), url
    htmx = c.post(reverse("clause-remove", args=[target.pk]), {"reason": "不再需要"}, **HTMX)
    assert htmx["HX-Redirect"] == reverse("letter-version", args=[signed_letter.pk])
    target.refresh_from_db()
    assert target.specs[0]["key"] == "三.2" and not target.removed_reason and len(target.specs) == 1
    assert Letter.objects.get(pk=signed_letter.pk).state == "signed"


def test_discard_a_draft(client, officer, signed_letter, platform):
    c = as_officer(client, officer)
    draft = letter_amend(letter=signed_letter, user=officer, now=SIGNED_AT)
    response = c.post(reverse("letter-discard", args=[draft.pk]))
    assert response["Location"] == reverse("letter-detail", args=["alpha"])
    assert "已放弃第2版草稿。" in flashed(response)
    assert list(Letter.objects.filter(platform=platform).values_list("version", "state")) == [(1, "signed")]


# Preview, changes, versions -----------------------------------------------------------

def test_the_preview_page_shows_tasks_counts_and_events(client, officer, draft):
    c = as_officer(client, officer)
    c.post(reverse("letter-first-period", args=[draft.pk]), {"first_period": "current"})  # today's tasks owed
    checks = clause(draft, "三.2")
    c.post(reverse("obligation-spec-edit", args=[checks.pk, 0]),
           {**CHECKS_EVERY_DAY, "count": "{checks_per_day}", "key": "三.2", "was": "三.2"})
    html = c.get(reverse("letter-preview", args=[draft.pk])).content.decode()
    assert "11-02 周一 15:00" in html and "11-03 周二 09:00" in html and "安全检查 #2" in html
    assert "2026-11" in html and "2027-10" in html
    assert html.count('class="preview-task" data-key="三.2"') == 42
    assert "投诉举报" in html and "响应 24小时;处理意见 7日" in html
    assert "整改 30日(严重 5个工作日,特别严重 24小时)" in html
    assert 'id="preview-missing"' not in html
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(reverse("letter-preview", args=[draft.pk])).content.decode()
    assert "11-02 Mon 15:00" in html and "24 hours" in html and "24hours" not in html  # spelt as the letter page spells it


def test_the_preview_names_missing_blanks(client, officer, platform):
    values = demo_values(SIGNED_AT.date())
    del values["checks_per_day"]
    letter = letter_create(platform=platform, values=values, now=SIGNED_AT)
    html = as_officer(client, officer).get(reverse("letter-preview", args=[letter.pk])).content.decode()
    assert 'id="preview-missing"' in html and "每日安全检查次数" in html
    assert 'data-key="三.2"' in html and "所依据的填空尚未填写。" in html


def test_the_changes_page_lists_clause_and_obligation_changes(client, officer, signed_letter):
    c = as_officer(client, officer)
    c.post(reverse("letter-start", args=["alpha"]))
    draft = Letter.objects.get(version=2)
    c.post(reverse("letter-edit", args=[draft.pk]), {**demo_values(SIGNED_AT.date()), "checks_per_day": 2})
    c.post(reverse("clause-remove", args=[clause(draft, "三.5").pk]), {"reason": "并入集团培训"})
    c.post(reverse("clause-add", args=[draft.pk]), {"section": "三", "text": "平台每周备份数据。"})
    c.post(reverse("obligation-spec-new", args=[clause(draft, "三.9").pk]), {
        **CHECKS_EVERY_DAY, "title": "数据备份", "period": "weekly", "times_of_day": "", "key": "backup"})
    response = c.get(reverse("letter-changes", args=[draft.pk]))
    html = response.content.decode()
    assert "与第1版相比:3 条条款有变化" in html
    assert "每周期次数:<del>3</del> → <ins>2</ins>" in html
    assert 'data-number="三.5" data-status="removed"' in html and "删除理由:并入集团培训" in html
    assert 'data-number="三.9" data-status="added"' in html and 'data-key="backup" data-status="added"' in html
    assert "每日开展2次" in html and "每日开展3次" in html


def test_versions_are_listed_and_each_is_read_only(client, people, signed_letter, officer):
    draft = letter_amend(letter=signed_letter, user=officer, now=SIGNED_AT)
    client.force_login(people["auditor"])
    html = client.get(reverse("letter-versions", args=["alpha"])).content.decode()
    assert 'data-version="2" data-state="draft"' in html and 'data-version="1" data-state="signed"' in html
    assert reverse("letter-changes", args=[draft.pk]) in html
    assert reverse("letter-edit", args=[draft.pk]) not in html  # the auditor does not edit
    page = client.get(reverse("letter-version", args=[signed_letter.pk])).content.decode()
    assert 'id="letter-body"' in page and "每日开展3次安全检查" in page and "<form" not in page.split("</nav>", 2)[-1]
    client.force_login(people["officer"])
    assert reverse("letter-edit", args=[draft.pk]) in client.get(reverse("letter-versions", args=["alpha"])).content.decode()


# The obligation form alone ------------------------------------------------------------

def test_times_are_read_leniently_and_sorted():
    assert parse_times("21:00、9:00,15:00") == ["09:00", "15:00", "21:00"]


@pytest.mark.parametrize("changes,field,message", [
    ({"times_of_day": "09:00, 21:00", "count": "3"}, "times_of_day", "填写了2个时刻,每周期次数却为3"),
    ({"period": "weekly"}, "times_of_day", "每日到期时刻只适用于“每日”周期"),
    ({"spread": "on"}, "spread", "已设“每日到期时刻”,不能同时使用“在周期内均匀分布”"),
    ({"due_days_after_period": "15"}, "due_days_after_period", "不能同时使用“周期结束后到期(日)”"),
    ({"times_of_day": "", "count": "1", "due_offset_minutes": "60", "due_days_after_period": "15"},
     "due_days_after_period", "已设“周期内到期偏移(分钟)”"),
    ({"times_of_day": "", "count": "1", "due_days_after_period": "0"}, "due_days_after_period", "不能小于 1"),
    ({"count": "{platform_name}"}, "count", "填空“平台名称”不是数字"),
    ({"count": "0", "times_of_day": ""}, "count", "不能小于 1"),
    ({"period": ""}, "period", "周期性义务请选择周期"),
    ({"kind": "one_time"}, "one_time_days", "一次性义务请填写签署后几日内完成"),
    ({"kind": "event"}, "trigger", "事件类义务请选择触发事件"),
    ({"kind": "event", "trigger": "complaint"}, "deadline_0_step", "事件类义务至少需要一条时限"),
    ({"count": "{checks_per_day}", "times_of_day": "09:00, 21:00"}, "times_of_day", "填空“每日安全检查次数”现为3"),
    ({"kind": "event", "trigger": "complaint", "deadline_0_step": "respond", "deadline_0_amount": "24",
      "deadline_0_unit": "hours", "deadline_1_step": "close", "deadline_1_amount": "600", "deadline_1_unit": "minutes"},
     "deadline_1_amount", "“办结”(600分钟)会早于它前面的“响应”(24小时)到期"),
    ({"kind": "event", "trigger": "complaint", "deadline_0_step": "respond", "deadline_0_amount": "1",
      "deadline_0_unit": "hours", "deadline_2_step": "respond", "deadline_2_amount": "2", "deadline_2_unit": "hours"},
     "deadline_2_amount", "步骤“响应”出现了两次"),
])
def test_the_obligation_form_names_each_problem(draft, changes, field, message):
    form = ObligationSpecForm({**CHECKS_EVERY_DAY, **changes}, blanks=draft.blanks, values=draft.values)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_a_one_time_obligation_keeps_only_its_fields(draft):
    form = ObligationSpecForm({**CHECKS_EVERY_DAY, "kind": "one_time", "one_time_days": "{setup_days}"},
                              blanks=draft.blanks, values=draft.values)
    assert form.is_valid(), form.errors
    spec = form.spec()
    assert spec["one_time_days"] == "{setup_days}" and "times_of_day" not in spec and "period" not in spec


def test_signing_after_editing_raises_the_tasks(client, officer, draft, platform):
    c = as_officer(client, officer)
    checks = clause(draft, "三.2")
    c.post(reverse("obligation-spec-edit", args=[checks.pk, 0]),
           {**CHECKS_EVERY_DAY, "count": "{checks_per_day}", "key": "三.2", "was": "三.2"})
    c.post(reverse("letter-edit", args=[draft.pk]), {**demo_values(SIGNED_AT.date()), "sign": "1"})
    ob = Obligation.objects.get(platform=platform, key="三.2")
    due = sorted(o.due_at.astimezone(platform.tz).strftime("%H:%M") for o in Occurrence.objects.filter(obligation=ob)
                 if o.due_at.astimezone(platform.tz).day == 3)
    assert due == ["09:00", "15:00", "21:00"]


# The words against the numbers, what signing ends, the first period ----------------------

def test_the_editor_says_when_an_obligation_number_differs_from_its_clause_text(client, officer, draft):
    c = as_officer(client, officer)
    checks = clause(draft, "三.2")
    html = c.get(reverse("clause-editor", args=[draft.pk])).content.decode()
    assert "clause-mismatch" not in html  # the template's letter agrees with itself
    c.post(reverse("obligation-spec-edit", args=[checks.pk, 0]),
           {**CHECKS_EVERY_DAY, "count": "4", "times_of_day": "", "key": "三.2", "was": "三.2"})
    html = c.get(reverse("clause-editor", args=[draft.pk])).content.decode()
    assert "每日开展3次安全检查" in html and "“安全检查”每周期4次,条款原文写的是3次。" in html
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(reverse("clause-editor", args=[draft.pk])).content.decode()
    assert "“安全检查” is due 4 times a period; the clause&#x27;s text says 3." in html


def test_the_changes_page_warns_of_a_number_the_text_contradicts(client, officer, signed_letter):
    c = as_officer(client, officer)
    c.post(reverse("letter-start", args=["alpha"]))
    draft = Letter.objects.get(version=2)
    c.post(reverse("obligation-spec-edit", args=[clause(draft, "三.2").pk, 0]),
           {**CHECKS_EVERY_DAY, "count": "4", "times_of_day": "", "key": "三.2", "was": "三.2"})
    html = c.get(reverse("letter-changes", args=[draft.pk])).content.decode()
    row = html.split('data-number="三.2"', 1)[1].split("</article>", 1)[0]
    assert 'data-status="same"' in html.split('data-number="三.2"', 1)[1][:40]  # the words did not change …
    assert "“安全检查”每周期4次,条款原文写的是3次。" in row  # … and the page says they now disagree
    assert 'id="changes-ending"' not in html  # nothing ends: every obligation is kept


def test_an_imported_letter_is_compared_with_the_signed_one_and_what_ends_is_listed(client, officer, signed_letter):
    c = as_officer(client, officer)
    text = "丁平台承诺书\n一、安全管理\n1.平台每日开展3次安全检查。\n2.平台每月开展1次数据备份。\n承诺人:____\n"
    page = c.post(reverse("letter-intake", args=["alpha"]), {"text": text, "read": "1"})
    data = {"text": text, "accept": "1"}
    for row in page.context["rows"]:
        data.update(as_shown(row["form"]))
    c.post(reverse("letter-intake", args=["alpha"]), data)
    draft = Letter.objects.get(version=2)
    assert draft.amends == signed_letter
    html = c.get(reverse("letter-changes", args=[draft.pk])).content.decode()
    assert "这是首个版本" not in html and "与第1版相比" in html
    ending = html.split('id="changes-ending"', 1)[1].split("</section>", 1)[0]
    assert "将终止" in ending
    live = set(Obligation.objects.filter(platform=draft.platform, ends_at__isnull=True).values_list("key", flat=True))
    kept = {spec["key"] for cl in draft.clauses.all() for spec in cl.specs}
    assert live - kept and all(f'data-key="{key}"' in ending for key in live - kept)
    assert all(f'data-key="{key}"' not in ending for key in live & kept)
    filled = {b["name"]: {"date": SIGNED_AT.date().isoformat(), "int": 1, "period": "monthly"}.get(b["kind"], "甲")
              for b in draft.blanks}
    c.post(reverse("letter-edit", args=[draft.pk]), {"sign": "1", **filled})
    draft.refresh_from_db()
    assert draft.state == "signed"
    html = c.get(reverse("letter-changes", args=[draft.pk])).content.decode()
    assert "签署此版本时终止的义务" in html and all(f'data-key="{key}"' in html for key in live - kept)


def test_the_preview_shows_both_first_periods_and_the_officer_chooses(client, officer, staff, draft):
    c = as_officer(client, officer)
    html = c.get(reverse("letter-preview", args=[draft.pk])).content.decode()
    table = html.split('id="first-period-table"', 1)[1].split("</table>", 1)[0]
    training = table.split('data-key="三.5"', 1)[1].split("</tr>", 1)[0]
    assert "2027-04-01" in training and "2027-01-01" in training  # the default, and the alternative
    assert re.search(r'value="full"[^>]*checked', html)  # the default is chosen until the officer says otherwise
    response = c.post(reverse("letter-first-period", args=[draft.pk]), {"first_period": "current"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.first_period == "current"
    assert AuditEvent.objects.filter(action="letter.first_period", object_id=str(draft.pk)).exists()
    signing = c.get(reverse("letter-edit", args=[draft.pk])).content.decode()
    assert "签署时已开始的周期:签署时已开始的周期也计入" in signing  # the choice, where the officer signs
    client.force_login(staff)
    assert client.post(reverse("letter-first-period", args=[draft.pk]), {"first_period": "full"}).status_code == 403
    assert 'id="first-period-form"' not in client.get(reverse("letter-preview", args=[draft.pk])).content.decode()
