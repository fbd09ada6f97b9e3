"""Joining by invitation through the pages (issue 22, item 4): an officer invites an email
address and learns nothing about the site's users; the person who opens the mailed link
accepts for their own account or registers there; a link that cannot be used says why."""

import re
import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from obligations.models import AuditEvent, Invitation, Membership, Platform, Role, UserPreferences
from obligations.trust.invitations import INVITATION_DAYS
from obligations.views import invitations as invitation_views
from tests.conftest import make_user
from tests.trust.people_support import audits, make_site_admin
from tests.trust.signin_support import enrolled_app, verify_with_app

User = get_user_model()
LINK = re.compile(r"https?://[^/\s]+(/invitations/([^/\s]+)/)")
PASSWORD = "Sam-新密码-2026"


@pytest.fixture
def people(platform, officer, staff):
    """Charlie is the officer of another platform; root the site administrator."""
    beta = Platform.objects.create(slug="beta", name="Beta 平台")
    charlie = make_user("charlie", beta, Role.OFFICER)
    charlie.email = "charlie@beta.example"
    charlie.save()
    root = make_site_admin()
    return {"officer": officer, "staff": staff, "stranger": charlie, "admin": root, "beta": beta}


def invite(client, officer, email, role="staff", **extra):
    client.force_login(officer)
    data = {"invite-email": email, "invite-role": role, **{f"invite-{k}": v for k, v in extra.items()}}
    return client.post(reverse("member-invite", args=["alpha"]), data, follow=True)


def link_in(message):
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def members_page(client, officer):
    client.force_login(officer)
    return client.get(reverse("platform-members", args=["alpha"])).content.decode()


def test_an_officer_cannot_attach_a_user_of_another_platform_or_the_site_admin(client, people, platform):
    """Today's attack, tried every way the members page offers: by username (the old form's
    field, the old URL) and by their email. Nobody joins until they accept."""
    officer = people["officer"]
    client.force_login(officer)
    for username in ("charlie", "root"):
        assert client.post("/platforms/alpha/members/add/", {"add-username": username, "add-role": "officer"}) \
            .status_code == 404
        invite(client, officer, "", role="officer", username=username)  # a username field is not read
    for email in ("charlie@beta.example", "root@example.com"):
        invite(client, officer, email, role="officer")
    assert not Membership.objects.filter(platform=platform, user__in=[people["stranger"], people["admin"]]).exists()
    assert Membership.objects.filter(platform=platform).count() == 2  # alice and bob, as before
    # Only the mail's reader can accept, and joins only when they do.
    message = next(m for m in mail.outbox if m.to == ["charlie@beta.example"])
    client.force_login(people["stranger"])
    page = client.get(link_in(message)).content.decode()
    assert 'id="invitation-accept-form"' in page and "charlie" in page
    assert client.post(link_in(message)).status_code == 302
    assert Membership.objects.get(platform=platform, user=people["stranger"]).role == Role.OFFICER
    [accepted] = audits("membership.accept")
    assert (accepted.actor, accepted.platform) == (people["stranger"], platform)


