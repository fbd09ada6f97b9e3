"""The audit trail as people read it: a sentence per record in the reader's language, the
details as labelled fields, object types by their names; unknown codes still read as a sentence."""

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

import obligations
from obligations.models import AuditEvent
from obligations.oversight.audit_reading import ACTIONS, action_label, detail_fields, sentence, type_label

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/120.0.0.0 Safari/537.36")


def record(action, data=None, object_type="", object_id="", hash="ab" * 32):
    return AuditEvent(action=action, data=data or {}, object_type=object_type, object_id=object_id, hash=hash)


@pytest.mark.parametrize("event,actor,chinese,english", [
    (record("auth.login", {"user": "officer", "ip": "10.0.0.1", "agent": AGENT}, "User", "3"), "王敏",
     "王敏 登录", "王敏 signed in"),
    (record("case.open", {"number": "TS-2026-0007"}, "Case", "7"), "",
     "收到案件 TS-2026-0007", "Case TS-2026-0007 was received"),
    (record("api_token.create", {"name": "监控系统", "prefix": "plg_0a1b2c3d"}, "ApiToken", "3"), "王敏",
     "王敏 创建了接口令牌“监控系统”", "王敏 made the API token “监控系统”"),
    (record("api_token.revoke", {"name": "监控系统"}, "ApiToken", "3"), "王敏",
     "王敏 撤销了接口令牌“监控系统”", "王敏 revoked the API token “监控系统”"),
    (record("case.open", {"number": "TS-2026-0007"}, "Case", "7"), "staff",
     "staff 受理了案件 TS-2026-0007", "staff opened case TS-2026-0007"),
    (record("occurrence.complete", {"late": True}, "Occurrence", "12"), "staff",
     "staff 完成了任务 #12(逾期)", "staff completed Task #12 (late)"),
    (record("auth.login_failed", {"user": "bob", "count": 3}), "",
     "以用户名“bob”登录失败 3 次", "3 failed sign-ins as “bob”"),
    (record("auth.login_failed", {"user": "bob", "count": 1}), "",
     "以用户名“bob”登录失败 1 次", "1 failed sign-in as “bob”"),
    (record("membership.role", {"user": "sue", "from": "staff", "to": "supervisor"}, "Membership", "4"), "officer",
     "officer 将 sue 的角色由执行人改为监督小组成员", "officer changed the role of sue from Staff to Supervisory group member"),
    (record("sweep.close_out", {"missed": 2, "occurrences": [5, 6]}), "",
     "2 项任务到期未完成,记为未完成", "2 tasks passed their deadline undone and were marked missed"),
    (record("obligation.assign", {"assignees": []}, "Obligation", "9"), "officer",
     "officer 将义务 #9指派给 无人", "officer assigned Obligation #9 to no one"),
    (record("case.assign", {"from": None, "to": "staff"}, "Case", "7"), "officer",
     "officer 将案件 #7的负责人由 — 改为 staff", "officer changed the handler of Case #7 from — to staff"),
    (record("review.quorum", {"from": 3, "to": None, "group": 2}, "Platform", "1"), "officer",
     "officer 将季度审查的签署人数由“3 人”改为“监督小组全体”",
     "officer changed the signatures that close a quarterly review from “3 people” to “the whole supervisory group”"),
])
def test_a_record_reads_as_a_sentence_in_each_language(event, actor, chinese, english):
    with translation.override("zh-hans"):
        assert sentence(event, actor) == chinese
    with translation.override("en"):
        assert sentence(event, actor) == english


def test_an_unknown_code_still_reads_as_a_sentence_naming_the_code():
    event = record("case.transfer", {"to": "staff"}, "Case", "7")
    with translation.override("zh-hans"):
        assert sentence(event, "officer") == "officer 对案件 #7执行了操作“case.transfer”"
        assert action_label("case.transfer") == "case.transfer"
    with translation.override("en"):
        assert sentence(event, "officer") == "officer performed “case.transfer” on Case #7"
        assert sentence(record("x.y"), "") == "System performed “x.y”"


def test_every_action_the_code_records_has_its_sentence():
    """An action written without its entry would read as a bare code to every auditor."""
    recorded = {m for path in Path(obligations.__file__).parent.rglob("*.py")
                for m in re.findall(r'action="([a-z_]+(?:\.[a-z_]+)+)"', path.read_text())}
    assert "case.assign" in recorded and not recorded - ACTIONS.keys()


def test_a_field_an_older_record_lacks_reads_as_a_dash_not_an_error():
    with translation.override("zh-hans"):
        assert sentence(record("letter.sign"), "officer") == "officer 签署了承诺书(第 — 版)"


def test_every_sentence_formats_with_an_empty_record():
    """No action's sentence asks for a field the formatting cannot supply."""
    for code in ACTIONS:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                assert sentence(record(code, object_type="Case", object_id="1"), "someone")


def test_details_are_labelled_fields_with_the_agent_shortened_and_times_local():
    event = record("auth.login_failed", {"user": "bob", "agent": AGENT, "first_at": "2026-11-02T01:00:05+00:00",
                                         "refused": False})
    with translation.override("zh-hans"):
        fields = dict(detail_fields(event, SHANGHAI))
        assert fields["浏览器"] == "Chrome 120 · Windows 10"
        assert fields["首次时间"] == "2026-11-02 09:00:05(北京时间)"
        assert fields["用户名"] == "bob" and fields["动作代码"] == "auth.login_failed"
        assert fields["被拒次数"] == "否" and fields["哈希"] == "ab" * 32
    with translation.override("en"):
        fields = dict(detail_fields(event, SHANGHAI))
        assert fields["Browser"] == "Chrome 120 · Windows 10" and fields["Action code"] == "auth.login_failed"


def test_a_change_through_an_api_token_names_the_token_in_its_details():
    event = record("occurrence.complete", {"late": False, "via": {"api_token": 7, "name": "监控系统",
                                                                  "prefix": "plg_0a1b2c3d"}}, "Occurrence", "12")
    with translation.override("zh-hans"):
        assert dict(detail_fields(event, SHANGHAI))["经由接口令牌"] == "监控系统 #7"
    with translation.override("en"):
        assert dict(detail_fields(event, SHANGHAI))["Through API token"] == "监控系统 #7"


def test_object_types_are_named_by_their_models_in_the_readers_language():
    with translation.override("zh-hans"):
        assert [type_label(t) for t in ("Case", "Occurrence", "SimpleLazyObject", "Gone")] == [
            "案件", "任务", "用户", "Gone"]
    with translation.override("en"):
        assert [type_label(t) for t in ("Case", "Occurrence")] == ["Case", "Task"]


def test_a_case_opened_reads_every_field_by_its_label():
    """QA found a raw "assignee" key in the details of case.open."""
    event = record("case.open", {"number": "C-1", "clocks": [1, 2], "assignee": "bob", "consent_at": None},
                   "Case", "7")
    for language, owner in (("zh-hans", "负责人"), ("en", "Owner")):
        with translation.override(language):
            labels = [label for label, _v in detail_fields(event, SHANGHAI)]
            assert owner in labels and not {"assignee", "number", "clocks", "consent_at"} & set(labels)
