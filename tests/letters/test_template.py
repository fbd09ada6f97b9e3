"""The built-in template (第(1)篇): its blanks, its rendering, and the obligations its
clauses demand once filled; and the loader that refuses a template that does not hold."""

from datetime import date

import pytest

from obligations.demo import demo_values
from obligations.letters import template as tpl
from obligations.letters.services import OBLIGATION_FIELDS
from obligations.models import Trigger
from obligations.schedule.periods import PeriodKind
from obligations.schedule.workdays import DeadlineUnit

BUILT_IN = tpl.get(tpl.DEFAULT_TEMPLATE)
BLANKS = {b["name"]: b for b in BUILT_IN.blanks}
CLAUSES = {c["number"]: c for c in BUILT_IN.clauses}
VALUES = demo_values(date(2026, 11, 2))
# The same letter filled with other figures: the obligations must follow the values, not the demo.
OTHER_VALUES = {**VALUES, "checks_per_day": 5, "audits_per_month": 2, "audit_retention_years": 10,
                "trainings_per_quarter": 4, "assessments_per_month": 3, "recovery_hours": 6, "setup_days": 45,
                "appoint_days": 3, "finding_fix_days": 20, "finding_fix_serious_workdays": 2,
                "finding_fix_critical_hours": 12, "complaint_response_hours": 12,
                "regulator_report_period": "halfyear", "lead_department": "风控部", "compliance_role": "首席合规官",
                "service_staff": 42}
FILLED = pytest.mark.parametrize("values", [VALUES, OTHER_VALUES], ids=["demo", "other"])


def resolved(values):
    """key -> the obligation fields the filled letter demands, clause by clause."""
    specs = [(c["number"], tpl.resolve_spec(s, values, BUILT_IN.blanks)) for c in BUILT_IN.clauses
             for s in c["obligations"]]
    by_key = {s["key"]: {**s, "clause": number} for number, s in specs}
    assert len(by_key) == len(specs), "two obligations share a key"
    return by_key


@pytest.mark.parametrize("number", list(CLAUSES))
def test_every_placeholder_of_a_clause_is_a_declared_blank(number):
    clause = CLAUSES[number]
    used = set(tpl.placeholders(clause["text"])) | set(tpl.placeholders(clause["addendum"]))
    for spec in clause["obligations"]:
        used |= tpl.spec_references(spec)
    assert used <= set(BLANKS), number


def test_the_preamble_and_signature_name_declared_blanks_too():
    assert tpl.placeholders(BUILT_IN.preamble) == ["purpose"]
    assert set(tpl.placeholders(BUILT_IN.signature)) == {"signer", "sign_date"} <= set(BLANKS)


def test_demo_values_fill_every_blank_of_the_built_in_template():
    assert set(BLANKS) <= set(VALUES)


def test_placeholders_name_each_blank_in_order():
    assert tpl.placeholders("每月{audits_per_month}次,留存{audit_retention_years}年") == [
        "audits_per_month", "audit_retention_years"]
    assert tpl.placeholders("无填空的条款") == [] and tpl.placeholders(None) == []


@pytest.mark.parametrize("number", [n for n, c in CLAUSES.items() if tpl.placeholders(c["text"])])
def test_a_missing_value_renders_as_a_visible_blank(number):
    text = CLAUSES[number]["text"]
    empty = tpl.render(text, {}, BUILT_IN.blanks)
    assert empty.count(tpl.EMPTY) == len(tpl.placeholders(text))
    assert "{" not in empty and "}" not in empty


def test_an_empty_value_renders_as_a_visible_blank_and_the_rest_is_filled():
    text = CLAUSES["三.3"]["text"]
    out = tpl.render(text, {"audits_per_month": 2, "audit_retention_years": ""}, BUILT_IN.blanks)
    assert out == text.replace("{audits_per_month}", "2").replace("{audit_retention_years}", tpl.EMPTY)


def test_a_period_renders_as_its_words_and_a_choice_as_its_label():
    report = tpl.render(CLAUSES["四.4"]["text"], {"regulator_report_period": "halfyear"}, BUILT_IN.blanks)
    assert f"定期({tpl.PERIOD_LABELS['halfyear']})" in report and "halfyear" not in report
    choice = [{"name": "party", "label": "主体", "kind": "choice", "choices": [["company", "企业"]]}]
    assert tpl.render("承诺主体为{party}", {"party": "company"}, choice) == "承诺主体为企业"


