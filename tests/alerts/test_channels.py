"""The apprise layer: each service's request as the service checks it (a local receiver,
robot_receiver.py), and the two gaps of apprise 2.3.0 that alerts/channels.py fills."""

import importlib
import logging
import socket

from apprise.plugins.dingtalk import NotifyDingTalk
from django.utils import translation

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


def test_feishu_without_a_secret_goes_unsigned_and_with_one_signed(receiver):
    robot = Robot(kind="feishu", token=FEISHU[0])
    assert channels.send(channels.robot_plugin(robot), "t", "b") == "sign"  # this group wants it signed
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


def test_a_refusal_inside_http_200_is_a_failure_with_its_reason(receiver):
    """DingTalk and WeCom answer a wrong sign or key with HTTP 200 and an errcode: not sent."""
    wrong = channels.send(channels.robot_plugin(Robot(kind="dingtalk", token=DINGTALK[0], secret="SECwrong0")), "t", "b")
    assert wrong == "sign"
    assert channels.send(channels.robot_plugin(Robot(kind="wecom", token="deleted-robot")), "t", "b") == "token"
    assert channels.send(channels.robot_plugin(Robot(kind="wecom", token=WECOM_KEY)), "标题", "正文") == ""
    assert receiver.received[-1].signed and receiver.received[-1].text == "标题\r\n正文"


def test_a_failure_is_kept_as_a_reason_without_the_address_its_token_or_sign(receiver, settings, caplog):
    """An unreachable service's exception names the URL with access_token, timestamp and sign:
    neither the reason kept nor the log carries it."""
    dingtalk = Robot(kind="dingtalk", token=DINGTALK[0], secret=DINGTALK[1])
    receiver.status = 500
    assert channels.send(channels.robot_plugin(dingtalk), "t", "b") == "http:500"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.PLEDGE_CHANNEL_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"
    with caplog.at_level(logging.DEBUG):
        reasons = [channels.send(channels.robot_plugin(robot), "t", "b") for robot in (
            dingtalk, Robot(kind="wecom", token=WECOM_KEY), Robot(kind="feishu", token=FEISHU[0], secret=FEISHU[1]))]
    assert reasons == ["unreachable"] * 3
    logged = caplog.text
    assert "Failed to send DingTalk notification: unreachable" in logged
    assert not [w for w in warnings_of(caplog) if any(secret in w for secret in (DINGTALK[0], WECOM_KEY, FEISHU[0],
                                                                                 "sign=", "access_token"))]


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_reason_reads_in_the_readers_language_and_an_older_error_never_as_it_was():
    with translation.override("zh-hans"):
        assert [channels.reason_text(c) for c in ("unreachable", "http:500", "sign", "timeout")] == [
            "无法连接", "对方拒绝(HTTP 500)", "签名被拒,请核对加签密钥", "超时"]
    with translation.override("en"):
        assert channels.reason_text("http:500") == "Refused by the service (HTTP 500)"
        assert channels.reason_text("code:310000") == "Refused by the service (error code 310000)"
        older = f"Failed to send DingTalk notification: HTTPSConnectionPool(url: /robot/send?access_token={DINGTALK[0]})"
        assert channels.reason_text(older) == "Not sent"
    assert DINGTALK[0] not in channels.scrubbed(older) and "/robot/send?…" in channels.scrubbed(older)


def test_older_failures_are_read_into_codes_without_their_urls():
    """Migration 0032 turns the errors kept before (the library's words, the URL, token, sign) into codes."""
    reason = importlib.import_module("obligations.migrations.0033_delivery_error_reasons").reason
    older = {
        f"Failed to send DingTalk notification: HTTPSConnectionPool(host='oapi.dingtalk.com', port=443): Max retries "
        f"exceeded with url: /robot/send?access_token={DINGTALK[0]}&timestamp=1&sign=x (Caused by NameResolutionError)":
            "unreachable",
        "Failed to send DingTalk notification: HTTP 200 310000 sign not match": "sign",
        "Feishu rejected our notification: code=19021 msg=sign match fail": "sign",
        "Failed to send WeCom Bot notification: HTTP 200 93000 invalid webhook url": "token",
        "Failed to send DingTalk notification: HTTP 500 ": "http:500",
        "Failed to send Infobip notification to 8613800138000: Internal Server Error, error=500.": "http:500",
        "ValueError: PLEDGE_SMS_URL is not set": "sms_unset",
        "http:502": "http:502", "unreachable": "unreachable", "something else": "unknown",
    }
    assert {text: reason(text) for text in older} == older
