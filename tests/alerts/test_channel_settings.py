"""Setting the channels writes an audit record for every change, and a robot's secret is in none."""

from django.utils import translation

from obligations.alerts.channel_settings import person_channels_choose, robot_remove, robot_save, robot_test
from obligations.models import AuditEvent, Robot, UserPreferences
from obligations.oversight.audit_reading import sentence
from tests.alerts.robot_receiver import DINGTALK
from tests.conftest import SIGNED_AT


def test_a_robot_added_changed_tested_and_removed_is_audited_without_its_secret(team, receiver):
    officer = team["officer"]
    platform = officer.memberships.get().platform
    robot = robot_save(Robot(platform=platform, kind="dingtalk", name="值班群", token=DINGTALK[0],
                             topics=["reminders"], language="zh-hans"),
                       user=officer, now=SIGNED_AT, secret=DINGTALK[1])
    robot.topics = ["reminders", "cases"]
    robot_save(robot, user=officer, now=SIGNED_AT, secret=None)  # the secret kept
    robot.refresh_from_db()
    assert robot.secret == DINGTALK[1]
    assert robot_test(robot, user=officer, now=SIGNED_AT) == ""
    assert receiver.received[-1].signed and "值班群" in receiver.received[-1].text
    robot_remove(robot, user=officer, now=SIGNED_AT)
    events = list(AuditEvent.objects.filter(object_type="Robot").order_by("id"))
    assert [e.action for e in events] == ["robot.add", "robot.change", "robot.test", "robot.remove"]
    assert events[0].data["secret"] is True and events[1].data["secret"] is False
    assert events[1].data["topics"] == ["reminders", "cases"] and events[0].platform == platform
    assert all(DINGTALK[1] not in str(e.data) for e in events)


def test_a_bad_robot_token_reads_as_the_test_messages_error(team, receiver):
    robot = Robot(platform=team["officer"].memberships.get().platform, kind="dingtalk", name="x",
                  token="not a token!", topics=[], language="en", created_at=SIGNED_AT)
    robot.save()
    assert robot_test(robot, user=team["officer"], now=SIGNED_AT) == "address"


def test_a_failed_test_message_is_audited_as_failed_with_its_reason(team, receiver):
    officer = team["officer"]
    robot = Robot.objects.create(platform=officer.memberships.get().platform, kind="dingtalk", name="值班群",
                                 token=DINGTALK[0], secret=DINGTALK[1], topics=[], created_at=SIGNED_AT)
    receiver.status = 500
    assert robot_test(robot, user=officer, now=SIGNED_AT) == "http:500"
    event = AuditEvent.objects.get(action="robot.test")
    assert event.data["sent"] is False and event.data["failure"] == "http:500"
    assert sentence(event, "alice") == "alice 向群机器人“值班群”发送测试消息失败:对方拒绝(HTTP 500)"
    with translation.override("en"):
        assert "failed: Refused by the service (HTTP 500)" in sentence(event, "alice")
    receiver.status = None
    robot_test(robot, user=officer, now=SIGNED_AT)
    sent = AuditEvent.objects.filter(action="robot.test").latest("id")
    assert sent.data["sent"] is True and sentence(sent, "alice") == "alice 向群机器人“值班群”发送了测试消息"


def test_a_persons_choice_is_kept_and_audited_with_the_number_masked(team):
    bob = team["staff"]
    person_channels_choose(bob, by_email=False, by_sms=True, phone="13800138000", now=SIGNED_AT)
    prefs = UserPreferences.objects.get(user=bob)
    assert (prefs.by_email, prefs.by_sms, prefs.phone) == (False, True, "13800138000")
    event = AuditEvent.objects.get(action="channels.choose")
    assert event.data == {"channels": ["sms"], "phone": "138****8000"} and event.actor == bob