@FILLED
def test_filled_clauses_show_every_value_and_no_blank(values):
    for number, clause in CLAUSES.items():
        for text in (clause["text"], clause["addendum"]):
            out = tpl.render(text, values, BUILT_IN.blanks)
            assert tpl.EMPTY not in out and "{" not in out, number
            for name in tpl.placeholders(text):
                assert tpl.blank_display(BLANKS[name], values[name]) in out, (number, name)


@FILLED
def test_every_obligation_belongs_to_a_clause_of_sections_three_or_four(values):
    for key, spec in resolved(values).items():
        assert spec["clause"].split(".")[0] in {"三", "四"}, key  # 一 and 二 set no schedule
        assert key.split("-")[0] == spec["clause"]
    covered = {s["clause"] for s in resolved(values).values()}
    assert {n for n in CLAUSES if n.startswith("三.")} <= covered


@FILLED
def test_a_resolved_obligation_carries_every_field_and_what_its_kind_needs(values):
    for key, spec in resolved(values).items():
        assert set(OBLIGATION_FIELDS) <= set(spec), key
        assert not any(isinstance(v, str) and tpl.REF.match(v) for v in spec.values()), key
        if spec["kind"] == "calendar":
            assert PeriodKind(spec["period"]) and spec["count"] >= 1 and not spec["trigger"], key
        elif spec["kind"] == "event":
            assert Trigger(spec["trigger"]) and spec["deadlines"] and not spec["period"], key
            for step in spec["deadlines"]:
                assert isinstance(step["amount"], int) and step["amount"] > 0 and DeadlineUnit(step["unit"]), key
        else:
            assert spec["kind"] == "one_time" and spec["one_time_days"] > 0, key
        assert spec["retention_years"] >= 1 and spec["evidence_description"], key


@FILLED
def test_daily_checks_are_spread_over_the_day_as_often_as_the_letter_says(values):
    checks = resolved(values)["三.2"]
    assert (checks["kind"], checks["period"], checks["spread"]) == ("calendar", "daily", True)
    assert checks["count"] == values["checks_per_day"]
    assert checks["responsible_role"] == "staff" and checks["evidence_required"]


@FILLED
def test_the_monthly_audit_is_kept_as_long_as_the_letter_says(values):
    audit = resolved(values)["三.3"]
    assert (audit["kind"], audit["period"], audit["count"]) == ("calendar", "monthly", values["audits_per_month"])
    assert audit["retention_years"] == values["audit_retention_years"]
    # Where the letter says nothing, records are kept the default three years.
    assert resolved(values)["三.2"]["retention_years"] == tpl.SPEC_DEFAULTS["retention_years"]


@FILLED
def test_the_other_counted_clauses_follow_their_values(values):
    specs = resolved(values)
    assert (specs["三.5"]["period"], specs["三.5"]["count"]) == ("quarterly", values["trainings_per_quarter"])
    assert (specs["三.8"]["period"], specs["三.8"]["count"]) == ("monthly", values["assessments_per_month"])
    assert str(values["service_staff"]) in specs["三.4"]["title"]
    assert values["lead_department"] in specs["四.1"]["title"] and specs["四.1"]["responsible_role"] == "supervisor"
    assert values["compliance_role"] in specs["四.2"]["title"]
    assert specs["四.4"]["period"] == values["regulator_report_period"]


@pytest.mark.parametrize("days", [None, 15, 30], ids=["default", "15", "30"])
def test_the_groups_quarterly_report_is_due_the_stated_days_after_the_quarter(days):
    filled = VALUES if days is None else {**VALUES, "group_report_days": days}
    report = resolved(filled)["四.1"]
    assert (report["period"], report["due_days_after_period"]) == ("quarterly", days or 15)
    assert tpl.due_rule_conflict(report) is None
    assert f"结束后{days or 15}日内" in tpl.render(CLAUSES["四.1"]["addendum"], filled, BUILT_IN.blanks)


@FILLED
def test_complaints_get_a_response_deadline_in_hours_and_a_decision_within_seven_days(values):
    complaints = resolved(values)["四.3"]
    assert (complaints["kind"], complaints["trigger"]) == ("event", "complaint")
    respond, decide = complaints["deadlines"]
    assert respond == {"step": "respond", "amount": values["complaint_response_hours"], "unit": "hours"}
    assert decide == {"step": "decide", "amount": 7, "unit": "days"}  # the letter's own words, no tier
    assert not complaints["evidence_required"]  # the response note is the record


