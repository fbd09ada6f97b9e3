"""The channels pages: only a platform's officers set its group robots (404 on another platform,
403 for another role); the secret is never shown again; a test message reaches the group;
each person picks their own channels."""

import socket

import pytest
from django.urls import reverse

from obligations.models import AuditEvent, Platform, Robot, Role, UserPreferences
from tests.alerts.robot_receiver import DINGTALK, FEISHU, SMS_KEY, Receiver
from tests.conftest import make_user


@pytest.fixture
def receiver(settings):
    with Receiver(dingtalk=DINGTALK, feishu=FEISHU, sms_key=SMS_KEY) as r:
        settings.PLEDGE_CHANNEL_API_BASE = r.base
        settings.PLEDGE_SMS_URL = f"infobip://{SMS_KEY}@sms.example.cn/{{phone}}"
        yield r


def test_only_the_platforms_officers_manage_its_robots(client, officer, staff, platform):
    url = reverse("platform-channels", args=[platform.slug])
    other = Platform.objects.create(slug="beta", name="Beta")
    make_user("olga", other, Role.OFFICER)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "wecom", "name": "x", "token": "abcdef12", "topics": ["cases"],
                             "language": "zh-hans"}).status_code == 403
    client.force_login(officer)
    assert client.get(reverse("platform-channels", args=["beta"])).status_code == 404
    robot = Robot.objects.create(platform=other, kind="wecom", name="b", token="abcdef12", topics=[],
                                 created_at=platform.created_at)
    for name in ("robot-edit", "robot-test", "robot-remove"):  # another platform's robot, by our slug or its own
        assert client.post(reverse(name, args=[platform.slug, robot.pk])).status_code == 404
        assert client.post(reverse(name, args=["beta", robot.pk])).status_code == 404
    html = client.get(url).content.decode()
    assert 'id="robot-form"' in html and url in client.get(reverse("my-tasks")).content.decode()


def test_an_officer_adds_a_signed_robot_tests_it_and_its_secret_stays_unseen(client, officer, platform, receiver):
    client.force_login(officer)
    url = reverse("platform-channels", args=[platform.slug])
    response = client.post(url, {"kind": "dingtalk", "name": "值班群", "language": "en", "topics": ["reminders", "cases"],
                                 "token": f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK[0]}",
                                 "secret": DINGTALK[1]})
    assert response.status_code == 302
    robot = Robot.objects.get(platform=platform)
    assert (robot.token, robot.secret, robot.topics) == (DINGTALK[0], DINGTALK[1], ["reminders", "cases"])
    for page in (url, reverse("robot-edit", args=[platform.slug, robot.pk])):
        assert DINGTALK[1] not in client.get(page).content.decode()
    # Saved again with the secret left blank: kept.
    client.post(reverse("robot-edit", args=[platform.slug, robot.pk]), {
        "kind": "dingtalk", "name": "值班群", "language": "en", "topics": ["reminders"], "token": DINGTALK[0]})
    robot.refresh_from_db()
    assert robot.secret == DINGTALK[1] and robot.topics == ["reminders"]
    html = client.post(reverse("robot-test", args=[platform.slug, robot.pk]), follow=True).content.decode()
    assert receiver.received[-1].signed and "Pledge test message" in receiver.received[-1].text
    assert "值班群" in html
    client.post(reverse("robot-remove", args=[platform.slug, robot.pk]))
    assert "值班群" not in client.get(url).content.decode().split("</h1>", 1)[1]  # past the flash message
    assert list(AuditEvent.objects.filter(object_type="Robot").values_list("action", flat=True).order_by("id")) == [
        "robot.add", "robot.change", "robot.test", "robot.remove"]


