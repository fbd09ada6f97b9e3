"""Who may close a case: the platform's officer any, the assignee their own, nobody else."""

import pytest
from django.core.exceptions import PermissionDenied

from obligations.cases.services import case_close, may_close
from obligations.errors import DomainError
from obligations.models import AuditEvent, Case, CaseEvent, Membership, Platform, Role
from tests.cases.support import at, clocks, open_case
from tests.conftest import make_user

CLOSED_AT = at(2026, 11, 2, 12)


@pytest.fixture
def carol(platform):
    return make_user("carol", platform, Role.STAFF)


@pytest.fixture
def case(signed_letter, staff):
    """A complaint assigned to bob, both clocks (respond, decide) still running."""
    return open_case(signed_letter.platform, assignee=staff)


def waivers(case):
    return {c.pk: "用户撤回投诉" for c in clocks(case).values()}


def close(case, user):
    return case_close(case=case, user=user, note="已办结", waivers=waivers(case), now=CLOSED_AT)


def assert_closed_by(case, user):
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.closed_at, case.close_note) == ("closed", CLOSED_AT, "已办结")
    assert {c.state for c in clocks(case).values()} == {"waived"}
    [event] = CaseEvent.objects.filter(case=case, action="closed")
    assert event.actor == user
    [record] = AuditEvent.objects.filter(action="case.close", object_id=str(case.pk))
    assert record.actor == user and sorted(record.data["waived"]) == sorted(c.pk for c in clocks(case).values())


def assert_still_open(case):
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.closed_at) == ("open", None)
    assert {c.state for c in clocks(case).values()} == {"open"}
    assert not CaseEvent.objects.filter(case=case, action="closed").exists()
    assert not AuditEvent.objects.filter(action__in=["case.close", "occurrence.waive"]).exists()


def test_the_officer_closes_any_case(case, officer):
    assert may_close(case, officer)
    close(case, officer)
    assert_closed_by(case, officer)


def complete_clocks(case, user):
    from obligations.work.occurrences import occurrence_complete

    for clock in clocks(case).values():
        occurrence_complete(occurrence=clock, user=user, note="已处理", now=CLOSED_AT)


def test_the_assignee_closes_their_own_case_once_its_clocks_are_done(case, staff):
    assert may_close(case, staff)
    complete_clocks(case, staff)
    case_close(case=case, user=staff, note="已办结", waivers={}, now=CLOSED_AT)
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.close_note) == ("closed", "已办结")
    assert CaseEvent.objects.get(case=case, action="closed").actor == staff


def test_another_staff_member_is_refused_and_the_case_stays_open(case, carol):
    assert not may_close(case, carol)
    with pytest.raises(PermissionDenied):
        close(case, carol)
    assert_still_open(case)


def test_an_unassigned_case_is_closed_by_the_officer_only(signed_letter, officer, staff):
    case = open_case(signed_letter.platform)
    assert not may_close(case, staff)
    with pytest.raises(PermissionDenied):
        close(case, staff)
    assert_still_open(case)
    assert may_close(case, officer)


def test_an_officer_of_another_platform_is_refused(case):
    outsider = make_user("olga", Platform.objects.create(slug="beta", name="Beta"), Role.OFFICER)
    assert not may_close(case, outsider)
    with pytest.raises(PermissionDenied):
        close(case, outsider)
    assert_still_open(case)


def test_an_assignee_who_left_the_platform_is_refused(case, staff):
    Membership.objects.filter(user=staff).delete()
    former = type(staff).objects.get(pk=staff.pk)  # a fresh request: roles are read again
    assert not may_close(case, former)
    with pytest.raises(PermissionDenied):
        close(case, former)
    assert_still_open(case)


def test_a_closed_case_cannot_be_closed_again(case, officer, staff):
    close(case, officer)
    with pytest.raises(DomainError, match="已办结"):
        close(case, officer)
    assert CaseEvent.objects.filter(case=case, action="closed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_closing_holds_its_own_transaction(case, officer):
    """As in the close view, with no transaction around: the row lock needs case_close's own."""
    close(case, officer)
    assert_closed_by(case, officer)


# The repro: an auditor or a staff assignee waived the clocks and closed the case.

def test_an_auditor_cannot_be_assigned_a_case(signed_letter):
    auditor = make_user("audrey", signed_letter.platform, Role.AUDITOR)
    with pytest.raises(DomainError, match="合规负责人或执行人"):
        open_case(signed_letter.platform, assignee=auditor)
    assert not Case.objects.exists()


def test_an_auditor_never_closes_even_a_case_assigned_before(signed_letter, staff):
    auditor = make_user("audrey", signed_letter.platform, Role.AUDITOR)
    case = open_case(signed_letter.platform, assignee=staff)
    Case.objects.filter(pk=case.pk).update(assignee=auditor)  # as the old rule allowed
    case.refresh_from_db()
    assert not may_close(case, auditor)
    with pytest.raises(PermissionDenied):
        close(case, auditor)
    assert Case.objects.get(pk=case.pk).state == "open"


def test_only_the_officer_waives_a_clock(case, staff, officer):
    with pytest.raises(DomainError, match="只有合规负责人可以豁免"):
        close(case, staff)
    assert {c.state for c in clocks(case).values()} == {"open"}
    close(case, officer)
    assert_closed_by(case, officer)


def test_the_close_view_refuses_the_auditor(client, signed_letter, staff):
    from django.urls import reverse

    auditor = make_user("audrey", signed_letter.platform, Role.AUDITOR)
    case = open_case(signed_letter.platform, assignee=staff)
    client.force_login(auditor)
    data = {"note": "x", **{f"waive-{pk}": "撤回" for pk in waivers(case)}}
    assert client.post(reverse("case-close", args=[case.pk]), data).status_code == 403
    assert Case.objects.get(pk=case.pk).state == "open"