@FILLED
def test_incidents_must_be_recovered_within_the_recovery_hours(values):
    incident = resolved(values)["三.6-incident"]
    assert (incident["kind"], incident["trigger"]) == ("event", "incident")
    assert incident["deadlines"] == [{"step": "recover", "amount": values["recovery_hours"], "unit": "hours"}]


@FILLED
def test_findings_are_fixed_sooner_the_more_severe_they_are(values):
    [fix] = resolved(values)["三.8-finding"]["deadlines"]
    assert (fix["step"], fix["amount"], fix["unit"]) == ("fix", values["finding_fix_days"], "days")
    assert fix["tiers"] == {
        "serious": {"amount": values["finding_fix_serious_workdays"], "unit": "workdays"},
        "critical": {"amount": values["finding_fix_critical_hours"], "unit": "hours"},
    }


@FILLED
def test_one_time_duties_are_due_the_stated_days_after_signing(values):
    one_time = {k: s["one_time_days"] for k, s in resolved(values).items() if s["kind"] == "one_time"}
    assert one_time == {"三.1": values["setup_days"], "三.6": values["setup_days"], "四.2": values["appoint_days"]}


def test_resolving_leaves_the_shared_template_untouched():
    spec = next(s for s in CLAUSES["三.8"]["obligations"] if s["key"] == "三.8-finding")
    resolved(OTHER_VALUES)
    assert spec["deadlines"][0]["amount"] == "{finding_fix_days}"
    assert spec["deadlines"][0]["tiers"]["serious"]["amount"] == "{finding_fix_serious_workdays}"
    assert tpl.get(tpl.DEFAULT_TEMPLATE) is BUILT_IN


def test_spec_references_name_the_blanks_a_duty_depends_on():
    specs = {s["key"]: s for c in BUILT_IN.clauses for s in c["obligations"]}
    assert tpl.spec_references(specs["三.2"]) == {"checks_per_day"}
    assert tpl.spec_references(specs["三.8-finding"]) == {
        "finding_fix_days", "finding_fix_serious_workdays", "finding_fix_critical_hours"}
    # a placeholder inside the title, and the days after the quarter
    assert tpl.spec_references(specs["四.1"]) == {"lead_department", "group_report_days"}
    assert tpl.spec_references(specs["三.7"]) == set()


MINIMAL = '''
key = "t"
name = "T"
title = "T"
sections = [{ number = "一", title = "基本事项" }]
blanks = [
  { name = "n", label = "次数", kind = "int", min = 1, max = 9 },
  { name = "who", label = "名称", kind = "text" },
]
[[clauses]]
number = "一.1"
text = "每日{n}次"
'''


def load(tmp_path, text):
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return tpl.load_template(path)


def test_a_sound_template_loads(tmp_path):
    loaded = load(tmp_path, MINIMAL)
    assert [c["number"] for c in loaded.clauses] == ["一.1"] and loaded.obligation_count == 0


@pytest.mark.parametrize("change,path,reason", [
    (("每日{n}次", "每日{m}次"), "clauses[0].text", "{m} names no declared blank"),
    (('number = "一.1"', 'number = "五.1"'), "clauses[0].number", "is not declared in sections"),
    (("max = 9", "max = 0"), "blanks[0].min", "above max"),
    (('text = "每日{n}次"', 'text = "每日{n}次"\n[[clauses.obligations]]\nkey = "一.1"\ntitle = "x"\n'
                           'kind = "calendar"\nperiod = "daily"\ncount = "{who}"'),
     "clauses[0].obligations[0].count", "a int is needed"),
    (('text = "每日{n}次"', 'text = "每日{n}次"\n[[clauses.obligations]]\nkey = "一.1"\ntitle = "x"\n'
                           'kind = "event"\ntrigger = "complaint"\ndeadlines = []'),
     "clauses[0].obligations[0].deadlines", "at least one deadline"),
    (('text = "每日{n}次"', 'text = "每日{n}次"\n[[clauses.obligations]]\nkey = "一.1"\ntitle = "x"\n'
                           'kind = "calendar"\nperiod = "quarterly"\nspread = true\ndue_days_after_period = 15'),
     "clauses[0].obligations[0].due_days_after_period", "cannot be used with spread"),
    (('text = "每日{n}次"', 'text = "每日{n}次"\n[[clauses.obligations]]\nkey = "一.1"\ntitle = "x"\n'
                           'kind = "calendar"\nperiod = "quarterly"\ndue_days_after_period = 0'),
     "clauses[0].obligations[0].due_days_after_period", "at least 1 day"),
    (('text = "每日{n}次"', 'text = "每日{n}次"\n[[clauses.obligations]]\nkey = "一.1"\ntitle = "x"\n'
                           'kind = "calendar"\nperiod = "quarterly"\ndue_days_after_period = "{who}"'),
     "clauses[0].obligations[0].due_days_after_period", "a int is needed"),
])
def test_a_template_that_does_not_hold_is_refused_with_the_place(tmp_path, change, path, reason):
    with pytest.raises(tpl.TemplateError) as refused:
        load(tmp_path, MINIMAL.replace(*change))
    assert refused.value.path == path and reason in refused.value.reason


