"""The officer's clause editor: clauses edited, added, removed; obligations of their own."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.letters.drafting import (
    clause_add,
    clause_remove,
    clause_restore,
    clause_update,
    obligation_spec_remove,
    obligation_spec_save,
)
from obligations.letters.services import letter_create, letter_fill, letter_sign
from obligations.models import Letter, Obligation, Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT


@pytest.fixture
def draft(platform, officer):
    return letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)


def checks_at(letter, times, **changes):
    """Clause 三.2's checks due at fixed times of day instead of equal windows."""
    clause = letter.clauses.get(number="三.2")
    spec = {k: v for k, v in clause.specs[0].items() if k != "spread"} | {"times_of_day": times, **changes}
    return obligation_spec_save(clause=clause, spec=spec, index=0, now=SIGNED_AT)


def test_times_of_day_that_disagree_with_a_literal_count_are_refused(draft):
    with pytest.raises(DomainError, match="times_of_day"):
        checks_at(draft, ["09:00", "21:00"], count=3)
    with pytest.raises(DomainError, match="daily"):
        checks_at(draft, ["09:00"], count=1, period="weekly")


def test_a_count_blank_filled_against_the_times_of_day_is_refused_at_signing(draft, officer):
    checks_at(draft, ["09:00", "15:00", "21:00"])  # count stays {checks_per_day}
    letter_fill(letter=draft, values={"checks_per_day": 4}, now=SIGNED_AT)
    with pytest.raises(DomainError, match="三.2“安全检查”:每日到期时刻有3个,每周期次数却为4"):
        letter_sign(letter=draft, user=officer, now=SIGNED_AT)
    letter_fill(letter=draft, values={"checks_per_day": 3}, now=SIGNED_AT)
    assert letter_sign(letter=draft, user=officer, now=SIGNED_AT).state == "signed"


def test_a_refused_spec_names_its_field(draft):
    with pytest.raises(DomainError) as refused:
        checks_at(draft, ["09:00", "21:00"], count=3)
    assert refused.value.field == "times_of_day"


def test_custom_times_of_day_raise_tasks_at_exactly_those_times(draft, platform, officer):
    clause = draft.clauses.get(number="三.2")
    clause_update(clause=clause, text="平台每日9时、15时、21时各开展1次安全检查,共{checks_per_day}次。", user=officer,
                  now=SIGNED_AT)
    checks_at(draft, ["21:00", "09:00", "15:00"])  # in any order: the schedule sorts them
    letter_sign(letter=draft, user=officer, now=SIGNED_AT, first_period=Letter.FirstPeriod.CURRENT)
    obligations_materialize(now=SIGNED_AT, horizon=timedelta(days=3), platform=platform)

    checks = Obligation.objects.get(platform=platform, key="三.2")
    assert sorted(checks.times_of_day) == ["09:00", "15:00", "21:00"] and not checks.spread
    assert "9时、15时、21时" in checks.clause.text
    tz = ZoneInfo("Asia/Shanghai")
    occurrences = list(Occurrence.objects.filter(obligation=checks).order_by("due_at"))
    due = [o.due_at.astimezone(tz) for o in occurrences]
    assert {d.strftime("%H:%M") for d in due} == {"09:00", "15:00", "21:00"}
    # Signed at 09:00: today's 15:00 and 21:00, then three a day; each opens when the one before is due.
    assert [d.strftime("%m-%d %H:%M") for d in due[:5]] == ["11-02 15:00", "11-02 21:00", "11-03 09:00",
                                                            "11-03 15:00", "11-03 21:00"]
    third = occurrences[2]
    assert third.opens_at.astimezone(tz).strftime("%m-%d %H:%M") == "11-03 00:00"  # the first at midnight
    assert occurrences[3].opens_at == third.due_at


