"""The apprise layer: each service's request as the service checks it (a local receiver,
robot_receiver.py), and the two gaps of apprise 2.3.0 that alerts/channels.py fills."""

from apprise.plugins.dingtalk import NotifyDingTalk

from obligations.alerts import channels
from obligations.models import Robot
from tests.alerts.robot_receiver import DINGTALK, FEISHU, WECOM_KEY


def test_stock_apprise_dingtalk_sign_is_refused_as_dingtalk_refuses_it(receiver):
    """Why channels.DingTalkSigned exists: apprise 2.3.0 sends the sign percent-encoded twice.
    When this fails, apprise has fixed it and the subclass can go."""
    assert channels.send(NotifyDingTalk(token=DINGTALK[0], secret=DINGTALK[1]), "t", "b") == ""  # HTTP 200 …
    assert not receiver.received[-1].signed  # … carrying DingTalk's 310000 "sign not match"
    assert channels.send(channels.DingTalkSigned(token=DINGTALK[0], secret=DINGTALK[1]), "t", "b") == ""
    assert receiver.received[-1].signed


def test_feishu_without_a_secret_goes_unsigned_through_apprise_and_with_one_signed(receiver):
    robot = Robot(kind="feishu", token=FEISHU[0])
    assert channels.send(channels.robot_plugin(robot), "t", "b") == "Feishu rejected our notification: code=19021 msg=sign match fail"
    robot.secret = FEISHU[1]
    assert channels.send(channels.robot_plugin(robot), "标题", "正文") == ""
    assert receiver.received[-1].signed and receiver.received[-1].text == "标题\r\n正文"


def test_a_wecom_robot_is_its_key_and_a_bad_token_is_a_readable_error(receiver):
    assert channels.send(channels.robot_plugin(Robot(kind="wecom", token=WECOM_KEY)), "", "hello") == ""
    assert receiver.received[-1].signed and receiver.received[-1].text == "hello"


def test_sms_goes_to_the_configured_apprise_service_with_the_number(receiver):
    assert channels.send(channels.sms_plugin("+8613900139000"), "", "【Pledge】测试") == ""
    assert receiver.received[-1].service == "sms" and receiver.received[-1].detail["to"] == "8613900139000"
    # A mainland mobile as people type it gets China's code; others are taken as given.
    assert channels.send(channels.sms_plugin("13900139000"), "", "【Pledge】测试") == ""
    assert receiver.received[-1].detail["to"] == "8613900139000"
    assert channels.international("+85291234567") == "85291234567"


def test_a_refusal_inside_http_200_is_a_failure_with_the_services_words(receiver):
    """DingTalk and WeCom answer a wrong sign or key with HTTP 200 and an errcode: not sent."""
    wrong = channels.send(channels.robot_plugin(Robot(kind="dingtalk", token=DINGTALK[0], secret="SECwrong0")), "t", "b")
    assert "310000 sign not match" in wrong
    assert "93000" in channels.send(channels.robot_plugin(Robot(kind="wecom", token="deleted-robot")), "t", "b")
    assert channels.send(channels.robot_plugin(Robot(kind="wecom", token=WECOM_KEY)), "标题", "正文") == ""
    assert receiver.received[-1].signed and receiver.received[-1].text == "标题\r\n正文"
