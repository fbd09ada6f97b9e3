"""Sending through apprise (a well-kept notification library) to the work chats' group robots
and by SMS. Apprise 2.3.0 serves WeCom (wecombot), DingTalk (dingtalk, 加签 included) and Feishu
(feishu) robots and many SMS services; three gaps are filled here, each with the least code, the
plugins kept for their settings, checks, throttle and logging:

- DingTalk: apprise percent-encodes the sign and then hands it to requests as a query
  parameter, which encodes it again, so DingTalk reads `…%2B…` where it computed `…+…` and
  refuses it (310000 sign not match). `DingTalkSigned` hands requests the plain base64.
- Feishu: apprise's plugin has no 加签. `FeishuSigned` adds the timestamp and sign to the body.
- DingTalk and WeCom refuse a message (a wrong sign, a deleted robot) with HTTP 200 and an
  `errcode`, which apprise does not read: it would count the message sent and nobody would get
  the email instead. Their `send` reads the reply (`_post`).

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
from json import dumps

import apprise
import requests
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot
from django.conf import settings

from ..models import Robot


def _post(plugin, url, payload, params=None) -> bool:
    """POST a robot's message as its apprise plugin would (its throttle, timeout and logger),
    and read the reply: DingTalk and WeCom refuse with HTTP 200 and an `errcode`, Feishu with a
    `code`. False, with a warning `send` reports, when the service did not take it."""
    plugin.throttle()
    try:
        r = requests.post(url, params=params, data=dumps(payload, ensure_ascii=False).encode(),
                          headers={"User-Agent": plugin.app_id, "Content-Type": "application/json"},
                          timeout=plugin.request_timeout, verify=plugin.verify_certificate)
        reply = r.json() if r.status_code == 200 else {}
    except (requests.RequestException, ValueError) as e:
        plugin.logger.warning("Failed to send %s notification: %s", plugin.service_name, e)
        return False
    reply = reply if isinstance(reply, dict) else {}
    code = reply.get("errcode") or reply.get("code")
    if r.status_code != 200 or code:
        plugin.logger.warning("Failed to send %s notification: HTTP %s %s", plugin.service_name, r.status_code,
                              f"{code} {reply.get('errmsg') or reply.get('msg') or ''}" if code else "")
        return False
    return True


def _text(title, body) -> str:
    return f"{title}\r\n{body}" if title else body


class DingTalkSigned(NotifyDingTalk):
    def get_signature(self):
        timestamp = str(round(time.time() * 1000))
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        return timestamp, base64.b64encode(digest).decode()  # requests encodes it, once

    def send(self, body, title="", notify_type=None, **kwargs):
        params = dict(zip(("timestamp", "sign"), self.get_signature(), strict=True)) if self.secret else None
        return _post(self, self.notify_url.format(token=self.token),
                     {"msgtype": "text", "text": {"content": _text(title, body)}}, params)


class WeComChecked(NotifyWeComBot):
    def send(self, body, title="", notify_type=None, **kwargs):
        return _post(self, self.api_url, {"msgtype": "text", "text": {"content": _text(title, body)}})


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu's 加签: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing, in base64."""
    return base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


class FeishuSigned(NotifyFeishu):
    def __init__(self, token, secret="", **kwargs):
        super().__init__(token, **kwargs)
        self.secret = secret

    def send(self, body, title="", notify_type=None, **kwargs):
        timestamp = str(int(time.time()))
        return _post(self, self.notify_url.format(token=self.token), {
            "timestamp": timestamp, "sign": feishu_sign(timestamp, self.secret), "msg_type": "text",
            "content": {"text": _text(title, body)}})


def robot_plugin(robot: Robot):
    if robot.kind == Robot.Kind.DINGTALK:
        return DingTalkSigned(token=robot.token, secret=robot.secret or None)
    if robot.kind == Robot.Kind.FEISHU:
        return FeishuSigned(token=robot.token, secret=robot.secret) if robot.secret else NotifyFeishu(token=robot.token)
    return WeComChecked(key=robot.token)


def international(phone: str) -> str:
    """A number as SMS services take it: a mainland mobile (11 digits from 1) with China's 86 before it."""
    digits = phone.lstrip("+")
    return "86" + digits if re.fullmatch(r"1\d{10}", digits) and not phone.startswith("+") else digits


def sms_plugin(phone: str):
    phone = international(phone)
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
