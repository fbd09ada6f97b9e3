"""Who handles a case: a public complaint's default, an officer's assignment, audited and told."""

import pytest
from django.core.exceptions import PermissionDenied

from obligations.cases.assignment import case_assign, default_handler
from obligations.cases.services import case_close, case_timeline
from obligations.errors import DomainError
from obligations.models import AuditEvent, CaseEvent, Membership, Notification, Obligation, Platform, Role
from obligations.trust.preferences import language_choose
from tests.cases.support import at, open_case, public_complaint
from tests.conftest import make_user

NOW = at(2026, 11, 2, 11)


def assigned_notices(case):
    return list(Notification.objects.filter(case=case, kind="case_assigned").order_by("id"))


def test_a_public_complaint_opens_with_the_one_person_who_does_its_clocks(signed_letter, staff):
    case = public_complaint(signed_letter.platform, at(2026, 11, 2, 10))
    assert case.assignee == staff  # 四.3 falls to staff, and bob is the platform's only staff member
    [told] = assigned_notices(case)
    assert told.recipient == staff and case.number in told.subject and "负责人" in told.subject
    assert f"/cases/{case.pk}/" in told.body and "13800000000" not in told.body and "退款" not in told.body
    [record] = AuditEvent.objects.filter(action="case.open", object_id=str(case.pk))
    assert record.data["assignee"] == "bob"


def test_with_several_people_on_its_clocks_a_public_complaint_waits_for_an_officer(signed_letter, staff):
    platform = signed_letter.platform
    make_user("carol", platform, Role.STAFF)
    case = public_complaint(platform, at(2026, 11, 2, 10))
    assert case.assignee is None and not assigned_notices(case)
    officer_notice = Notification.objects.get(case=case, kind="public_complaint")
    assert "待分配" in officer_notice.body  # the officers read that it waits for them


def test_named_assignees_decide_the_default_and_an_auditor_never_handles(signed_letter, staff):
    platform = signed_letter.platform
    carol = make_user("carol", platform, Role.STAFF)
    auditor = make_user("audrey", platform, Role.AUDITOR)
    complaints = Obligation.objects.filter(platform=platform, trigger="complaint")
    for ob in complaints:
        ob.assignees.set([carol])
    assert default_handler(platform, "complaint") == carol
    for ob in complaints:
        ob.assignees.set([auditor])  # named, but one who never writes: nobody handles by default
    assert default_handler(platform, "complaint") is None


def test_an_officer_assigns_and_reassigns_each_change_audited_and_the_new_handler_told(signed_letter, officer, staff):
    platform = signed_letter.platform
    carol = make_user("carol", platform, Role.STAFF)
    language_choose(carol, "en")
    Membership.objects.filter(user=officer).update(full_name="王敏")  # a message names people as pages do
    case = public_complaint(platform, at(2026, 11, 2, 10))
    assert case.assignee is None

    case = case_assign(case=case, assignee=carol, user=officer, now=NOW)
    case.refresh_from_db()
    assert case.assignee == carol
    [record] = AuditEvent.objects.filter(action="case.assign", object_id=str(case.pk))
    assert (record.actor, record.data) == (officer, {"from": None, "to": "carol"})
    [told] = assigned_notices(case)
    assert told.recipient == carol and told.subject.startswith("You now handle") and case.number in told.subject
    assert "王敏" in told.body and "alice" not in told.body and "respond within 24 hours" in told.body  # who assigned it, what still runs

    case_assign(case=case, assignee=carol, user=officer, now=NOW)  # the double click changes nothing
    assert AuditEvent.objects.filter(action="case.assign").count() == 1 and len(assigned_notices(case)) == 1

    case_assign(case=case, assignee=staff, user=officer, now=NOW)
    case_assign(case=case, assignee=carol, user=officer, now=NOW)  # back to carol: told again
    assert [(n.recipient.username) for n in assigned_notices(case)] == ["carol", "bob", "carol"]
    assert [r.data for r in AuditEvent.objects.filter(action="case.assign").order_by("id")][1:] == [
        {"from": "carol", "to": "bob"}, {"from": "bob", "to": "carol"}]
    assert list(CaseEvent.objects.filter(case=case, action="assigned").values_list("note", flat=True)) == [
        "— → carol", "carol → bob", "bob → carol"]
    assert [label for _at, label, _actor, _note in case_timeline(case, [])].count("指定负责人") == 3


def test_only_an_officer_assigns_and_only_to_someone_who_may_handle_cases(signed_letter, officer, staff):
    platform = signed_letter.platform
    supervisor = make_user("sam", platform, Role.SUPERVISOR)
    auditor = make_user("audrey", platform, Role.AUDITOR)
    stranger = make_user("charlie", Platform.objects.create(slug="beta", name="Beta"), Role.STAFF)
    case = open_case(platform)
    for who in (staff, supervisor, auditor, stranger):
        with pytest.raises(PermissionDenied):
            case_assign(case=case, assignee=staff, user=who, now=NOW)
    for whom in (supervisor, auditor, stranger):
        with pytest.raises(DomainError, match="负责人须是本平台的合规负责人或执行人"):
            case_assign(case=case, assignee=whom, user=officer, now=NOW)
    case.refresh_from_db()
    assert case.assignee is None and not AuditEvent.objects.filter(action="case.assign").exists()
    case_close(case=case, user=officer, note="已处理", waivers={c.pk: "重复" for c in case.clocks.all()}, now=NOW)
    with pytest.raises(DomainError, match="已办结"):
        case_assign(case=case, assignee=staff, user=officer, now=NOW)


def test_a_case_registered_with_a_handler_tells_them_unless_they_registered_it(signed_letter, officer, staff):
    platform = signed_letter.platform
    by_officer = open_case(platform, user=officer, channel="phone", assignee=staff)
    [told] = assigned_notices(by_officer)
    assert told.recipient == staff and "alice" in told.body
    own = open_case(platform, user=staff, channel="phone", assignee=staff)
    assert not assigned_notices(own)


def test_an_officer_who_handles_a_public_complaint_by_default_hears_of_it_once(signed_letter, officer, staff):
    platform = signed_letter.platform
    for ob in Obligation.objects.filter(platform=platform, trigger="complaint"):
        ob.assignees.set([officer])
    case = public_complaint(platform, at(2026, 11, 2, 10))
    assert case.assignee == officer
    [told] = Notification.objects.filter(case=case)
    assert told.kind == "public_complaint" and "负责人:alice" in told.body
