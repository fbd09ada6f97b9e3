"""Forms of the channels pages: a platform's group robot, a person's own channels."""

import re
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Robot
from ..models.channels import LANGUAGE_NAMES

TOKEN = re.compile(r"^[A-Za-z0-9_-]{6,200}$")
SECRET = re.compile(r"^[A-Za-z0-9]{6,200}$")
PHONE = re.compile(r"^\+?\d{6,15}$")


def webhook_token(kind: str, value: str) -> str:
    """The token of a robot's webhook address as pasted whole, or the token itself: WeCom's
    ?key=, DingTalk's ?access_token=, Feishu's last path segment."""
    value = value.strip()
    if "://" not in value:
        return value
    url = urlsplit(value)
    query = parse_qs(url.query)
    if kind == Robot.Kind.WECOM:
        return (query.get("key") or [""])[0]
    if kind == Robot.Kind.DINGTALK:
        return (query.get("access_token") or [""])[0]
    return url.path.rstrip("/").rsplit("/", 1)[-1]


class RobotForm(forms.ModelForm):
    token = forms.CharField(label=_("机器人地址或令牌"), max_length=500)
    secret = forms.CharField(label=_("加签密钥"), required=False, max_length=200,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=_("保存后不再显示;修改时留空则保留原密钥。企业微信群机器人无需密钥。"))
    topics = forms.MultipleChoiceField(label=_("发送的消息类型"), choices=Robot.Topic.choices,
                                       widget=forms.CheckboxSelectMultiple)
    language = forms.ChoiceField(label=_("消息语言"), choices=list(LANGUAGE_NAMES.items()))

    class Meta:
        model = Robot
        fields = ["kind", "name", "token", "language", "topics"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a kept robot: its token is not shown, only its end, and kept unless retyped
            token = self.fields["token"]
            token.required = False
            end = format_html('<code lang="zxx">…{}</code>', self.instance.token[-4:])  # a code, in no language
            token.help_text = format_html(gettext("当前令牌:{end}。留空则保留原令牌。"), end=end)
            self.initial["token"] = ""

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if self.instance.pk and not data.get("token") and "token" not in self.errors:
            data["token"] = self.instance.token
        elif kind and data.get("token"):
            token = webhook_token(kind, data["token"])
            if not TOKEN.match(token):
                self.add_error("token", _("未能从中读出机器人的令牌,请粘贴群机器人的 Webhook 地址。"))
            data["token"] = token
        secret = (data.get("secret") or "").strip()
        if secret and not SECRET.match(secret):
            self.add_error("secret", _("密钥只含字母和数字,请从机器人的安全设置中复制。"))
        if secret and kind == Robot.Kind.WECOM:
            self.add_error("secret", _("企业微信群机器人不使用加签密钥。"))
        data["secret"] = secret
        return data


class PersonChannelsForm(forms.Form):
    by_email = forms.BooleanField(label=_("邮件"), required=False)
    by_sms = forms.BooleanField(label=_("短信"), required=False)
    phone = forms.CharField(label=_("手机号码"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.PLEDGE_SMS_URL:  # not offered: shown off and disabled, with why
            self.initial["by_sms"] = False
            self.fields["by_sms"].disabled = self.fields["phone"].disabled = True
            self.fields["by_sms"].help_text = _("本站尚未开通短信通知。")

    def clean(self):
        data = super().clean()
        phone = re.sub(r"[\s-]", "", data.get("phone") or "")
        if not data.get("by_email") and not data.get("by_sms"):
            raise forms.ValidationError(_("请至少选择一种通知渠道。"))
        if data.get("by_sms"):
            if not settings.PLEDGE_SMS_URL:
                self.add_error("by_sms", _("本站尚未开通短信通知。"))
            elif not PHONE.match(phone):
                self.add_error("phone", _("请填写有效的手机号码,例如 13800000000。"))
        data["phone"] = phone
        return data
