"""Filled values against their blanks: signing names what is empty or out of bounds."""

import pytest

from obligations.letters.values import value_problem, values_problems

BLANKS = [
    {"name": "checks", "label": "每日检查次数", "kind": "int", "min": 1, "max": 24},
    {"name": "period", "label": "报告周期", "kind": "period"},
    {"name": "party", "label": "承诺方类型", "kind": "choice", "choices": [["企业", "企业"], ["个人", "个人"]]},
    {"name": "signed", "label": "签订日期", "kind": "date"},
    {"name": "name", "label": "平台名称", "kind": "text"},
]


@pytest.mark.parametrize("blank,value,ok", [
    (BLANKS[0], 3, True), (BLANKS[0], 0, False), (BLANKS[0], 25, False), (BLANKS[0], "3", False),
    (BLANKS[0], True, False), (BLANKS[1], "quarterly", True), (BLANKS[1], "sometimes", False),
    (BLANKS[2], "企业", True), (BLANKS[2], "其他", False), (BLANKS[3], "2026-11-29", True),
    (BLANKS[3], "2026-13-45", False), (BLANKS[4], "甲平台", True), (BLANKS[4], "", False), (BLANKS[4], None, False),
])
def test_a_value_fills_its_blank_only_within_its_type_and_bounds(blank, value, ok):
    assert (value_problem(blank, value) is None) is ok


def test_problems_are_named_by_label_in_the_letters_order():
    values = {"checks": 30, "period": "monthly", "party": "企业", "signed": "", "name": "甲"}
    assert values_problems(BLANKS, values) == ["每日检查次数", "签订日期"]
