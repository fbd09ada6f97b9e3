"""Platforms and members as services: who may, what is refused, what is kept, what is recorded."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from obligations.errors import DomainError
from obligations.models import AuditEvent, Completion, Evidence, Membership, Obligation, Occurrence, Platform, Role
from obligations.tasks import run_sweeps as sweep
from obligations.trust.access import roles_of
from obligations.trust.audit import audit_verify
from obligations.trust.membership import (
    may_manage_members,
    member_titles,
    membership_add,
    membership_change_role,
    membership_describe,
    membership_invite,
    membership_remove,
    platform_create,
)
from obligations.work.evidence import completion_with_evidence
from tests.concurrency import run_at_once
from tests.conftest import PDF_BYTES, SIGNED_AT, anchor_as_committed, make_user
from tests.trust.people_support import audits, make_site_admin

NOW = SIGNED_AT + timedelta(hours=1)
User = get_user_model()


@pytest.fixture
def admin(db):
    return make_site_admin()


def create(admin, **kw):
    args = {"name": "Gamma 平台", "slug": "gamma", "timezone": "Asia/Shanghai", "template": "platform-operation-1",
            "officer_username": "olga", "officer_email": "", "actor": admin, "now": NOW, **kw}
    return platform_create(**args)


# --- creating a platform -------------------------------------------------------------

def test_site_admin_creates_a_platform_with_an_existing_officer(admin):
    olga = make_user("olga")
    officer = create(admin, timezone="Asia/Urumqi")
    platform = Platform.objects.get(slug="gamma")
    assert officer.platform == platform and officer.user == olga and officer.role == Role.OFFICER
    assert (platform.name, platform.timezone) == ("Gamma 平台", "Asia/Urumqi")
    [created] = audits("platform.create")
    assert (created.actor, created.platform, created.object_id) == (admin, platform, str(platform.pk))
    assert created.data["template"] == "platform-operation-1" and created.data["officer"] == "olga"
    [added] = audits("membership.add")
    assert (added.actor, added.platform) == (admin, platform)
    assert added.data == {"user": "olga", "user_id": olga.pk, "role": "officer"}
    assert olga.has_usable_password()  # an existing user keeps their password


def test_site_admin_creates_a_platform_inviting_a_new_officer(admin):
    officer = create(admin, officer_username="nina", officer_email="nina@example.com")
    nina = User.objects.get(username="nina")
    assert officer.user == nina and officer.role == Role.OFFICER
    assert nina.email == "nina@example.com" and not nina.has_usable_password() and nina.is_active
    [invited] = audits("membership.invite")
    assert (invited.actor, invited.platform) == (admin, officer.platform)
    assert invited.data["email"] == "nina@example.com" and invited.data["role"] == "officer"


@pytest.mark.parametrize("kind", ["officer", "django_staff", "plain"])
def test_only_the_site_admin_creates_platforms(platform, officer, kind):
    actor = {"officer": officer,
             "django_staff": User.objects.create_user("st", is_staff=True),  # staff without the permission
             "plain": make_user("plain")}[kind]
    make_user("olga")
    with pytest.raises(PermissionDenied):
        create(actor)
    assert not Platform.objects.filter(slug="gamma").exists()
    assert not audits("platform.create")


@pytest.mark.parametrize("kw,field", [
    ({"slug": "ALPHA"}, "slug"),                     # taken by the fixture platform, whatever the case
    ({"timezone": "Asia/Beijing"}, "timezone"),      # not a zone
    ({"officer_username": "nobody"}, "username"),    # no such user and no email to invite
    ({"name": "  "}, "name"),
    ({"template": ""}, "template"),
])
def test_refusals_leave_nothing_behind(admin, platform, kw, field):
    make_user("olga")
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        create(admin, **kw)
    assert exc.value.field == field and str(exc.value)
    assert Platform.objects.count() == 1  # only the fixture's
    assert AuditEvent.objects.count() == before


def test_an_invited_officer_cannot_take_a_used_name_or_email(admin):
    olga = make_user("olga")
    olga.email = "olga@example.com"
    olga.save()
    with pytest.raises(DomainError) as exc:
        create(admin, officer_username="OLGA", officer_email="x@example.com")
    assert exc.value.field == "username" and "已被使用" in str(exc.value)
    with pytest.raises(DomainError) as exc:
        create(admin, officer_username="olga2", officer_email="Olga@Example.com")
    assert exc.value.field == "email"
    assert not Platform.objects.filter(slug="gamma").exists()
    assert not User.objects.filter(username="olga2").exists()


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


def test_the_officer_adds_an_existing_user(platform, people):
    eve = make_user("eve")
    m = membership_add(platform=platform, username="eve", role=Role.AUDITOR, actor=people["officer"], now=NOW)
    assert (m.user, m.role) == (eve, Role.AUDITOR)
    assert roles_of(User.objects.get(pk=eve.pk)) == {platform.pk: Role.AUDITOR}
    [record] = audits("membership.add")
    assert (record.actor, record.platform, record.data["role"]) == (people["officer"], platform, "auditor")


def test_adding_is_refused_clearly(platform, people):
    make_user("eve")
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    cases = {"nobody": "没有用户名", "bob": "已是本平台成员", "gone": "已停用"}
    for username, words in cases.items():
        with pytest.raises(DomainError) as exc:
            membership_add(platform=platform, username=username, role=Role.STAFF, actor=people["officer"], now=NOW)
        assert words in str(exc.value) and exc.value.field == "username"
    with pytest.raises(DomainError):
        membership_add(platform=platform, username="eve", role="boss", actor=people["officer"], now=NOW)
    assert not audits("membership.add")


def test_the_officer_invites_a_new_user(platform, people):
    m = membership_invite(platform=platform, username="sam", email="sam@example.com", role=Role.STAFF,
                          actor=people["officer"], now=NOW)
    sam = User.objects.get(username="sam")
    assert m.user == sam and m.role == Role.STAFF and not sam.has_usable_password()
    [record] = audits("membership.invite")
    assert (record.actor, record.platform) == (people["officer"], platform)
    assert record.data == {"user": "sam", "user_id": sam.pk, "email": "sam@example.com", "role": "staff"}


@pytest.mark.parametrize("who", ["staff", "supervisor", "auditor", "stranger"])
def test_no_one_else_manages_members(platform, people, who):
    actor, eve = people[who], make_user("eve")
    target = Membership.objects.get(user=people["staff"])
    assert not may_manage_members(actor, platform)
    for call in (
        lambda: membership_add(platform=platform, username="eve", role=Role.STAFF, actor=actor, now=NOW),
        lambda: membership_invite(platform=platform, username="new", email="n@example.com", role=Role.STAFF,
                                  actor=actor, now=NOW),
        lambda: membership_change_role(membership=target, role=Role.AUDITOR, actor=actor, now=NOW),
        lambda: membership_remove(membership=target, actor=actor, now=NOW),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not Membership.objects.filter(user=eve).exists() and not User.objects.filter(username="new").exists()
    target.refresh_from_db()
    assert target.role == Role.STAFF
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


def test_the_site_admin_manages_members_without_being_one(platform, people, admin):
    make_user("eve")
    assert may_manage_members(admin, platform) and platform.pk not in roles_of(admin)
    m = membership_add(platform=platform, username="eve", role=Role.STAFF, actor=admin, now=NOW)
    membership_change_role(membership=m, role=Role.SUPERVISOR, actor=admin, now=NOW)
    membership_remove(membership=m, actor=admin, now=NOW)
    assert [e.actor for e in AuditEvent.objects.filter(action__startswith="membership.")] == [admin] * 3


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


def test_the_chosen_template_is_the_one_the_first_draft_starts_from(admin, client):
    make_user("olga")
    officer = create(admin, template="platform-operation-2")
    platform = Platform.objects.get(slug="gamma")
    assert platform.template == "platform-operation-2"
    client.force_login(officer.user)
    client.post(reverse("letter-start", args=[platform.slug]))
    assert platform.letters.get().template == "platform-operation-2"


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
