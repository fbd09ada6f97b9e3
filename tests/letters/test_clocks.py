"""The deadline steps of one clock: each step once, none due before the step ahead of it;
signing refuses a letter whose filled blanks put them out of order."""

import pytest

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.letters.clocks import steps_problem
from obligations.letters.services import letter_create, letter_sign
from tests.conftest import SIGNED_AT


def step(name, amount, unit):
    return {"step": name, "amount": amount, "unit": unit}


@pytest.mark.parametrize("steps", [
    [step("respond", 24, "hours"), step("decide", 7, "days")],
    [step("respond", 3, "days"), step("decide", 3, "workdays")],  # 3 working days never end before 3 days
    [step("respond", 90, "minutes"), step("decide", 2, "hours"), step("close", 2, "hours")],  # due together
    [step("respond", "{b1}", "hours"), step("decide", 1, "hours")],  # a blank: compared once filled
])
def test_steps_in_order_pass(steps):
    assert steps_problem(steps) is None


@pytest.mark.parametrize("steps,index,reason", [
    ([step("respond", 24, "hours"), step("close", 600, "minutes")], 1,
     "“办结”(600分钟)会早于它前面的“响应”(24小时)到期"),
    ([step("respond", 5, "workdays"), step("decide", 4, "days")], 1, "“处理意见”(4日)会早于"),
    ([step("respond", 1, "hours"), step("decide", 2, "days"), step("respond", 3, "days")], 2,
     "步骤“响应”出现了两次"),
])
def test_a_step_out_of_order_or_twice_is_named(steps, index, reason):
    found, why = steps_problem(steps)
    assert found == index and reason in why


def test_signing_refuses_steps_that_the_filled_blanks_put_out_of_order(platform, officer):
    values = {**demo_values(SIGNED_AT.date()), "complaint_response_hours": 200}  # past the 7-day decision
    letter = letter_create(platform=platform, values=values, user=officer, now=SIGNED_AT)
    with pytest.raises(DomainError, match="“处理意见”\\(7日\\)会早于它前面的“响应”\\(200小时\\)到期"):
        letter_sign(letter=letter, user=officer, now=SIGNED_AT)
