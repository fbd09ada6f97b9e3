from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.forms.letters import LetterFillForm
from obligations.letters import template as tpl
from obligations.letters.drafting import clause_update
from obligations.letters.services import (
    letter_amend,
    letter_create,
    letter_fill,
    letter_sign,
)
from obligations.models import Clause, Letter, Obligation, Occurrence
from obligations.tasks import run_sweeps as sweep
from obligations.work.occurrences import occurrence_complete
from tests.conftest import SIGNED_AT, make_user
from tests.letters.letter2 import letter2_values


def form_data(**changes):
    data = {k: v for k, v in demo_values(SIGNED_AT.date()).items()}
    data.update(changes)
    return data


def test_signed_letter_yields_the_obligations_of_the_seed(signed_letter):
    obligations = {o.key: o for o in Obligation.objects.filter(platform=signed_letter.platform)}
    assert set(obligations) == {"三.1", "三.2", "三.3", "三.4", "三.5", "三.6", "三.6-incident", "三.7", "三.8",
                                "三.8-finding", "四.1", "四.2", "四.3", "四.4"}
    assert (obligations["三.2"].period, obligations["三.2"].count) == ("daily", 3)
    assert (obligations["三.3"].period, obligations["三.3"].retention_years) == ("monthly", 3)
    assert (obligations["三.5"].period, obligations["三.5"].count) == ("quarterly", 2)
    assert obligations["三.1"].kind == "one_time" and obligations["三.6"].kind == "one_time"
    assert obligations["三.6-incident"].trigger == "incident"
    respond, decide = obligations["四.3"].deadlines
    assert respond == {"step": "respond", "amount": 24, "unit": "hours"}
    assert (decide["step"], decide["amount"], decide["unit"]) == ("decide", 7, "days")
    assert obligations["三.8-finding"].trigger == "finding"
    assert obligations["四.1"].responsible_role == "supervisor" and "合规部" in obligations["四.1"].title
    assert obligations["四.4"].period == "quarterly"
    # Section 二 yields no schedule but stays visible; the law title blank is text.
    assert signed_letter.clauses.filter(section="二").count() == 4
    assert "《中华人民共和国网络安全法》" in signed_letter.clauses.get(number="一.2").text


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("checks_per_day", "三次", "整数"),
        ("checks_per_day", "0", "不能小于 1"),
        ("audits_per_month", "-2", "不能小于 1"),
        ("checks_per_day", "2000", "不能大于 24"),
        ("sign_date", "2026-13-45", "有效日期"),
    ],
)
def test_bad_template_input_gets_an_error_per_field_and_saves_nothing(db, field, value, message):
    form = LetterFillForm(data=form_data(**{field: value}))
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert Letter.objects.count() == 0 and Clause.objects.count() == 0


def test_several_bad_fields_are_each_named(db):
    form = LetterFillForm(data=form_data(checks_per_day="many", trainings_per_quarter="-1", lead_department=""))
    assert not form.is_valid()
    assert set(form.errors) == {"checks_per_day", "trainings_per_quarter", "lead_department"}


def test_signing_freezes_the_letter(signed_letter, officer):
    clause = signed_letter.clauses.get(number="三.2")
    with pytest.raises(DomainError, match="已签署,不能修改"):
        clause_update(clause=clause, text="平台每日开展1次安全检查", user=officer, now=SIGNED_AT)
    with pytest.raises(DomainError, match="已签署"):
        letter_fill(letter=signed_letter, values={"checks_per_day": 1}, user=officer, now=SIGNED_AT)
    clause.refresh_from_db()
    assert "3次" in clause.text


def test_admin_refuses_to_change_a_signed_clause(signed_letter, officer):
    request = RequestFactory().get("/")
    request.user = make_user("root-admin")
    request.user.is_superuser = request.user.is_staff = True
    clause = signed_letter.clauses.get(number="三.2")
    assert not site._registry[Clause].has_change_permission(request, clause)
    assert not site._registry[Letter].has_delete_permission(request, signed_letter)