def test_a_removed_clause_raises_nothing_and_an_added_clause_raises_its_own(draft, platform, officer):
    clause_remove(clause=draft.clauses.get(number="三.5"), reason="培训由集团统一组织", user=officer, now=SIGNED_AT)
    own = clause_add(letter=draft, section="三", title="数据备份", text="平台每周备份一次服务数据,留存{audit_retention_years}年。",
                     user=officer, now=SIGNED_AT)
    assert (own.number, own.text) == ("三.9", "平台每周备份一次服务数据,留存3年。")
    obligation_spec_save(clause=own, user=officer, now=SIGNED_AT, spec={
        "key": "", "title": "数据备份", "kind": "calendar", "period": "weekly", "count": 1, "workdays_only": True,
        "responsible_role": "staff", "evidence_required": True, "evidence_description": "备份日志",
        "retention_years": "{audit_retention_years}", "grace_minutes": 120, "escalate_officer_minutes": 60})
    letter_sign(letter=draft, user=officer, now=SIGNED_AT)
    obligations_materialize(now=SIGNED_AT, platform=platform)

    keys = set(Obligation.objects.filter(platform=platform).values_list("key", flat=True))
    assert "三.5" not in keys and "三.9-1" in keys
    assert not Occurrence.objects.filter(clause__number="三.5").exists()
    backup = Obligation.objects.get(platform=platform, key="三.9-1")
    assert (backup.clause_id, backup.period, backup.workdays_only, backup.retention_years) == (own.pk, "weekly", True, 3)
    assert (backup.grace_minutes, backup.escalate_officer_minutes, backup.evidence_description) == (120, 60, "备份日志")
    assert Occurrence.objects.filter(obligation=backup).exists()
    removed = draft.clauses.get(number="三.5")
    assert removed.removed_reason == "培训由集团统一组织"  # kept in the signed version, struck through


def test_a_restored_clause_raises_its_obligations_again(draft, platform, officer):
    training = draft.clauses.get(number="三.5")
    clause_remove(clause=training, reason="暂缓", user=officer, now=SIGNED_AT)
    clause_restore(clause=training, user=officer, now=SIGNED_AT)
    letter_sign(letter=draft, user=officer, now=SIGNED_AT)
    assert Obligation.objects.filter(platform=platform, key="三.5").exists()


def test_an_event_obligation_of_its_own_with_tiered_deadlines(draft, platform, officer):
    own = clause_add(letter=draft, section="四", text="平台对数据泄露事件在{complaint_response_hours}小时内报告。",
                     user=officer, now=SIGNED_AT)
    obligation_spec_save(clause=own, user=officer, now=SIGNED_AT, spec={
        "key": "leak", "title": "数据泄露报告", "kind": "event", "trigger": "incident", "responsible_role": "officer",
        "deadlines": [{"step": "respond", "amount": "{complaint_response_hours}", "unit": "hours",
                       "tiers": {"critical": {"amount": 2, "unit": "hours"}}},
                      {"step": "fix", "amount": 5, "unit": "workdays"}]})
    letter_sign(letter=draft, user=officer, now=SIGNED_AT)
    leak = Obligation.objects.get(platform=platform, key="leak")
    assert leak.deadlines == [{"step": "respond", "amount": 24, "unit": "hours",
                               "tiers": {"critical": {"amount": 2, "unit": "hours"}}},
                              {"step": "fix", "amount": 5, "unit": "workdays"}]


def test_every_editor_service_refuses_a_signed_letter_in_chinese(signed_letter, officer):
    clause = signed_letter.clauses.get(number="三.2")
    message = "承诺书第1版已签署,不能修改;如需变更,请发起修订(生成新版本)。"
    calls = [
        lambda: clause_update(clause=clause, text="改", user=officer, now=SIGNED_AT),
        lambda: clause_add(letter=signed_letter, section="三", text="新条款", user=officer, now=SIGNED_AT),
        lambda: clause_remove(clause=clause, reason="不再需要", user=officer, now=SIGNED_AT),
        lambda: clause_restore(clause=clause, user=officer, now=SIGNED_AT),
        lambda: obligation_spec_save(clause=clause, spec=dict(clause.specs[0]), index=0, user=officer, now=SIGNED_AT),
        lambda: obligation_spec_remove(clause=clause, index=0, user=officer, now=SIGNED_AT),
    ]
    for call in calls:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.message == message
    clause.refresh_from_db()
    assert clause.specs and not clause.removed_reason


def test_removing_needs_a_reason_and_keys_stay_unique(draft, officer):
    with pytest.raises(DomainError, match="必须填写理由"):
        clause_remove(clause=draft.clauses.get(number="三.5"), reason="  ", user=officer, now=SIGNED_AT)
    own = clause_add(letter=draft, section="三", text="新条款", user=officer, now=SIGNED_AT)
    with pytest.raises(DomainError, match="已被其他义务使用") as refused:
        obligation_spec_save(clause=own, spec={"key": "三.2", "title": "重复", "kind": "calendar", "period": "daily"},
                             user=officer, now=SIGNED_AT)
    assert refused.value.field == "key"
