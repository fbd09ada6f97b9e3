"""The officer's clause editor: clauses edited, added, removed; obligations of their own."""

from datetime import timedelta

import pytest

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.letters.drafting import obligation_spec_save
from obligations.letters.services import letter_create, letter_fill, letter_sign
from tests.conftest import SIGNED_AT

DAY = timedelta(days=1)


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
