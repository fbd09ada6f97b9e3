"""The drill-down filter: each filter selects the rows an independent count expects,
dates are local days, and bad input is named per field."""

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from obligations.demo import demo_values
from obligations.letters.assignment import obligation_assign
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Obligation, Occurrence, Platform, Role
from obligations.oversight.drilldown import OccurrenceFilter
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT, make_user
from tests.work.state_support import put_in_state

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 15, tzinfo=SH)
STATES = ["open", "done", "done_late", "missed", "waived"]


@pytest.fixture
def people(signed_letter, platform, officer, staff):
    return {"alice": officer, "bob": staff, "carol": make_user("carol", platform, Role.STAFF)}


@pytest.fixture
def filled(people, platform, officer):
    """Occurrences of November and early December in random states, completed by random people;
    a second platform alongside, which no filter may show."""
    other = Platform.objects.create(slug="beta", name="Beta")
    letter_sign(letter=letter_create(platform=other, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT),
                user=make_user("olga", other, Role.OFFICER), now=SIGNED_AT)
    obligations_materialize(now=SIGNED_AT + timedelta(days=30))
    obligation_assign(obligation=Obligation.objects.get(platform=platform, key="三.3"),
                      assignees=[people["carol"]], user=officer, now=SIGNED_AT)
    rng = random.Random(3)
    groups = defaultdict(list)
    for pk in Occurrence.objects.values_list("pk", flat=True):
        state = rng.choice(STATES)
        who = rng.choice(list(people.values())) if state in ("done", "done_late") else None
        groups[(state, who)].append(pk)
    for (state, who), pks in groups.items():
        put_in_state(pks, state, completed_by=who, completed_at=NOW if who else None)
    return platform


def rows(platform, **data):
    form = OccurrenceFilter(data, platform=platform)
    assert form.is_valid(), form.errors
    return [o.pk for o in form.queryset(now=NOW)]


def expected(platform, keep):
    occs = (Occurrence.objects.filter(platform=platform).select_related("clause", "obligation")
            .prefetch_related("obligation__assignees"))
    return {o.pk for o in occs if keep(o)}


def closing_day(occ):
    return (occ.due_at - timedelta(microseconds=1)).astimezone(SH).date()


def test_without_filters_every_row_of_the_platform_in_due_order(filled):
    form = OccurrenceFilter(None, platform=filled)
    got = list(form.queryset(now=NOW))
    assert {o.pk for o in got} == expected(filled, lambda o: True)
    assert [(o.due_at, o.pk) for o in got] == sorted((o.due_at, o.pk) for o in got)


@pytest.mark.parametrize("clause", ["三.2", "三.3", "四.4", "二.1"])
def test_clause_selects_the_rows_of_that_clause(filled, clause):
    got = rows(filled, clause=clause)
    assert len(got) == len(set(got))
    assert set(got) == expected(filled, lambda o: o.clause.number == clause)
    assert bool(got) == (clause != "二.1")  # section 二 has no schedule


@pytest.mark.parametrize("state", STATES)
def test_state_selects_the_rows_in_that_state(filled, state):
    got = set(rows(filled, state=state))
    assert got and got == expected(filled, lambda o: o.state == state)


def test_overdue_selects_the_still_to_do_rows_past_their_due_time(filled):
    got = set(rows(filled, overdue="on"))
    assert got == expected(filled, lambda o: o.state in ("open", "missed") and o.due_at < NOW)
    assert Occurrence.objects.filter(pk__in=got, state="missed").exists()
    assert Occurrence.objects.filter(pk__in=got, state="open").exists()


@pytest.mark.parametrize("name", ["alice", "bob", "carol"])
def test_person_selects_what_they_completed_or_are_named_for(filled, people, name):
    person = people[name]
    got = rows(filled, person=person.pk)
    assert len(got) == len(set(got))  # named and completing: listed once
    assert set(got) == expected(filled, lambda o: o.completed_by_id == person.pk
                                or person in o.obligation.assignees.all())


