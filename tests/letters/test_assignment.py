"""Naming who does an obligation: members only, recorded in the audit trail."""

from datetime import timedelta

import pytest

from obligations.demo import demo_values
from obligations.errors import DomainError
from obligations.letters.assignment import obligation_assign
from obligations.letters.services import letter_create, letter_sign
from obligations.models import AuditEvent, Obligation, Platform, Role
from tests.conftest import SIGNED_AT, make_user

NOW = SIGNED_AT + timedelta(hours=2)


@pytest.fixture
def checks(signed_letter):
    return Obligation.objects.get(platform=signed_letter.platform, key="三.2")


def assign_events(obligation):
    return AuditEvent.objects.filter(action="obligation.assign", object_type="Obligation",
                                     object_id=str(obligation.pk))


def test_assigning_names_the_members_and_records_it_once(checks, officer, staff, platform):
    carol = make_user("carol", platform, Role.STAFF)
    obligation_assign(obligation=checks, assignees=[staff, carol], user=officer, now=NOW)
    assert set(Obligation.objects.get(pk=checks.pk).assignees.all()) == {staff, carol}
    [event] = assign_events(checks)
    assert (event.actor, event.platform, event.at) == (officer, platform, NOW)
    assert sorted(event.data["assignees"]) == ["bob", "carol"]


def test_assigning_again_replaces_the_named_people(checks, officer, staff, platform):
    carol = make_user("carol", platform, Role.STAFF)
    obligation_assign(obligation=checks, assignees=[staff], user=officer, now=NOW)
    obligation_assign(obligation=checks, assignees=[carol], user=officer, now=NOW + timedelta(minutes=1))
    assert list(checks.assignees.all()) == [carol]
    assert [e.data["assignees"] for e in assign_events(checks)] == [["bob"], ["carol"]]


def test_a_member_of_another_role_may_be_named(checks, officer, platform):
    sue = make_user("sue", platform, Role.SUPERVISOR)
    obligation_assign(obligation=checks, assignees=[sue], user=officer, now=NOW)
    assert list(checks.assignees.all()) == [sue]


@pytest.mark.parametrize("stranger_kind", ["other platform", "no platform"])
def test_a_non_member_is_refused_and_nothing_changes(checks, officer, staff, stranger_kind):
    obligation_assign(obligation=checks, assignees=[staff], user=officer, now=NOW)
    other = Platform.objects.create(slug="beta", name="Beta") if stranger_kind == "other platform" else None
    stranger = make_user("mallory", other, Role.OFFICER if other else None)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="不是本平台成员") as refused:
        obligation_assign(obligation=checks, assignees=[staff, stranger], user=officer, now=NOW)
    assert refused.value.field == "assignees"
    assert list(Obligation.objects.get(pk=checks.pk).assignees.all()) == [staff]
    assert AuditEvent.objects.count() == before


def test_a_member_of_this_platform_cannot_be_named_on_another(signed_letter, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    olga = make_user("olga", other, Role.OFFICER)
    letter_sign(letter=letter_create(platform=other, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT),
                user=olga, now=SIGNED_AT)
    foreign = Obligation.objects.get(platform=other, key="三.2")
    with pytest.raises(DomainError):
        obligation_assign(obligation=foreign, assignees=[staff], user=olga, now=NOW)
    assert not foreign.assignees.exists()


def test_an_empty_list_names_nobody(checks, officer, staff):
    obligation_assign(obligation=checks, assignees=[staff], user=officer, now=NOW)
    obligation_assign(obligation=checks, assignees=[], user=officer, now=NOW + timedelta(minutes=1))
    assert not Obligation.objects.get(pk=checks.pk).assignees.exists()
    assert [e.data["assignees"] for e in assign_events(checks)] == [["bob"], []]


def test_an_auditor_is_never_named_to_do_a_task(signed_letter, officer):
    from obligations.letters.assignment import obligation_assign
    from obligations.models import Obligation, Role
    from tests.conftest import SIGNED_AT, make_user

    auditor = make_user("audrey", signed_letter.platform, Role.AUDITOR)
    ob = Obligation.objects.get(platform=signed_letter.platform, key="三.2")
    with pytest.raises(DomainError, match="只读审计员"):
        obligation_assign(obligation=ob, assignees=[auditor], user=officer, now=SIGNED_AT)
    assert not ob.assignees.exists()
