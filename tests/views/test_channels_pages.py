"""The channels pages: only a platform's officers set its group robots (404 on another platform,
403 for another role); the secret is never shown again; a test message reaches the group;
each person picks their own channels."""

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


def test_a_failed_test_message_says_why(client, officer, platform, receiver):
    robot = Robot.objects.create(platform=platform, kind="feishu", name="飞书群", token=FEISHU[0], secret=FEISHU[1],
                                 topics=["cases"], language="zh-hans", created_at="2026-01-01T00:00Z")
    receiver.status = 500
    client.force_login(officer)
    html = client.post(reverse("robot-test", args=[platform.slug, robot.pk]), follow=True).content.decode()
    assert "测试消息发送失败" in html and "500" in html


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