def test_dates_select_by_the_local_day_a_task_closes_on(filled):
    got = set(rows(filled, date_from="2026-11-10", date_to="2026-11-16"))
    assert got == expected(filled, lambda o: date(2026, 11, 10) <= closing_day(o) <= date(2026, 11, 16))


def test_date_to_includes_the_whole_local_day_and_no_more(filled):
    got = set(rows(filled, clause="三.2", date_from="2026-11-03", date_to="2026-11-03"))
    checks = Occurrence.objects.filter(platform=filled, obligation__key="三.2")
    last_of_the_day = checks.get(due_at=datetime(2026, 11, 4, 0, 0, tzinfo=SH))
    first_of_the_next = checks.get(due_at=datetime(2026, 11, 4, 8, 0, tzinfo=SH))
    due_at_the_start = checks.get(due_at=datetime(2026, 11, 3, 0, 0, tzinfo=SH))  # closes 2 November
    assert last_of_the_day.pk in got
    assert first_of_the_next.pk not in got and due_at_the_start.pk not in got
    assert len(got) == 3


def test_filters_combine(filled, people):
    got = set(rows(filled, clause="三.2", state="done", person=people["bob"].pk, date_from="2026-11-05",
                   date_to="2026-11-25"))
    assert got and got == expected(filled, lambda o: o.clause.number == "三.2" and o.state == "done"
                                   and o.completed_by_id == people["bob"].pk
                                   and date(2026, 11, 5) <= closing_day(o) <= date(2026, 11, 25))


@pytest.mark.parametrize("data,field,message", [
    ({"date_from": "2026-13-45"}, "date_from", "有效日期"),
    ({"date_to": "yesterday"}, "date_to", "有效日期"),
    ({"state": "lost"}, "state", None),
    ({"person": "999999"}, "person", None),
    ({"clause": "三" * 17}, "clause", None),
    ({"date_from": "2026-11-30", "date_to": "2026-11-01"}, "__all__", "开始日期不能晚于结束日期"),
])
def test_invalid_input_is_named_per_field(platform, data, field, message):
    form = OccurrenceFilter(data, platform=platform)
    assert not form.is_valid()
    assert list(form.errors) == [field]
    if message:
        assert message in form.errors[field][0]


def test_a_person_of_another_platform_cannot_be_chosen(platform):
    outsider = make_user("mallory", Platform.objects.create(slug="beta", name="Beta"), Role.STAFF)
    form = OccurrenceFilter({"person": outsider.pk}, platform=platform)
    assert not form.is_valid() and list(form.errors) == ["person"]


@pytest.mark.parametrize("data", [{"date_from": "2026-13-45"}, {"date_to": "yesterday"}, {"state": "lost"},
                                  {"date_from": "2026-11-30", "date_to": "2026-11-01"},
                                  {"clause": "三.2", "date_from": "2026-13-45"}])
def test_an_invalid_filter_selects_nothing(filled, data):
    form = OccurrenceFilter(data, platform=filled)
    assert not form.is_valid()
    assert list(form.queryset(now=NOW)) == []


@pytest.mark.parametrize("key", ["三.2", "三.3", "三.6-incident"])
def test_obligation_selects_the_rows_of_that_obligation(filled, key):
    got = set(rows(filled, obligation=key))
    assert got == expected(filled, lambda o: o.obligation.key == key)
    assert bool(got) == (key != "三.6-incident")  # no incident was opened


def test_an_obligation_of_another_platform_cannot_be_chosen(filled):
    form = OccurrenceFilter({"obligation": "no-such-key"}, platform=filled)
    assert not form.is_valid() and list(form.errors) == ["obligation"]


def test_due_soon_selects_the_open_rows_due_within_seven_days_from_now(filled):
    got = set(rows(filled, due_soon="on"))
    assert got == expected(filled, lambda o: o.state == "open" and NOW <= o.due_at <= NOW + timedelta(days=7))
    assert got