def test_the_answer_never_tells_whether_an_address_or_username_has_an_account(client, people):
    officer = people["officer"]
    known = invite(client, officer, "charlie@beta.example")
    unknown = invite(client, officer, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    said = [re.findall(r'<div class="alert[^>]*>(.*?)</div>', r.content.decode(), re.S) for r in (known, unknown)]
    assert said[0] == ["已向 charlie@beta.example 发出邀请(执行人)。对方接受后即成为本平台成员。"]
    assert said[1] == [said[0][0].replace("charlie@beta.example", "nobody@example.com")]
    assert "charlie" not in known.content.decode().replace("charlie@beta.example", "")  # no account named
    first, second = (m for m in mail.outbox)
    assert first.body.replace("charlie@beta.example", "X").split("/invitations/")[0] == \
        second.body.replace("nobody@example.com", "X").split("/invitations/")[0]


def test_the_members_page_shows_no_email_of_anyone_but_what_the_officer_typed(client, people, platform):
    """Charlie accepts an invitation sent to another address of his: the page shows that
    address, never his account's; before he accepts, nothing of his at all."""
    invite(client, people["officer"], "c@alias.example", role="auditor")
    page = members_page(client, people["officer"])
    assert "charlie@beta.example" not in page and 'data-username="charlie"' not in page
    assert 'data-email="c@alias.example" data-role="auditor"' in page
    client.force_login(people["stranger"])
    client.post(link_in(mail.outbox[0]))
    page = members_page(client, people["officer"])
    assert 'data-username="charlie"' in page and "c@alias.example" in page
    assert "charlie@beta.example" not in page
    assert 'id="invitation-table"' in page and "没有待接受的邀请" in page


def test_an_invitee_without_an_account_registers_through_the_link(client, people, platform, settings):
    settings.PLEDGE_SITE_URL = "https://pledge.example.cn"
    invite(client, people["officer"], "sam@example.com", role="supervisor", full_name="山姆", post="组长")
    [message] = mail.outbox
    assert message.to == ["sam@example.com"] and message.subject == "邀请您加入“Alpha 平台” · Pledge"
    assert "alice 邀请您(sam@example.com)以“监督小组成员”的身份加入" in message.body
    assert f"{INVITATION_DAYS} 天内有效" in message.body and "北京时间" in message.body
    assert "https://pledge.example.cn/invitations/" in message.body
    link = link_in(message)
    client.logout()
    page = client.get(link).content.decode()
    assert 'id="invitation-account-form"' in page and 'id="invitation-login"' in page
    weak = client.post(link, {"account-username": "sam", "account-password1": "123", "account-password2": "123"})
    assert weak.status_code == 200 and not User.objects.filter(username="sam").exists()
    taken = client.post(link, {"account-username": "Bob", "account-password1": PASSWORD, "account-password2": PASSWORD})
    assert "用户名“Bob”已被使用" in taken.content.decode()
    done = client.post(link, {"account-username": "sam", "account-password1": PASSWORD,
                              "account-password2": PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("login")
    assert "账号 sam 已创建,并已加入平台“Alpha 平台”(监督小组成员)" in done.content.decode()
    sam = User.objects.get(username="sam")
    assert sam.email == "sam@example.com"
    membership = Membership.objects.get(user=sam, platform=platform)
    assert (membership.role, membership.full_name, membership.post) == (Role.SUPERVISOR, "山姆", "组长")
    # A supervisor enrols a second factor at the first sign-in, as always.
    assert client.login(username="sam", password=PASSWORD)
    first = client.get(reverse("my-tasks"))
    assert first.status_code == 302 and first["Location"].startswith(reverse("second-factor-enrol"))
    verify_with_app(client, sam)
    assert client.get(reverse("my-tasks")).status_code == 200
    # The link is spent.
    client.logout()
    spent = client.get(link)
    assert spent.status_code == 410 and "只能使用一次" in spent.content.decode()


def test_an_address_with_an_account_is_asked_to_sign_in_not_to_register(client, people):
    invite(client, people["officer"], "Charlie@Beta.example")
    link = link_in(mail.outbox[0])
    client.logout()
    page = client.get(link).content.decode()
    assert 'id="invitation-has-account"' in page and 'id="invitation-account-form"' not in page
    response = client.post(link, {"account-username": "charlie2", "account-password1": PASSWORD,
                                  "account-password2": PASSWORD})
    assert "请登录该账号后接受邀请" in response.content.decode()
    assert not User.objects.filter(username="charlie2").exists()
    login = client.get(link)
    assert f'{reverse("login")}?next=%2Finvitations%2F' in login.content.decode()


def test_a_signed_in_reader_owing_a_second_factor_proves_it_first(client, people, platform):
    invite(client, people["officer"], "charlie@beta.example")
    link = link_in(mail.outbox[0])
    enrolled_app(people["stranger"])
    client.logout()
    assert client.login(username="charlie", password="pw-charlie")  # the password alone
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 302 and response["Location"].startswith(reverse("second-factor-verify"))
    assert not Membership.objects.filter(platform=platform, user=people["stranger"]).exists()


@pytest.mark.parametrize("language,words", [("zh-hans", {"unknown": "此邀请链接无效", "used": "只能使用一次",
                                                         "revoked": "已被撤销", "expired": "已过期"}),
                                            ("en", {"unknown": "not valid", "used": "only once",
                                                    "revoked": "withdrawn", "expired": "has expired"})])
def test_a_link_that_cannot_be_used_says_why_in_the_readers_language(client, people, platform, language, words):
    officer = people["officer"]
    for email in ("used@example.com", "revoked@example.com", "expired@example.com"):
        invite(client, officer, email)
    links = {m.to[0].split("@")[0]: link_in(m) for m in mail.outbox}
    links["unknown"] = links["used"][:-2] + "x/"
    client.force_login(make_user("ulla"))
    client.post(links["used"])
    revoked = Invitation.objects.get(email="revoked@example.com")
    client.force_login(officer)
    client.post(reverse("invitation-revoke", args=["alpha", revoked.pk]))
    Invitation.objects.filter(email="expired@example.com").update(
        created_at=revoked.created_at - timedelta(days=INVITATION_DAYS + 1),
        expires_at=revoked.created_at - timedelta(days=1))
    client.force_login(people["stranger"])
    client.cookies["django_language"] = language
    UserPreferences.objects.create(user=people["stranger"], language=language)
    before = Membership.objects.count(), AuditEvent.objects.count()
    for reason, link in links.items():
        for response in (client.get(link), client.post(link)):
            assert response.status_code == (404 if reason == "unknown" else 410)
            page = response.content.decode()
            assert 'id="invitation-refused"' in page and words[reason] in page, (reason, page[-1500:])
    assert (Membership.objects.count(), AuditEvent.objects.count()) == before


def test_the_officer_sees_and_revokes_pending_invitations(client, people, platform):
    invite(client, people["officer"], "sam@example.com", role="auditor", full_name="山姆")
    invitation = Invitation.objects.get()
    page = members_page(client, people["officer"])
    row = page[page.index(f'id="invitation-{invitation.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "sam@example.com" in row and "山姆" in row and "只读审计员" in row and "alice" in row and "北京时间" in row
    client.force_login(people["staff"])
    assert client.post(reverse("invitation-revoke", args=["alpha", invitation.pk])).status_code == 403
    client.force_login(people["stranger"])
    assert client.post(reverse("invitation-revoke", args=["alpha", invitation.pk])).status_code == 404
    beta_invitation = Invitation.objects.create(platform=people["beta"], email="x@example.com", role=Role.STAFF,
                                                token_hash="0" * 64, created_at=invitation.created_at,
                                                expires_at=invitation.expires_at)
    client.force_login(people["officer"])
    assert client.post(reverse("invitation-revoke", args=["alpha", beta_invitation.pk])).status_code == 404
    response = client.post(reverse("invitation-revoke", args=["alpha", invitation.pk]), follow=True)
    assert "已撤销发给 sam@example.com 的邀请" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_by == people["officer"]
    assert f'id="invitation-{invitation.pk}"' not in members_page(client, people["officer"])
    assert [(e.action, e.actor) for e in AuditEvent.objects.filter(action__startswith="membership.invite")] == [
        ("membership.invite", people["officer"]), ("membership.invite_revoke", people["officer"])]


def test_the_invitation_is_in_the_invitees_language_not_the_inviters(client, people):
    client.force_login(people["officer"])
    client.cookies["django_language"] = "en"  # the officer works in English; the invitee has an account in neither
    invite(client, people["officer"], "sam@example.com")
    UserPreferences.objects.create(user=people["stranger"], language="en")
    client.cookies["django_language"] = "zh-hans"
    invite(client, people["officer"], "charlie@beta.example")
    chinese, english = mail.outbox
    assert "alice 邀请您(sam@example.com)以“执行人”的身份加入" in chinese.body
    assert english.subject == "Invitation to join “Alpha 平台” · Pledge"
    assert english.body.startswith("Hello,") and "alice invites you (charlie@beta.example)" in english.body


def test_a_mail_that_cannot_be_sent_is_said_so(client, people, monkeypatch):
    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(invitation_views, "send_mail", down)
    response = invite(client, people["officer"], "sam@example.com")
    assert "邀请邮件未能发出" in response.content.decode() and "已向 sam@example.com 发出邀请" not in response.content.decode()
    assert Invitation.objects.filter(email="sam@example.com").exists()  # recorded, to be revoked


def test_a_few_registrations_an_hour_may_be_tried_on_one_invitation(client, people):
    """A taken username is said on the page: an officer inviting an address of their own
    cannot use it to try the site's usernames one after another."""
    invite(client, people["officer"], "me@example.com")
    link = link_in(mail.outbox[0])
    client.logout()
    for _ in range(invitation_views.REGISTRATIONS_PER_HOUR):
        taken = client.post(link, {"account-username": "charlie", "account-password1": PASSWORD,
                                   "account-password2": PASSWORD})
        assert taken.status_code == 200 and "用户名“charlie”已被使用" in taken.content.decode()
    refused = client.post(link, {"account-username": "root", "account-password1": PASSWORD,
                                 "account-password2": PASSWORD})
    page = refused.content.decode()
    assert refused.status_code == 429 and "提交过于频繁" in page and "已被使用" not in page
    assert User.objects.count() == 4  # alice, bob, charlie and root: none made