def test_signing_needs_every_blank_and_an_officer(platform):
    letter = letter_create(platform=platform, values={"checks_per_day": 3}, now=SIGNED_AT)
    with pytest.raises(DomainError, match="尚未填写"):
        letter_sign(letter=letter, now=SIGNED_AT)
    letter_fill(letter=letter, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT)
    with pytest.raises(DomainError, match="合规负责人"):
        letter_sign(letter=letter, now=SIGNED_AT)
    assert Letter.objects.get(pk=letter.pk).state == "draft"


def test_amendment_is_version_two_and_keeps_the_completed_history(signed_letter, officer):
    day2 = SIGNED_AT + timedelta(days=1)
    sweep(now=day2)
    done = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=day2, due_at__gt=day2)
    occurrence_complete(occurrence=done, user=officer, note="巡检正常", now=day2, evidence_count=1)

    draft = letter_amend(letter=signed_letter, user=officer, now=day2)
    assert (draft.version, draft.state, draft.amends_id) == (2, "draft", signed_letter.pk)
    letter_fill(letter=draft, values={"checks_per_day": 2}, user=officer, now=day2)
    v2 = letter_sign(letter=draft, user=officer, now=day2)

    signed_letter.refresh_from_db()
    assert signed_letter.state == "superseded" and v2.state == "signed"
    checks = Obligation.objects.get(platform=v2.platform, key="三.2")
    assert checks.count == 2 and checks.clause.letter == v2 and "2次" in checks.clause.text
    done.refresh_from_db()
    assert done.state == "done" and done.obligation == checks and done.clause.letter == signed_letter
    assert done.completions.get().note == "巡检正常"
    # From now on the new count applies: future days have two checks.
    sweep(now=day2)
    later = Occurrence.objects.filter(obligation=checks, opens_at__gt=day2 + timedelta(days=2))
    assert set(later.values_list("sequence", flat=True)) == {1, 2}


def test_every_registered_template_can_be_filled_from_its_own_blanks():
    for template in tpl.registry().values():
        named = {b["name"] for b in template.blanks}
        used = {n for c in template.clauses for n in tpl.placeholders(c["text"] + c["addendum"])}
        used |= {n for c in template.clauses for spec in c["obligations"] for n in tpl.spec_references(spec)}
        assert used <= named, template.key


# The seed's second letter, and letters whose stated signing date lies in the past.

