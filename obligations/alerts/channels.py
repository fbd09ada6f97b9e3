"""Sending through apprise (a well-kept notification library) to the work chats' group robots
and by SMS. Apprise 2.3.0 serves WeCom (wecombot), DingTalk (dingtalk, 加签 included) and Feishu
(feishu) robots and many SMS services; two small gaps are filled here, each the least code:

- DingTalk: apprise percent-encodes the sign and then hands it to requests as a query
  parameter, which encodes it again, so DingTalk reads `…%2B…` where it computed `…+…` and
  refuses it (310000 sign not match). `DingTalkSigned` hands requests the plain base64.
- Feishu: apprise's plugin has no 加签. `FeishuSigned` adds the timestamp and sign to the body.

SMS goes to the service named by settings.PLEDGE_SMS_URL (an apprise URL, `{phone}` where the
number goes; e.g. Infobip, which delivers to mainland numbers with a registered 签名).

`settings.PLEDGE_CHANNEL_API_BASE`, empty in production, sends every request to that base
instead of the service's own host: the tests point it at a local receiver."""

import base64
import hashlib
import hmac
import logging
import re
import time
from json import dumps, loads

import apprise
import requests
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot
from django.conf import settings

from ..models import Robot


class DingTalkSigned(NotifyDingTalk):
    def get_signature(self):
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        return timestamp, base64.b64encode(digest).decode()  # requests encodes it, once


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu's 加签: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing, in base64."""
    return base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


class FeishuSigned(NotifyFeishu):
    def __init__(self, token, secret="", **kwargs):
        super().__init__(token, **kwargs)
        self.secret = secret

    def send(self, body, title="", notify_type=None, **kwargs):
        timestamp = str(int(time.time()))
        payload = {"timestamp": timestamp, "sign": feishu_sign(timestamp, self.secret), "msg_type": "text",
                   "content": {"text": f"{title}\r\n{body}" if title else body}}
        self.throttle()
        try:
            r = requests.post(self.notify_url.format(token=self.token), timeout=self.request_timeout,
                              data=dumps(payload, ensure_ascii=False).encode(), headers={
                                  "User-Agent": self.app_id, "Content-Type": "application/json"})
            reply = loads(r.content or b"{}") if r.status_code == 200 else {}
        except (requests.RequestException, ValueError) as e:
            self.logger.warning("Failed to send Feishu notification: %s", e)
            return False
        if r.status_code != 200 or (isinstance(reply, dict) and reply.get("code")):
            self.logger.warning("Failed to send Feishu notification: HTTP %s %s", r.status_code,
                                (reply or {}).get("msg", "") if isinstance(reply, dict) else "")
            return False
        return True


def robot_plugin(robot: Robot):
    if robot.kind == Robot.Kind.DINGTALK:
        return DingTalkSigned(token=robot.token, secret=robot.secret or None)
    if robot.kind == Robot.Kind.FEISHU:
        return FeishuSigned(token=robot.token, secret=robot.secret) if robot.secret else NotifyFeishu(token=robot.token)
    return NotifyWeComBot(key=robot.token)


def sms_plugin(phone: str):
    url = settings.PLEDGE_SMS_URL
    if not url:
        raise ValueError("PLEDGE_SMS_URL is not set")
    plugin = apprise.Apprise.instantiate(url.replace("{phone}", phone))
    if plugin is None:
        raise ValueError("PLEDGE_SMS_URL is not an apprise URL")
    return plugin


def _pointed(plugin):
    """The plugin with its service's host replaced by PLEDGE_CHANNEL_API_BASE, when set."""
    base = settings.PLEDGE_CHANNEL_API_BASE
    if base:
        for attr in ("notify_url", "api_url"):  # api_url: WeCom's, made in its __init__
            if isinstance(getattr(plugin, attr, None), str):
                setattr(plugin, attr, re.sub(r"^https?://[^/]+", base.rstrip("/"), getattr(plugin, attr)))
    return plugin


def send(plugin, title: str, body: str) -> str:
    """Send one message; "" when the service took it, else what went wrong (apprise's warnings)."""
    notifier = apprise.Apprise()
    notifier.add(_pointed(plugin))
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = notifier.notify(title=title, body=body)
    if ok:
        return ""
    return " ".join(captured.getvalue().split())[:500] or "not sent"


def error_of(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