def test_a_failed_test_message_says_why_in_the_readers_language_without_the_token(client, officer, platform,
                                                                                  receiver, settings, caplog):
    robot = Robot.objects.create(platform=platform, kind="dingtalk", name="钉钉群", token=DINGTALK[0],
                                 secret=DINGTALK[1], topics=["cases"], language="zh-hans",
                                 created_at="2026-01-01T00:00Z")
    receiver.status = 500
    client.force_login(officer)
    test_url = reverse("robot-test", args=[platform.slug, robot.pk])
    html = client.post(test_url, follow=True).content.decode()
    assert "测试消息未能发送:对方拒绝(HTTP 500)。时间:" in html and "(北京时间)" in html
    with socket.socket() as s:  # a service nobody answers for: its exception names the URL and token
        s.bind(("127.0.0.1", 0))
        settings.PLEDGE_CHANNEL_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    html = client.post(test_url, follow=True).content.decode()
    assert "The test message was not sent: Could not connect. Time: " in html and " Beijing time (UTC+8)" in html
    for text in (html, caplog.text, str(list(AuditEvent.objects.values_list("data", flat=True)))):
        assert DINGTALK[0] not in text and "sign=" not in text and "HTTPConnectionPool" not in text


def test_a_robot_is_deleted_only_once_confirmed_and_its_token_is_shown_masked(client, officer, platform, receiver):
    robot = Robot.objects.create(platform=platform, kind="dingtalk", name="值班群", token=DINGTALK[0],
                                 topics=["cases", "reminders"], language="zh-hans", created_at="2026-01-01T00:00Z")
    client.force_login(officer)
    page = client.get(reverse("platform-channels", args=[platform.slug])).content.decode()
    remove = reverse("robot-remove", args=[platform.slug, robot.pk])
    confirm = page.split('<details class="d-inline-block robot-remove">', 1)[1].split("</details>", 1)[0]
    assert remove in confirm and "确认删除" in confirm and "<script" not in page.split("<main", 1)[1]
    assert "任务提醒、案件通知" in page
    client.cookies.load({"django_language": "en"})
    assert "Task reminders, Case notices" in client.get(reverse("platform-channels", args=[platform.slug])).content.decode()
    edit = reverse("robot-edit", args=[platform.slug, robot.pk])
    html = client.get(edit).content.decode()
    assert DINGTALK[0] not in html and f'<code lang="zxx">…{DINGTALK[0][-4:]}</code>' in html
    # Saved with the token left blank: kept; typed anew: changed.
    form = {"kind": "dingtalk", "name": "值班群", "language": "en", "topics": ["cases"], "token": ""}
    assert client.post(edit, form).status_code == 302
    robot.refresh_from_db()
    assert robot.token == DINGTALK[0] and robot.language == "en"
    assert client.post(edit, {**form, "token": "https://oapi.dingtalk.com/robot/send?access_token=newtoken99"}
                       ).status_code == 302
    robot.refresh_from_db()
    assert robot.token == "newtoken99"


def test_sms_is_offered_disabled_with_why_when_it_is_not_set_up(client, staff, settings):
    settings.PLEDGE_SMS_URL = ""
    UserPreferences.objects.create(user=staff, by_email=True, by_sms=True, phone="13800138000")
    client.force_login(staff)
    html = client.get(reverse("my-channels")).content.decode()
    sms = html.split('name="by_sms"', 1)[0].rsplit("<input", 1)[1] + html.split('name="by_sms"', 1)[1].split(">", 1)[0]
    assert "disabled" in sms and "checked" not in sms and "本站尚未开通短信通知。" in html
    # A forged "by_sms" is ignored: SMS stays off, the email kept.
    assert client.post(reverse("my-channels"), {"by_email": "on", "by_sms": "on"}).status_code == 302
    prefs = UserPreferences.objects.get(user=staff)
    assert (prefs.by_email, prefs.by_sms, prefs.phone) == (True, False, "13800138000")


def test_a_person_picks_sms_with_a_number_and_at_least_one_channel(client, staff, receiver):
    client.force_login(staff)
    url = reverse("my-channels")
    assert client.get(url).status_code == 200
    assert "请至少选择一种通知渠道" in client.post(url, {"phone": ""}).content.decode()
    assert "请填写有效的手机号码" in client.post(url, {"by_sms": "on", "phone": "12"}).content.decode()
    assert client.post(url, {"by_sms": "on", "phone": "138 0013 8000"}).status_code == 302
    prefs = UserPreferences.objects.get(user=staff)
    assert (prefs.by_email, prefs.by_sms, prefs.phone) == (False, True, "13800138000")
    assert AuditEvent.objects.filter(action="channels.choose", actor=staff).count() == 1
