"""The platform and member pages: who may open them, what each action does and records,
the password link, the overview and the platform switcher (the invitation's mail and page:
test_invitation_pages.py)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from obligations.models import AuditEvent, Completion, Invitation, Membership, Occurrence, Platform, Role
from obligations.tasks import run_sweeps as sweep
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user
from tests.trust.people_support import audits, make_site_admin

NOW = SIGNED_AT + timedelta(hours=1)
User = get_user_model()
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)")
INVITATION = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta 平台")
    return {
        "officer": officer, "staff": staff,
        "supervisor": make_user("sue", platform, Role.SUPERVISOR),
        "auditor": make_user("aud", platform, Role.AUDITOR),
        "stranger": make_user("charlie", other, Role.OFFICER),
        "admin": make_site_admin(),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def member(user, platform):
    return Membership.objects.get(user=user, platform=platform)


def invitation_link(message):
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


# --- who may ---------------------------------------------------------------------------

@pytest.mark.parametrize("who,status", {"admin": 200, "officer": 403, "staff": 403, "stranger": 403}.items())
def test_only_the_site_admin_opens_new_platform(client, people, who, status):
    c = as_user(client, people[who])
    assert c.get(reverse("platform-new")).status_code == status
    response = c.post(reverse("platform-new"), {"name": "Gamma", "slug": "gamma", "template": "platform-operation-1",
                                                "timezone": "Asia/Shanghai", "officer_email": "bob@example.com"})
    assert response.status_code == (302 if status == 200 else 403)
    assert Platform.objects.filter(slug="gamma").exists() == (status == 200)


def test_django_staff_without_the_permission_gets_403(client, db):
    c = as_user(client, User.objects.create_user("st", is_staff=True))
    assert c.get(reverse("platform-new")).status_code == 403


def test_anonymous_is_sent_to_login(client, platform):
    for url in (reverse("platform-new"), reverse("platform-overview"), reverse("platform-members", args=["alpha"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


MEMBER_PAGES = {"officer": 200, "admin": 200, "staff": 403, "supervisor": 403, "auditor": 403, "stranger": 404}


@pytest.mark.parametrize("who,status", MEMBER_PAGES.items())
def test_members_page_and_its_actions(client, people, platform, who, status):
    c = as_user(client, people[who])
    target = member(people["staff"], platform)
    assert c.get(reverse("platform-members", args=["alpha"])).status_code == status
    wrote = 302 if status == 200 else status
    assert c.post(reverse("member-invite", args=["alpha"]), {"invite-email": "n@e.com", "invite-role": "staff"}) \
        .status_code == wrote
    assert c.post(reverse("member-role", args=["alpha", target.pk]), {f"m{target.pk}-role": "supervisor"}) \
        .status_code == wrote
    assert c.post(reverse("member-remove", args=["alpha", target.pk])).status_code == wrote
    allowed = status == 200
    assert Invitation.objects.filter(email="n@e.com", platform=platform).exists() == allowed
    assert Membership.objects.filter(pk=target.pk).exists() == (not allowed)
    assert AuditEvent.objects.filter(action__startswith="membership.").count() == (3 if allowed else 0)
    assert c.get(reverse("member-invite", args=["alpha"])).status_code == 405


def test_a_membership_of_another_platform_is_404(client, people, platform):
    theirs = member(people["stranger"], Platform.objects.get(slug="beta"))
    c = as_user(client, people["officer"])
    assert c.post(reverse("member-role", args=["alpha", theirs.pk]), {f"m{theirs.pk}-role": "staff"}).status_code == 404
    assert c.post(reverse("member-remove", args=["alpha", theirs.pk])).status_code == 404
    assert c.get(reverse("platform-members", args=["nowhere"])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.OFFICER


# --- creating a platform -------------------------------------------------------------

def test_admin_creates_a_platform_inviting_its_first_officer(client, people):
    c = as_user(client, people["admin"])
    page = c.get(reverse("platform-new")).content.decode()
    assert 'value="platform-operation-1"' in page and "线上服务平台规范运营承诺书" in page
    assert re.search(r'<option value="Asia/Shanghai"\s+selected>', page)
    assert 'name="officer_username"' not in page  # no user is looked up by name
    response = c.post(reverse("platform-new"), {
        "name": "Delta", "slug": "delta", "template": "platform-operation-1", "timezone": "Europe/Berlin",
        "officer_email": "dora@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("platform-members", args=["delta"])
    delta = Platform.objects.get(slug="delta")
    assert delta.timezone == "Europe/Berlin" and not Membership.objects.filter(platform=delta).exists()
    [message] = mail.outbox
    assert message.to == ["dora@example.com"] and "Delta" in message.subject
    assert "合规负责人" in message.body and "root" in message.body and INVITATION.search(message.body)
    page = c.get(response["Location"]).content.decode()
    assert "平台“Delta”已创建;已向 dora@example.com 发出合规负责人邀请" in page
    assert 'data-email="dora@example.com" data-role="officer"' in page
    assert [e.action for e in AuditEvent.objects.filter(platform=delta)] == ["platform.create", "membership.invite"]
    assert {e.actor for e in AuditEvent.objects.filter(platform=delta)} == {people["admin"]}


def _set_password_through(client, link, password):
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="set-password-form"' in page.content.decode()
    done = client.post(response["Location"], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert "密码已设置" in client.get(done["Location"]).content.decode()
    # The link is spent.
    assert 'id="invalid-link"' in client.get(link).content.decode()


@pytest.mark.parametrize("data,error", [
    ({"slug": "alpha"}, "已被其他平台使用"),
    ({"slug": "not a slug"}, "标识只能包含字母、数字、连字符和下划线"),
    ({"timezone": "Mars/Olympus"}, "未知的时区"),
    ({"officer_email": "not-an-email"}, "请输入有效的邮箱地址"),
    ({"officer_email": ""}, "请填写邮箱"),
])
def test_new_platform_errors_are_clear_and_keep_the_input(client, people, data, error):
    c = as_user(client, people["admin"])
    form = {"name": "Gamma 平台", "slug": "gamma", "template": "platform-operation-1", "timezone": "Asia/Shanghai",
            "officer_email": "bob@example.com", **data}
    response = c.post(reverse("platform-new"), form)
    page = response.content.decode()
    assert response.status_code == 200 and error in page
    assert 'value="Gamma 平台"' in page  # nothing typed is lost
    assert Platform.objects.count() == 2 and not audits("platform.create") and not mail.outbox


# --- members -----------------------------------------------------------------------------

def test_the_officer_adds_changes_and_removes_members(client, people, platform, signed_letter):
    sweep(now=NOW)
    check = Occurrence.objects.filter(obligation__key="三.2", opens_at__lte=NOW, due_at__gt=NOW).first()
    completion_with_evidence(occurrence=check, user=people["staff"], note="巡检正常", now=NOW,
                             files=[SimpleUploadedFile("c.pdf", PDF_BYTES)])
    c = as_user(client, people["officer"])
    url = reverse("platform-members", args=["alpha"])

    response = c.post(reverse("member-invite", args=["alpha"]), {"invite-email": "eve@example.com",
                                                                 "invite-role": "auditor"})
    assert response["Location"] == url
    assert "已向 eve@example.com 发出邀请(只读审计员)" in c.get(url).content.decode()
    c.force_login(make_user("eve"))
    assert c.post(INVITATION.search(mail.outbox[0].body).group(1)).status_code == 302
    c.force_login(people["officer"])
    eve = member(User.objects.get(username="eve"), platform)
    assert eve.role == Role.AUDITOR

    c.post(reverse("member-role", args=["alpha", eve.pk]), {f"m{eve.pk}-role": "supervisor"})
    eve.refresh_from_db()
    assert eve.role == Role.SUPERVISOR
    assert "eve 的角色已改为监督小组成员" in c.get(url).content.decode()

    bob = member(people["staff"], platform)
    c.post(reverse("member-remove", args=["alpha", bob.pk]))
    assert not Membership.objects.filter(pk=bob.pk).exists()
    assert "其完成记录与审计记录保留" in c.get(url).content.decode()
    # Bob's completion stays; he no longer reaches the platform.
    check.refresh_from_db()
    assert check.completed_by == people["staff"]
    assert Completion.objects.filter(occurrence=check, user=people["staff"]).exists()
    assert "巡检正常" in c.get(reverse("occurrence-detail", args=[check.pk])).content.decode()
    c.force_login(people["staff"])
    assert c.get(reverse("occurrence-detail", args=[check.pk])).status_code == 404

    actions = [(e.action, e.actor.username, e.platform.slug) for e in
               AuditEvent.objects.filter(action__startswith="membership.")]
    assert actions == [("membership.invite", "alice", "alpha"), ("membership.accept", "eve", "alpha"),
                       ("membership.role", "alice", "alpha"), ("membership.remove", "alice", "alpha")]


def test_the_last_officer_cannot_be_removed_or_demoted(client, people, platform):
    c = as_user(client, people["officer"])
    alice = member(people["officer"], platform)
    url = reverse("platform-members", args=["alpha"])
    response = c.post(reverse("member-remove", args=["alpha", alice.pk]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == url
    assert "不能移除“alice”" in page and "唯一的合规负责人" in page and "四.2" in page
    response = c.post(reverse("member-role", args=["alpha", alice.pk]), {f"m{alice.pk}-role": "staff"}, follow=True)
    assert "不能更改“alice”的角色" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.OFFICER
    assert not audits("membership.remove") and not audits("membership.role")


def test_an_officer_who_steps_down_goes_home(client, people, platform):
    c = as_user(client, people["officer"])
    bob = member(people["staff"], platform)
    c.post(reverse("member-role", args=["alpha", bob.pk]), {f"m{bob.pk}-role": "officer"})
    alice = member(people["officer"], platform)
    response = c.post(reverse("member-role", args=["alpha", alice.pk]), {f"m{alice.pk}-role": "auditor"})
    assert response["Location"] == reverse("home")
    assert c.get(reverse("platform-members", args=["alpha"])).status_code == 403


def test_invitation_errors_stay_on_the_page_with_the_input(client, people):
    c = as_user(client, people["officer"])
    response = c.post(reverse("member-invite", args=["alpha"]), {"invite-email": "zed", "invite-role": "staff",
                                                                 "invite-full_name": "泽德"})
    page = response.content.decode()
    assert response.status_code == 200 and "请输入有效的邮箱地址" in page
    assert 'value="zed"' in page and 'value="泽德"' in page
    response = c.post(reverse("member-invite", args=["alpha"]), {"invite-role": "staff"})
    assert "请填写邮箱" in response.content.decode()
    assert not mail.outbox and not Invitation.objects.exists()


def test_forgot_password_pages_are_chinese(client, people):
    people["officer"].email = "alice@example.com"
    people["officer"].save()
    page = client.get(reverse("password_reset")).content.decode()
    assert "找回密码" in page and 'id="password-reset-form"' in page
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"}, follow=True)
    assert "邮件已发送" in response.content.decode()
    [message] = mail.outbox
    assert message.subject == "设置 Pledge 新密码" and "邀请" not in message.body
    _set_password_through(client, invitation_link(message), "Alice-新密码-2026")
    assert client.login(username="alice", password="Alice-新密码-2026")


@pytest.mark.parametrize("mail_kind", ["invitation", "reset"])
def test_password_links_are_on_the_site_url_whatever_host_the_request_named(client, people, settings, mail_kind):
    settings.PLEDGE_SITE_URL = "https://pledge.example.cn"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example.com"]
    if mail_kind == "invitation":
        as_user(client, people["officer"]).post(reverse("member-invite", args=["alpha"]), {
            "invite-email": "sam@example.com", "invite-role": "staff"}, HTTP_HOST="evil.example.com")
    else:
        people["officer"].email = "alice@example.com"
        people["officer"].save()
        client.post(reverse("password_reset"), {"email": "alice@example.com"}, HTTP_HOST="evil.example.com")
    [message] = mail.outbox
    path = {"invitation": "/invitations/", "reset": "/accounts/reset/"}[mail_kind]
    assert f"https://pledge.example.cn{path}" in message.body and "evil" not in message.body
    assert "testserver" not in message.body


def test_the_password_mail_is_in_its_recipients_language_not_the_requesters(client, people):
    from obligations.models import UserPreferences

    people["officer"].email = "alice@example.com"
    people["officer"].save()
    UserPreferences.objects.create(user=people["officer"], language="en")
    client.post(reverse("password_reset"), {"email": "alice@example.com"})  # asked from a Chinese page
    [message] = mail.outbox
    assert message.subject == "Set a new Pledge password" and message.body.startswith("Hello alice,")
    assert invitation_link(message)


# --- the overview, home and the switcher ------------------------------------------------

@pytest.fixture
def two_platforms(people, platform):
    """Dana oversees Alpha and Beta; Alice only Alpha; Charlie only Beta."""
    dana = make_user("dana", platform, Role.SUPERVISOR)
    Membership.objects.create(user=dana, platform=Platform.objects.get(slug="beta"), role=Role.AUDITOR)
    return dana


def test_a_user_of_two_platforms_sees_both(client, people, two_platforms):
    c = as_user(client, two_platforms)
    for url in (reverse("platform-overview"), reverse("home")):
        response = c.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-platform="alpha"' in page and 'data-platform="beta"' in page
        assert reverse("dashboard", args=["alpha"]) in page and reverse("dashboard", args=["beta"]) in page
        assert 'id="platform-switcher"' in page
    for slug in ("alpha", "beta"):
        assert c.get(reverse("dashboard", args=[slug])).status_code == 200


def test_neither_platform_sees_the_other(client, people, two_platforms):
    for who, mine, theirs in (("officer", "alpha", "beta"), ("stranger", "beta", "alpha")):
        c = as_user(client, people[who])
        page = c.get(reverse("platform-overview")).content.decode()
        assert f'data-platform="{mine}"' in page and f'data-platform="{theirs}"' not in page
        assert c.get(reverse("dashboard", args=[theirs])).status_code == 404
        assert c.get(reverse("platform-members", args=[theirs])).status_code == 404
        assert c.get(reverse("occurrence-list", args=[theirs])).status_code == 404
        assert c.get(reverse("platform-members", args=[mine])).status_code == 200
        assert 'id="platform-switcher"' not in page  # one platform: no switcher


def test_home_keeps_single_platform_behaviour(client, people, platform):
    c = as_user(client, people["officer"])
    response = c.get(reverse("home"))
    assert response.status_code == 200 and "obligations/dashboard.html" in [t.name for t in response.templates]
    c.force_login(people["staff"])
    assert c.get(reverse("home"))["Location"] == reverse("my-tasks")
    # Staff on two platforms still start from their tasks: they read no dashboard.
    Membership.objects.create(user=people["staff"], platform=Platform.objects.get(slug="beta"), role=Role.STAFF)
    assert c.get(reverse("home"))["Location"] == reverse("my-tasks")
    c.force_login(people["admin"])
    page = c.get(reverse("home")).content.decode()
    assert 'id="platform-directory"' in page and 'data-platform="alpha"' in page and 'data-platform="beta"' in page
    assert reverse("platform-new") in page


def test_overview_page_queries_do_not_grow(client, people, two_platforms):
    c = as_user(client, two_platforms)
    c.get(reverse("platform-overview"))  # warm up the session
    with CaptureQueriesContext(connection) as two:
        c.get(reverse("platform-overview"))
    for i in range(4):
        p = Platform.objects.create(slug=f"more{i}", name=f"More {i}")
        Membership.objects.create(user=two_platforms, platform=p, role=Role.OFFICER)
    with CaptureQueriesContext(connection) as six:
        page = c.get(reverse("platform-overview")).content.decode()
    assert page.count('class="card h-100 platform-card"') == 6
    assert len(six) == len(two)


def test_the_switcher_lists_the_users_platforms(client, people, two_platforms):
    c = as_user(client, two_platforms)
    page = c.get(reverse("dashboard", args=["beta"])).content.decode()
    menu = page[page.index('id="platform-menu"'):]
    menu = menu[:menu.index("</ul>")]
    assert "Beta 平台" in menu.split("</a>")[0]  # the current platform names the toggle
    switcher = menu[menu.index('id="platform-switcher"'):]
    assert f'href="{reverse("dashboard", args=["alpha"])}"' in switcher
    assert f'href="{reverse("dashboard", args=["beta"])}"' in menu and "Beta 平台" not in switcher
    assert reverse("platform-overview") in switcher and reverse("platform-new") not in switcher


def test_the_officer_keeps_members_names_and_posts_on_the_members_page(client, people, platform):
    c = as_user(client, people["officer"])
    sue = member(people["supervisor"], platform)
    response = c.post(reverse("member-name", args=["alpha", sue.pk]),
                      {f"n{sue.pk}-full_name": "苏珊", f"n{sue.pk}-post": "监督小组组长"})
    assert response.status_code == 302
    sue.refresh_from_db()
    assert (sue.full_name, sue.post) == ("苏珊", "监督小组组长")
    page = c.get(reverse("platform-members", args=["alpha"])).content.decode()
    assert 'value="苏珊"' in page and 'value="监督小组组长"' in page
    too_long = c.post(reverse("member-name", args=["alpha", sue.pk]), {f"n{sue.pk}-full_name": "名" * 101},
                      follow=True).content.decode()
    assert "100" in too_long  # the refusal says the limit
    sue.refresh_from_db()
    assert sue.full_name == "苏珊"
    assert as_user(client, people["staff"]).post(reverse("member-name", args=["alpha", sue.pk]),
                                                 {f"n{sue.pk}-full_name": "x"}).status_code == 403
