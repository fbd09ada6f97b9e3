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
instead of the service's own host: the tests point it at a local receiver.

Why a message was not sent is kept (Delivery.error, the audit record) as a short code
("unreachable", "timeout", "sign", "http:500", …), never the exception's or the service's
words: those carry the webhook address with its token and signature, and are English. The
pages read the code in the reader's language (`reason_text`); the log has the code too."""

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
from django.utils.translation import gettext, pgettext

from ..models import Robot

# The services' refusals (inside HTTP 200) that say more than "refused": a wrong sign (DingTalk
# 310000 "sign not match", Feishu 19021), a robot that is gone or mistyped (DingTalk 300001
# "token is not exist", Feishu 19001, WeCom 93000 "invalid webhook url").
SIGN_CODES = {19021}
TOKEN_CODES = {300001, 19001, 93000}


def _refusal(code, words: str) -> str:
    if code in SIGN_CODES or (code == 310000 and "sign" in words):
        return "sign"
    return "token" if code in TOKEN_CODES else f"code:{code}"


def _exception_reason(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.RequestException):
        return "unreachable"
    return "reply"  # a reply that is not JSON


def _post(plugin, url, payload, params=None) -> bool:
    """POST a robot's message as its apprise plugin would (its throttle, timeout and logger),
    and read the reply: DingTalk and WeCom refuse with HTTP 200 and an `errcode`, Feishu with a
    `code`. False when the service did not take it, with why in `plugin.failure` (a code)."""
    plugin.throttle()
    try:
        r = requests.post(url, params=params, data=dumps(payload, ensure_ascii=False).encode(),
                          headers={"User-Agent": plugin.app_id, "Content-Type": "application/json"},
                          timeout=plugin.request_timeout, verify=plugin.verify_certificate)
        reply = r.json() if r.status_code == 200 else {}
    except (requests.RequestException, ValueError) as e:
        # Not `e` itself: its text names the URL, with the token and the signature.
        plugin.failure = _exception_reason(e)
        plugin.logger.warning("Failed to send %s notification: %s (%s)", plugin.service_name, plugin.failure,
                              type(e).__name__)
        return False
    reply = reply if isinstance(reply, dict) else {}
    code = reply.get("errcode") or reply.get("code")
    if r.status_code != 200 or code:
        plugin.failure = f"http:{r.status_code}" if r.status_code != 200 else _refusal(
            code, str(reply.get("errmsg") or reply.get("msg") or ""))
        plugin.logger.warning("Failed to send %s notification: %s", plugin.service_name, plugin.failure)
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
    """Feishu, signed when the robot has a secret (a robot without one takes the message unsigned)."""

    def __init__(self, token, secret="", **kwargs):
        super().__init__(token, **kwargs)
        self.secret = secret

    def send(self, body, title="", notify_type=None, **kwargs):
        timestamp = str(int(time.time()))
        signed = {"timestamp": timestamp, "sign": feishu_sign(timestamp, self.secret)} if self.secret else {}
        return _post(self, self.notify_url.format(token=self.token), {
            **signed, "msg_type": "text", "content": {"text": _text(title, body)}})


def robot_plugin(robot: Robot):
    if robot.kind == Robot.Kind.DINGTALK:
        return DingTalkSigned(token=robot.token, secret=robot.secret or None)
    if robot.kind == Robot.Kind.FEISHU:
        return FeishuSigned(token=robot.token, secret=robot.secret)
    return WeComChecked(key=robot.token)


def international(phone: str) -> str:
    """A number as SMS services take it: a mainland mobile (11 digits from 1) with China's 86 before it."""
    digits = phone.lstrip("+")
    return "86" + digits if re.fullmatch(r"1\d{10}", digits) and not phone.startswith("+") else digits


class Unset(ValueError):
    """SMS is not set up (PLEDGE_SMS_URL empty or not an apprise URL)."""


def sms_plugin(phone: str):
    phone = international(phone)
    url = settings.PLEDGE_SMS_URL
    if not url:
        raise Unset("PLEDGE_SMS_URL is not set")
    plugin = apprise.Apprise.instantiate(url.replace("{phone}", phone))
    if plugin is None:
        raise Unset("PLEDGE_SMS_URL is not an apprise URL")
    return plugin


def _pointed(plugin):
    """The plugin with its service's host replaced by PLEDGE_CHANNEL_API_BASE, when set."""
    base = settings.PLEDGE_CHANNEL_API_BASE
    if base:
        for attr in ("notify_url", "api_url"):  # api_url: WeCom's, made in its __init__
            if isinstance(getattr(plugin, attr, None), str):
                setattr(plugin, attr, re.sub(r"^https?://[^/]+", base.rstrip("/"), getattr(plugin, attr)))
    return plugin


def _from_words(text: str) -> str:
    """Why apprise's own plugin (an SMS service's) failed, read from its warnings."""
    if status := re.search(r"error=(\d{3})", text):
        return f"http:{status[1]}"
    if re.search(r"time[d ]?out", text, re.IGNORECASE):
        return "timeout"
    return "unreachable" if "Connection error" in text else "unknown"


def send(plugin, title: str, body: str) -> str:
    """Send one message; "" when the service took it, else why not, as a code (`reason_text`)."""
    plugin = _pointed(plugin)
    plugin.failure = ""
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = notifier.notify(title=title, body=body)
    if ok:
        return ""
    return plugin.failure or _from_words(captured.getvalue())


def error_of(exc: Exception) -> str:
    """The code of an exception raised before sending: SMS not set up, or a robot's token that
    its plugin refuses (its message names the token: not kept)."""
    return "sms_unset" if isinstance(exc, Unset) else "address"


def reason_text(code: str) -> str:
    """A failure's code as the reader reads it, in the active language. A code this does not
    know (an older record's English text) reads as a bare failure, never shown as it is."""
    kind, _sep, detail = (code or "").partition(":")
    if kind == "http" and detail.isdigit():
        return gettext("对方拒绝(HTTP %(status)s)") % {"status": detail}
    if kind == "code" and detail.lstrip("-").isdigit():
        return gettext("对方拒绝(错误码 %(code)s)") % {"code": detail}
    return {
        "unreachable": gettext("无法连接"), "timeout": pgettext("channel failure", "超时"), "sign": gettext("签名被拒,请核对加签密钥"),
        "token": gettext("机器人地址无效或机器人已被移除"), "address": gettext("机器人令牌格式有误"),
        "reply": gettext("对方的答复无法识别"), "sms_unset": gettext("本站尚未开通短信通知"),
    }.get(kind, pgettext("channel failure", "发送失败"))


QUERY = re.compile(r"\?[^\s'\")]*")
HOOK = re.compile(r"/hook/[^\s?'\")]+")  # Feishu's token, in the path


def scrubbed(text: str) -> str:
    """`text` with every URL query and Feishu hook (tokens, signatures) cut: an older record's error as shown."""
    return HOOK.sub("/hook/…", QUERY.sub("?…", text or ""))