# Every duty the seed's letter 2 promises, as its words say it, and the obligation that keeps it.
LETTER_2_DUTIES = [
    ("一.1", "建立内容审核机制", "一.1-review"),
    ("一.1", "定期({self_check_period})开展自查", "一.1-selfcheck"),
    ("一.1", "对违规内容及时采取处理措施", "一.1-violation"),
    ("一.2", "在规定时限内予以处理", "一.2-complaint"),
    ("一.2", "建立服务反馈机制", "一.2-feedback"),
    ("一.2", "制定应急预案", "一.2-plan"),
    ("一.2", "定期({drill_period})进行演练", "一.2-drill"),
    ("一.3", "提供清晰的服务说明", "一.3-terms"),
    ("一.3", "积极配合相关部门进行调查处理", "一.3-investigation"),
    ("一.3", "建立用户信用体系", "一.3-credit"),
    ("一.3", "对恶意行为用户采取限制措施", "一.3-restrict"),
    ("二.1", "建立健全内部管理制度", "二.1-rules"),
    ("二.1", "定期({training_period})组织员工培训", "二.1-training"),
    ("二.1", "完整保存服务过程相关资料,以备查验", "二.1-records"),
    ("二.1", "实行集体决策机制", "二.1-decision"),
    ("二.2", "数据加密、系统防火墙、入侵检测", "二.2-measures"),
    ("二.2", "定期({assessment_period})对服务系统进行安全评估", "二.2-assessment"),
    ("二.2", "及时修复漏洞", "二.2-finding"),
]


def test_letter_2_gives_every_duty_of_the_seed_an_obligation():
    template = tpl.get("platform-operation-2")
    clauses = {c["number"]: c for c in template.clauses}
    for number, words, key in LETTER_2_DUTIES:
        assert words in clauses[number]["text"], (number, words)
        assert key in {o["key"] for o in clauses[number]["obligations"]}, (number, key)
    assert {o["key"] for c in template.clauses for o in c["obligations"]} == {k for _, _, k in LETTER_2_DUTIES}


def test_letter_2_prefills_nothing_the_seed_does_not_say():
    template = tpl.get("platform-operation-2")
    assert [b["name"] for b in template.blanks if "default" in b] == []
    # A number the words do not state is a blank the officer fills, shown under its clause as 补充约定.
    for clause in template.clauses:
        for spec in clause["obligations"]:
            numbers = [spec.get("one_time_days"), spec.get("retention_years"), spec.get("period"),
                       *(d["amount"] for d in spec.get("deadlines", []))]
            for value in filter(None, numbers):
                assert tpl.REF.match(str(value)), (spec["key"], value)
                name = tpl.REF.match(value).group(1)
                assert f"{{{name}}}" in clause["text"] + clause["addendum"], (spec["key"], name)


def test_letter_2_complaints_have_the_steps_the_seed_names():
    complaint = next(o for c in tpl.get("platform-operation-2").clauses for o in c["obligations"]
                     if o["key"] == "一.2-complaint")
    # 响应及时 (respond) and 在规定时限内予以处理 (decide), in that order.
    assert [(d["step"], d["amount"]) for d in complaint["deadlines"]] == [
        ("respond", "{complaint_response_hours}"), ("decide", "{complaint_decide_days}")]
