"""Members as services: who may, what is refused, what is kept, what is recorded (joining: test_invitations.py)."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from obligations.errors import DomainError
from obligations.models import AuditEvent, Completion, Evidence, Membership, Obligation, Occurrence, Platform, Role
from obligations.tasks import run_sweeps as sweep
from obligations.trust.access import roles_of
from obligations.trust.audit import audit_verify
from obligations.trust.membership import (
    may_manage_members,
    member_titles,
    membership_change_role,
    membership_describe,
    membership_remove,
)
from obligations.work.evidence import completion_with_evidence
from tests.concurrency import run_at_once
from tests.conftest import PDF_BYTES, SIGNED_AT, anchor_as_committed, make_user
from tests.trust.people_support import audits, make_site_admin

NOW = SIGNED_AT + timedelta(hours=1)
User = get_user_model()


# --- members ---------------------------------------------------------------------------

@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    return {
        "officer": officer, "staff": staff,
        "supervisor": make_user("sue", platform, Role.SUPERVISOR),
        "auditor": make_user("aud", platform, Role.AUDITOR),
        "stranger": make_user("charlie", other, Role.OFFICER),
    }


@pytest.mark.parametrize("who", ["staff", "supervisor", "auditor", "stranger"])
def test_no_one_else_manages_members(platform, people, who):
    actor = people[who]
    target = Membership.objects.get(user=people["staff"])
    assert not may_manage_members(actor, platform)
    for call in (
        lambda: membership_change_role(membership=target, role=Role.AUDITOR, actor=actor, now=NOW),
        lambda: membership_remove(membership=target, actor=actor, now=NOW),
    ):
        with pytest.raises(PermissionDenied):
            call()
    target.refresh_from_db()
    assert target.role == Role.STAFF
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


def test_the_site_admin_manages_members_without_being_one(platform, people):
    admin = make_site_admin()
    assert may_manage_members(admin, platform) and platform.pk not in roles_of(admin)
    m = Membership.objects.create(user=make_user("eve"), platform=platform, role=Role.STAFF)
    membership_change_role(membership=m, role=Role.SUPERVISOR, actor=admin, now=NOW)
    membership_remove(membership=m, actor=admin, now=NOW)
    assert [e.actor for e in AuditEvent.objects.filter(action__startswith="membership.")] == [admin] * 2


def test_the_officer_changes_a_role(platform, people):
    m = Membership.objects.get(user=people["staff"])
    membership_change_role(membership=m, role=Role.SUPERVISOR, actor=people["officer"], now=NOW)
    m.refresh_from_db()
    assert m.role == Role.SUPERVISOR
    [record] = audits("membership.role")
    assert (record.actor, record.platform) == (people["officer"], platform)
    assert (record.data["user"], record.data["from"], record.data["to"]) == ("bob", "staff", "supervisor")
    membership_change_role(membership=m, role=Role.SUPERVISOR, actor=people["officer"], now=NOW)
    assert len(audits("membership.role")) == 1  # no change, no record


def test_a_group_that_shrinks_below_its_quorum_brings_the_quorum_down_on_record(platform, people):
    """Else a review needing three signatures of a group of two could never close."""
    make_user("sam", platform, Role.SUPERVISOR)
    make_user("sid", platform, Role.SUPERVISOR)
    platform.review_quorum = 3
    platform.save()
    sid = Membership.objects.get(user__username="sid")
    membership_change_role(membership=sid, role=Role.STAFF, actor=people["officer"], now=NOW)
    platform.refresh_from_db()
    assert platform.review_quorum == 2
    membership_remove(membership=Membership.objects.get(user__username="sam"), actor=people["officer"], now=NOW)
    platform.refresh_from_db()
    assert platform.review_quorum == 1  # sue alone
    assert [(r.data["from"], r.data["to"], r.actor) for r in audits("review.quorum", platform=platform)] == [
        (3, 2, people["officer"]), (2, 1, people["officer"])]
    membership_remove(membership=Membership.objects.get(user=people["staff"]), actor=people["officer"], now=NOW)
    assert len(audits("review.quorum")) == 2  # no supervisor left: nothing to bring down


def test_the_last_officer_is_neither_demoted_nor_removed(platform, people):
    alice = Membership.objects.get(user=people["officer"])
    with pytest.raises(DomainError) as exc:
        membership_change_role(membership=alice, role=Role.STAFF, actor=people["officer"], now=NOW)
    assert "唯一的合规负责人" in str(exc.value) and "四.2" in str(exc.value)
    with pytest.raises(DomainError) as exc:
        membership_remove(membership=alice, actor=people["officer"], now=NOW)
    assert "唯一的合规负责人" in str(exc.value) and "四.2" in str(exc.value)
    alice.refresh_from_db()
    assert alice.role == Role.OFFICER
    assert not audits("membership.role") and not audits("membership.remove")

    # With a second officer, the first may step down: then the second is the last.
    bob = Membership.objects.get(user=people["staff"])
    membership_change_role(membership=bob, role=Role.OFFICER, actor=people["officer"], now=NOW)
    membership_remove(membership=alice, actor=people["officer"], now=NOW)
    assert list(Membership.objects.filter(platform=platform, role=Role.OFFICER).values_list("user__username",
                                                                                           flat=True)) == ["bob"]
    assert not may_manage_members(people["officer"], platform)
    with pytest.raises(DomainError):
        membership_change_role(membership=bob, role=Role.AUDITOR, actor=people["staff"], now=NOW)


def test_a_removed_member_keeps_their_history(platform, people, signed_letter):
    sweep(now=NOW)
    staff = people["staff"]
    check = Occurrence.objects.filter(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW).first()
    completion_with_evidence(occurrence=check, user=staff, note="巡检正常", now=NOW,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    checks = Obligation.objects.get(platform=platform, key="三.2")
    checks.assignees.set([staff])
    before = AuditEvent.objects.filter(actor=staff).count()
    assert before >= 1

    membership_remove(membership=Membership.objects.get(user=staff), actor=people["officer"], now=NOW)

    assert not Membership.objects.filter(user=staff, platform=platform).exists()
    assert User.objects.filter(pk=staff.pk, is_active=True).exists()
    check.refresh_from_db()
    assert check.state == "done" and check.completed_by == staff
    assert Completion.objects.filter(occurrence=check, user=staff, note="巡检正常").exists()
    assert Evidence.objects.filter(completion__user=staff).count() == 1
    assert AuditEvent.objects.filter(actor=staff).count() == before
    # No longer the named doer of anything on the platform: its role does it again.
    assert not checks.assignees.exists()
    [record] = audits("membership.remove")
    assert (record.actor, record.platform) == (people["officer"], platform)
    assert record.data["user"] == "bob" and record.data["role"] == "staff"
    assert record.data["unassigned"] == ["三.2"]
    assert roles_of(User.objects.get(pk=staff.pk)) == {}
    anchor_as_committed()
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_removing_each_other_at_once_leave_one():
    platform = Platform.objects.create(slug="race", name="Race")
    a, b = make_user("a", platform, Role.OFFICER), make_user("b", platform, Role.OFFICER)
    ma, mb = Membership.objects.get(user=a), Membership.objects.get(user=b)
    calls = iter([lambda: membership_remove(membership=mb, actor=a, now=NOW),
                  lambda: membership_remove(membership=ma, actor=b, now=NOW)])
    lock = threading.Lock()

    def one():
        with lock:
            call = next(calls)
        call()

    errors = run_at_once(2, one)
    assert connection.vendor == "postgresql"
    assert Membership.objects.filter(platform=platform, role=Role.OFFICER).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], (DomainError, PermissionDenied))
    assert len(audits("membership.remove")) == 1


def test_the_officer_names_a_member_and_their_post(platform, people):
    sue = Membership.objects.get(user=people["supervisor"])
    membership_describe(membership=sue, full_name=" 苏珊 ", post="监督小组组长", actor=people["officer"], now=NOW)
    sue.refresh_from_db()
    assert (sue.full_name, sue.post) == ("苏珊", "监督小组组长")
    [record] = audits("membership.name")
    assert (record.actor, record.data["from"], record.data["to"]) == (people["officer"], ["", ""], ["苏珊", "监督小组组长"])
    membership_describe(membership=sue, full_name="苏珊", post="监督小组组长", actor=people["officer"], now=NOW)
    assert len(audits("membership.name")) == 1  # nothing changed, nothing recorded
    titles = member_titles(platform.pk, [people["supervisor"].pk, people["staff"].pk])
    assert titles[people["supervisor"].pk] == {"name": "苏珊", "post": "监督小组组长"}
    assert titles[people["staff"].pk] == {"name": "bob", "post": ""}  # no name kept: the username
    with pytest.raises(PermissionDenied):
        membership_describe(membership=sue, full_name="x", post="y", actor=people["staff"], now=NOW)