def test_letter_two_signed_yields_the_obligations_its_clauses_demand(platform, officer):
    letter = letter_create(platform=platform, template="platform-operation-2",
                           values=letter2_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    letter_sign(letter=letter, user=officer, now=SIGNED_AT)
    obligations = {o.key: o for o in Obligation.objects.filter(platform=platform)}
    assert set(obligations) == {
        "一.1-review", "一.1-selfcheck", "一.1-violation", "一.2-complaint", "一.2-feedback", "一.2-plan",
        "一.2-drill", "一.3-terms", "一.3-credit", "一.3-investigation", "一.3-restrict", "二.1-rules",
        "二.1-training", "二.1-records", "二.1-decision", "二.2-measures", "二.2-assessment", "二.2-finding"}
    assert (obligations["一.1-selfcheck"].period, obligations["一.2-drill"].period) == ("monthly", "halfyear")
    assert (obligations["二.1-training"].period, obligations["二.2-assessment"].period) == ("quarterly", "yearly")
    assert obligations["一.2-complaint"].deadlines == [{"step": "respond", "amount": 48, "unit": "hours"},
                                                      {"step": "decide", "amount": 7, "unit": "days"}]
    # Standing duties are confirmed each period the officer chose; no case kind starts a clock for them.
    for key in ("一.1-violation", "一.3-investigation", "一.3-restrict"):
        assert (obligations[key].kind, obligations[key].period) == ("calendar", "monthly"), key
    assert obligations["一.1-violation"].title == "违规内容处理确认(发现后24小时内采取处理措施)"
    assert {o.key for o in Obligation.objects.filter(platform=platform, kind="event")} == {
        "一.2-complaint", "二.2-finding"}
    assert obligations["二.2-finding"].deadlines == [{"step": "fix", "amount": 15, "unit": "days"}]
    assert obligations["二.1-records"].retention_years == 5
    assert obligations["一.3-credit"].kind == "one_time" and obligations["一.3-credit"].one_time_days == 30
    self_check = letter.clauses.get(number="一.1")
    assert "定期(每月)开展自查" in self_check.text and self_check.title == "服务内容规范"


def test_regularly_needs_a_period_before_signing(platform, officer):
    values = letter2_values(SIGNED_AT.date())
    del values["drill_period"]
    letter = letter_create(platform=platform, template="platform-operation-2", values=values, now=SIGNED_AT)
    with pytest.raises(DomainError, match="应急演练周期"):
        letter_sign(letter=letter, user=officer, now=SIGNED_AT)
    assert "定期(__________)进行演练" in letter.clauses.get(number="一.2").text
    letter_fill(letter=letter, values={"drill_period": "yearly"}, now=SIGNED_AT)
    assert letter_sign(letter=letter, user=officer, now=SIGNED_AT).state == "signed"


def test_letter_2_comes_with_nothing_filled_and_is_refused_until_its_blanks_are(platform, officer):
    letter = letter_create(platform=platform, template="platform-operation-2",
                           values={"platform_name": "乙平台", "signer": "乙平台负责人",
                                   "sign_date": SIGNED_AT.date().isoformat()}, now=SIGNED_AT)
    assert set(letter.values) == {"platform_name", "signer", "sign_date"}  # no number the seed does not say
    records = letter.clauses.get(number="二.1")
    assert "服务记录保存不少于__________年" in records.addendum and "__________日内建立" in records.addendum
    with pytest.raises(DomainError) as refused:
        letter_sign(letter=letter, user=officer, now=SIGNED_AT)
    for label in ("承诺方类型", "制度与机制建成时限", "服务记录保存年限", "漏洞修复时限", "违规内容处理时限",
                  "常态义务确认周期", "咨询与投诉响应时限", "咨询与投诉处理时限"):
        assert label in refused.value.message
    assert Letter.objects.get(pk=letter.pk).state == "draft"
    letter_fill(letter=letter, values=letter2_values(SIGNED_AT.date()), now=SIGNED_AT)
    assert letter_sign(letter=letter, user=officer, now=SIGNED_AT).state == "signed"


def test_an_unknown_template_is_refused(platform):
    with pytest.raises(DomainError, match="没有名为"):
        letter_create(platform=platform, template="no-such-letter", now=SIGNED_AT)


def test_invented_figures_are_blanks_shown_as_added_terms(signed_letter):
    fixes = signed_letter.clauses.get(number="三.8")
    assert "补充约定" not in fixes.text and "30日内整改" in fixes.addendum and "5个工作日" in fixes.addendum
    finding = Obligation.objects.get(platform=signed_letter.platform, key="三.8-finding")
    assert finding.deadlines[0]["amount"] == 30 and finding.deadlines[0]["tiers"]["serious"]["amount"] == 5
    complaint = Obligation.objects.get(platform=signed_letter.platform, key="四.3")
    assert all("tiers" not in step for step in complaint.deadlines)  # the letter promises 7 days, no tier


def test_obligations_start_at_the_stated_signing_date(platform, officer):
    stated = SIGNED_AT.date() - timedelta(days=3)
    letter = letter_create(platform=platform, values=demo_values(stated), user=officer, now=SIGNED_AT)
    letter_sign(letter=letter, user=officer, now=SIGNED_AT)
    checks = Obligation.objects.get(platform=platform, key="三.2")
    assert checks.starts_at.astimezone(platform.tz).date() == stated
    assert checks.starts_at.astimezone(platform.tz).hour == 0
