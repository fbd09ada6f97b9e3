"""The letter in force: which version held at an instant, in Python and in SQL, and what
each version said of an obligation."""

from datetime import timedelta

import pytest
from django.db.models import F

from obligations.letters.drafting import clause_remove
from obligations.letters.in_force import letter_in_force
from obligations.letters.services import letter_amend, letter_fill, letter_sign
from obligations.models import Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT

AMENDED = SIGNED_AT + timedelta(days=10)


@pytest.fixture
def two_versions(signed_letter, officer):
    obligations_materialize(now=SIGNED_AT)
    draft = letter_amend(letter=signed_letter, user=officer, now=AMENDED)
    letter_fill(letter=draft, values={"response_minutes": 60, "service_staff": 20}, user=officer, now=AMENDED)
    clause_remove(clause=draft.clauses.get(number="三.3"), reason="并入三.2", user=officer, now=AMENDED)
    letter_sign(letter=draft, user=officer, now=AMENDED)
    return signed_letter.platform


def test_each_instant_has_the_version_signed_last_before_it(two_versions):
    in_force = letter_in_force(two_versions, since=SIGNED_AT - timedelta(days=30), until=AMENDED + timedelta(days=30))
    assert [v.number for v in in_force.versions] == [1, 2]
    assert in_force.at(SIGNED_AT - timedelta(days=1)).number == 1  # before any signing: the first
    assert in_force.at(AMENDED - timedelta(seconds=1)).number == 1
    assert in_force.at(AMENDED).number == 2 and in_force.at(AMENDED, due=True).number == 1
    assert (in_force.value(AMENDED - timedelta(seconds=1), "response_minutes"),
            in_force.value(AMENDED, "response_minutes")) == (30, 60)
    only_before = letter_in_force(two_versions, since=SIGNED_AT, until=AMENDED)
    assert [v.number for v in only_before.versions] == [1]
    only_after = letter_in_force(two_versions, since=AMENDED, until=AMENDED + timedelta(days=1))
    assert [v.number for v in only_after.versions] == [2]


def test_sql_gives_each_task_the_version_python_gives_it(two_versions):
    in_force = letter_in_force(two_versions, since=SIGNED_AT, until=AMENDED + timedelta(days=30))
    rows = (Occurrence.objects.filter(platform=two_versions)
            .annotate(version=in_force.number_at("due_at", due=True), due=F("due_at")).values_list("due", "version"))
    assert {v for _due, v in rows} == {1, 2}
    assert all(in_force.at(due, due=True).number == version for due, version in rows)


def test_a_version_names_its_own_clauses_and_titles_and_a_dropped_one_is_read_from_before(two_versions):
    in_force = letter_in_force(two_versions, since=SIGNED_AT, until=AMENDED + timedelta(days=1))
    assert in_force.term(1, "三.4").title == "客服配置确认(10名专职客服,7×24小时)"
    assert in_force.term(2, "三.4").title == "客服配置确认(20名专职客服,7×24小时)"
    assert "三.3" not in in_force.versions[1].terms and in_force.term(2, "三.3").clause == "三.3"
    assert in_force.term(1, "四.3").step(1) == "respond" and in_force.term(1, "no-such-key") is None
    assert [(v["version"], v["signed_on"]) for v in in_force.cited(two_versions.tz)] == [
        (1, "2026-11-02"), (2, "2026-11-12")]


def test_no_signed_letter_is_no_version(platform):
    in_force = letter_in_force(platform, since=SIGNED_AT, until=AMENDED)
    assert not in_force and in_force.at(SIGNED_AT) is None and in_force.cited(platform.tz) == []
