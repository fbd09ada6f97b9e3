"""Joining a platform by invitation, as services: nobody joins without accepting, the link
works once and only while pending, and nothing tells an officer who has an account."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import translation

from obligations.errors import DomainError
from obligations.models import AuditEvent, Invitation, Membership, Platform, Role, UserPreferences
from obligations.trust.access import roles_of
from obligations.trust.audit import audit_verify
from obligations.trust.invitations import (
    INVITATION_DAYS,
    INVITATIONS_PER_DAY,
    InvitationRefused,
    invitation_accept,
    invitation_accept_new_account,
    invitation_create,
    invitation_for,
    invitation_revoke,
    invitee_language,
    pending_invitations,
    platform_create,
    token_hash,
)
from obligations.trust.membership import may_manage_members
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT, anchor_as_committed, make_user
from tests.trust.people_support import audits, make_site_admin

NOW = SIGNED_AT + timedelta(hours=1)
User = get_user_model()


@pytest.fixture
def people(platform, officer, staff):
    beta = Platform.objects.create(slug="beta", name="Beta")
    charlie = make_user("charlie", beta, Role.OFFICER)
    charlie.email = "charlie@beta.example"
    charlie.save()
    return {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("aud", platform, Role.AUDITOR), "stranger": charlie, "beta": beta}


def invite(platform, actor, email="sam@example.com", role=Role.STAFF, now=NOW, **kw):
    return invitation_create(platform=platform, email=email, role=role, actor=actor, now=now, **kw)


# --- inviting ---------------------------------------------------------------------------

def test_an_invitation_attaches_no_one_until_accepted(platform, people):
    """The issue's attack: an officer names another platform's officer (by their email now,
    as a username no longer can be given). Nothing joins; the link goes to their mail only."""
    charlie = people["stranger"]
    invitation, token = invite(platform, people["officer"], email="charlie@beta.example", role=Role.OFFICER)
    assert not Membership.objects.filter(user=charlie, platform=platform).exists()
    assert roles_of(User.objects.get(pk=charlie.pk)) == {people["beta"].pk: Role.OFFICER}
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    assert len(token) >= 43  # 256 random bits
    assert invitation.expires_at == NOW + timedelta(days=INVITATION_DAYS)
    [record] = audits("membership.invite")
    assert (record.actor, record.platform, record.object_type) == (people["officer"], platform, "Invitation")
    assert record.data == {"email": "charlie@beta.example", "role": "officer", "full_name": "", "post": "",
                           "replaces": []}
    assert "user_id" not in record.data and token not in str(record.data)


def test_the_answer_is_the_same_whether_the_address_has_an_account(platform, people):
    """No oracle: an address with an account and one without give the same kind of result
    and the same records, differing only in the address typed."""
    known, _ = invite(platform, people["officer"], email="charlie@beta.example")
    unknown, _ = invite(platform, people["officer"], email="nobody@example.com")
    fields = ("platform_id", "role", "invited_by_id", "created_at", "expires_at", "accepted_at", "revoked_at")
    assert [getattr(known, f) for f in fields] == [getattr(unknown, f) for f in fields]
    first, second = audits("membership.invite")
    assert {k: v for k, v in first.data.items() if k != "email"} == {k: v for k, v in second.data.items() if k != "email"}
    assert User.objects.count() == 5 and Membership.objects.count() == 5  # no account made, no one added


@pytest.mark.parametrize("who", ["staff", "supervisor", "auditor", "stranger"])
def test_only_the_officer_or_the_site_admin_invites_and_revokes(platform, people, who):
    invitation, _ = invite(platform, people["officer"])
    with pytest.raises(PermissionDenied):
        invite(platform, people[who], email="x@example.com")
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=invitation, actor=people[who], now=NOW)
    assert Invitation.objects.count() == 1 and not audits("membership.invite_revoke")
    admin = make_site_admin()
    assert invite(platform, admin, email="y@example.com")[0].invited_by == admin


def test_a_bad_address_or_role_is_refused(platform, people):
    for email, role, field in (("not-an-email", Role.STAFF, "email"), ("", Role.STAFF, "email"),
                               ("a@example.com", "boss", "role")):
        with pytest.raises(DomainError) as exc:
            invite(platform, people["officer"], email=email, role=role)
        assert exc.value.field == field
    assert not Invitation.objects.exists() and not audits("membership.invite")


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(platform, people):
    old, old_token = invite(platform, people["officer"], email="Sam@Example.com")
    new, new_token = invite(platform, people["officer"], email="sam@example.com", role=Role.AUDITOR)
    old.refresh_from_db()
    assert old.revoked_at == NOW and list(pending_invitations(platform, NOW)) == [new]
    assert audits("membership.invite")[-1].data["replaces"] == [old.pk]
    with pytest.raises(InvitationRefused) as exc:
        invitation_for(old_token, NOW)
    assert exc.value.reason == "revoked"
    assert invitation_for(new_token, NOW) == new


def test_invitations_are_capped_per_platform_and_day(platform, people):
    Invitation.objects.bulk_create(
        Invitation(platform=platform, email=f"p{i}@example.com", role=Role.STAFF, token_hash=f"{i:064x}",
                   invited_by=people["officer"], created_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(days=1))
        for i in range(INVITATIONS_PER_DAY))
    with pytest.raises(DomainError) as exc:
        invite(platform, people["officer"])
    assert str(INVITATIONS_PER_DAY) in str(exc.value)
    assert invite(platform, people["officer"], now=NOW + timedelta(hours=24))  # a day later


def test_revoking_a_pending_invitation_kills_its_link(platform, people):
    invitation, token = invite(platform, people["officer"])
    invitation_revoke(invitation=invitation, actor=people["officer"], now=NOW)
    [record] = audits("membership.invite_revoke")
    assert (record.actor, record.data) == (people["officer"], {"email": "sam@example.com", "role": "staff"})
    with pytest.raises(InvitationRefused):
        invitation_accept(token=token, user=people["stranger"], now=NOW)
    with pytest.raises(DomainError):  # nothing left to revoke
        invitation_revoke(invitation=invitation, actor=people["officer"], now=NOW)
    assert len(audits("membership.invite_revoke")) == 1
    assert not Membership.objects.filter(user=people["stranger"], platform=platform).exists()


# --- accepting --------------------------------------------------------------------------

def test_a_signed_in_user_accepts_for_themselves(platform, people):
    charlie = people["stranger"]
    invitation, token = invite(platform, people["officer"], email="c@alias.example", role=Role.SUPERVISOR,
                               full_name="查理", post="监督小组组长")
    membership = invitation_accept(token=token, user=charlie, now=NOW + timedelta(days=1))
    assert (membership.user, membership.platform, membership.role) == (charlie, platform, Role.SUPERVISOR)
    assert (membership.full_name, membership.post) == ("查理", "监督小组组长")
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (NOW + timedelta(days=1), charlie)
    [record] = audits("membership.accept")
    assert (record.actor, record.platform, record.object_id) == (charlie, platform, str(membership.pk))
    assert record.data == {"user": "charlie", "user_id": charlie.pk, "role": "supervisor",
                           "invitation": invitation.pk, "email": "c@alias.example",
                           "invited_by": people["officer"].pk, "new_account": False}
    assert roles_of(User.objects.get(pk=charlie.pk))[platform.pk] == Role.SUPERVISOR
    # Once: a second reader of the same link is refused.
    with pytest.raises(InvitationRefused) as exc:
        invitation_accept(token=token, user=people["auditor"], now=NOW + timedelta(days=1))
    assert exc.value.reason == "used" and "只能使用一次" in exc.value.message
    anchor_as_committed()
    assert audit_verify().ok


def test_a_member_accepting_again_is_told_and_the_invitation_stays(platform, people):
    invitation, token = invite(platform, people["officer"], role=Role.OFFICER)
    with pytest.raises(DomainError) as exc:
        invitation_accept(token=token, user=people["staff"], now=NOW)
    assert "已是平台" in str(exc.value) and "执行人" in str(exc.value)
    assert Membership.objects.get(user=people["staff"]).role == Role.STAFF
    assert invitation_for(token, NOW) == invitation and not audits("membership.accept")


@pytest.mark.parametrize("reason", ["unknown", "used", "revoked", "expired"])
def test_a_link_that_cannot_be_used_says_why_in_the_readers_language(platform, people, reason):
    invitation, token = invite(platform, people["officer"])
    if reason == "unknown":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif reason == "used":
        invitation_accept(token=token, user=people["stranger"], now=NOW)
    elif reason == "revoked":
        invitation_revoke(invitation=invitation, actor=people["officer"], now=NOW)
    at = NOW + timedelta(days=INVITATION_DAYS) if reason == "expired" else NOW
    with pytest.raises(InvitationRefused) as exc:
        invitation_accept(token=token, user=people["auditor"], now=at)
    assert exc.value.reason == reason
    assert {"unknown": "无效", "used": "只能使用一次", "revoked": "已被撤销", "expired": "已过期"}[reason] in exc.value.message
    with translation.override("en"), pytest.raises(InvitationRefused) as exc:
        invitation_for(token, at)
    words = {"unknown": "not valid", "used": "only once", "revoked": "withdrawn", "expired": "expired"}[reason]
    assert words in exc.value.message
    assert not Membership.objects.filter(user=people["auditor"], platform=platform, role=Role.STAFF).exists()


def test_a_person_without_an_account_makes_one_with_the_invited_address(platform, people):
    invitation, token = invite(platform, people["officer"], role=Role.AUDITOR, full_name="山姆")
    membership = invitation_accept_new_account(token=token, username="sam", password="Sam-密码-2026-x", now=NOW)
    sam = User.objects.get(username="sam")
    assert membership.user == sam and membership.role == Role.AUDITOR and membership.full_name == "山姆"
    assert sam.email == "sam@example.com" and sam.check_password("Sam-密码-2026-x") and sam.is_active
    [record] = audits("membership.accept")
    assert record.actor == sam and record.data["new_account"] is True
    with pytest.raises(InvitationRefused):
        invitation_accept_new_account(token=token, username="sam2", password="Sam-密码-2026-x", now=NOW)
    assert not User.objects.filter(username="sam2").exists()


def test_a_new_account_is_refused_a_taken_username_or_an_address_with_an_account(platform, people):
    _, token = invite(platform, people["officer"])
    with pytest.raises(DomainError) as exc:
        invitation_accept_new_account(token=token, username="BOB", password="Sam-密码-2026-x", now=NOW)
    assert exc.value.field == "username" and "已被使用" in str(exc.value)
    _, theirs = invite(platform, people["officer"], email="Charlie@beta.example")
    with pytest.raises(DomainError) as exc:
        invitation_accept_new_account(token=theirs, username="charlie2", password="Sam-密码-2026-x", now=NOW)
    assert "请登录该账号后接受邀请" in str(exc.value)
    assert not User.objects.filter(username__in=["BOB", "charlie2"]).exists() and not audits("membership.accept")
    assert len(pending_invitations(platform, NOW)) == 2  # both links still work


def test_the_invitation_is_written_in_the_invitees_language_never_the_inviters(people):
    assert invitee_language("nobody@example.com") == "zh-hans"
    UserPreferences.objects.create(user=people["stranger"], language="en")
    assert invitee_language("CHARLIE@beta.example") == "en"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_readers_of_one_link_at_once_make_one_member():
    platform = Platform.objects.create(slug="race", name="Race")
    officer = make_user("o", platform, Role.OFFICER)
    a, b = make_user("a"), make_user("b")
    _, token = invite(platform, officer)
    users = iter([a, b])
    lock = threading.Lock()

    def one():
        with lock:
            user = next(users)
        invitation_accept(token=token, user=user, now=NOW)

    errors = run_at_once(2, one)
    assert connection.vendor == "postgresql"
    assert Membership.objects.filter(platform=platform).exclude(user=officer).count() == 1
    assert len(errors) == 1 and isinstance(errors[0], InvitationRefused) and errors[0].reason == "used"
    assert len(audits("membership.accept")) == 1


# --- a new platform and its first officer -----------------------------------------------------

@pytest.fixture
def admin(db):
    return make_site_admin()


def create(admin, **kw):
    args = {"name": "Gamma 平台", "slug": "gamma", "timezone": "Asia/Shanghai", "template": "platform-operation-1",
            "officer_email": "olga@example.com", "actor": admin, "now": NOW, **kw}
    return platform_create(**args)


def test_site_admin_creates_a_platform_with_its_first_officers_invitation(admin):
    olga = make_user("olga")  # an existing user is invited like anyone: she joins by accepting
    invitation, token = create(admin, timezone="Asia/Urumqi")
    platform = Platform.objects.get(slug="gamma")
    assert (platform.name, platform.timezone) == ("Gamma 平台", "Asia/Urumqi")
    assert (invitation.platform, invitation.role, invitation.email) == (platform, Role.OFFICER, "olga@example.com")
    assert not Membership.objects.filter(platform=platform).exists()
    [created] = audits("platform.create")
    assert (created.actor, created.platform, created.object_id) == (admin, platform, str(platform.pk))
    assert created.data["template"] == "platform-operation-1" and created.data["officer_email"] == "olga@example.com"
    [invited] = audits("membership.invite")
    assert (invited.actor, invited.platform, invited.data["role"]) == (admin, platform, "officer")
    invitation_accept(token=token, user=olga, now=NOW)
    assert may_manage_members(olga, platform)


@pytest.mark.parametrize("kind", ["officer", "django_staff", "plain"])
def test_only_the_site_admin_creates_platforms(platform, officer, kind):
    actor = {"officer": officer,
             "django_staff": User.objects.create_user("st", is_staff=True),  # staff without the permission
             "plain": make_user("plain")}[kind]
    with pytest.raises(PermissionDenied):
        create(actor)
    assert not Platform.objects.filter(slug="gamma").exists()
    assert not audits("platform.create") and not Invitation.objects.exists()


@pytest.mark.parametrize("kw,field", [
    ({"slug": "ALPHA"}, "slug"),                     # taken by the fixture platform, whatever the case
    ({"timezone": "Asia/Beijing"}, "timezone"),      # not a zone
    ({"officer_email": "olga"}, "email"),            # not an address
    ({"name": "  "}, "name"),
    ({"template": ""}, "template"),
])
def test_refusals_leave_nothing_behind(admin, platform, kw, field):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        create(admin, **kw)
    assert exc.value.field == field and str(exc.value)
    assert Platform.objects.count() == 1  # only the fixture's
    assert AuditEvent.objects.count() == before and not Invitation.objects.exists()


def test_the_chosen_template_is_the_one_the_first_draft_starts_from(admin, client):
    olga = make_user("olga")
    _, token = create(admin, template="platform-operation-2")
    invitation_accept(token=token, user=olga, now=NOW)
    platform = Platform.objects.get(slug="gamma")
    assert platform.template == "platform-operation-2"
    client.force_login(olga)
    client.post(reverse("letter-start", args=[platform.slug]))
    assert platform.letters.get().template == "platform-operation-2"
