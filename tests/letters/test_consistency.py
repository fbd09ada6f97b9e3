"""A clause's words against its obligations' numbers: a number the words state otherwise is
named; a number they leave open, or state in a way the reading does not take, is not."""

import pytest

from obligations.demo import demo_values
from obligations.letters import template as tpl
from obligations.letters.consistency import clause_disagreements, clause_mismatches
from obligations.letters.services import letter_create
from tests.conftest import SIGNED_AT


def daily(count, **more):
    return {"title": "安全检查", "kind": "calendar", "period": "daily", "count": count, **more}


def test_a_count_the_words_do_not_state_is_named():
    assert clause_disagreements("平台每日开展3次安全检查。", [daily(4)]) == ["“安全检查”每周期4次,条款原文写的是3次。"]
    assert clause_disagreements("平台每日开展3次安全检查。", [daily(3)]) == []


@pytest.mark.parametrize("text,obligation,expected", [
    ("平台每周开展1次巡检。", daily(1), "“安全检查”的周期是每日,条款原文写的是每周。"),
    ("检查记录保存3年。", daily(1, period=None, retention_years=5), "“安全检查”留存5年,条款原文写的是3年。"),
    ("监督小组每季度结束后15日内汇报。", {"title": "汇报", "kind": "calendar", "period": "quarterly", "count": 1,
                                    "due_days_after_period": 10}, "“汇报”的周期结束后到期(日)为10日,条款原文写的是15日。"),
    ("对投诉在24小时内响应,7日内给出处理意见。",
     {"title": "投诉处理", "kind": "event", "deadlines": [{"step": "respond", "amount": 12, "unit": "hours"},
                                                      {"step": "decide", "amount": 7, "unit": "days"}]},
     "“投诉处理”的时限12小时,条款原文写的是"),
])
def test_each_kind_of_number_is_compared(text, obligation, expected):
    found = clause_disagreements(text, [obligation])
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize("text,obligation", [
    ("平台每日开展__________次安全检查。", daily(4)),  # a blank not yet filled states nothing
    ("平台每日开展安全检查。", daily(2)),  # no number in the words
    ("平台每日开展3次安全检查,每次不少于1次复核。", daily(1)),  # one of the numbers written
    ("应急预案于签订之日起30日内制定;突发事件的恢复时限为24小时。",
     {"title": "恢复", "kind": "event", "deadlines": [{"step": "recover", "amount": 24, "unit": "hours"}]}),
    ("平台每日开展3次安全检查。", daily("{checks_per_day}")),  # an empty blank's reference
])
def test_what_the_words_leave_open_is_no_disagreement(text, obligation):
    assert clause_disagreements(text, [obligation]) == []


def test_every_template_agrees_with_itself(platform):
    for key in tpl.registry():
        letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), template=key, now=SIGNED_AT)
        assert {c.number: clause_mismatches(c, letter) for c in letter.clauses.all() if clause_mismatches(c, letter)} \
            == {}, key
        letter.clauses.all().delete()
        letter.delete()
