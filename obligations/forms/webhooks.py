"""A webhook endpoint as the officer registers it: the URL (checked by alerts/webhook_targets.py
when the endpoint is made), what it is for, and the events it hears of."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..alerts.webhook_targets import MAX_LENGTH
from ..models import WebhookEvent


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(label=_("接收地址"), max_length=MAX_LENGTH,
                          widget=forms.TextInput(attrs={"placeholder": "https://ops.example.cn/pledge-hook",
                                                        "inputmode": "url", "lang": "zxx"}),
                          error_messages={"required": _("请填写接收地址。"),
                                          "max_length": _("接收地址过长:最多 %(limit_value)d 个字符。")})
    description = forms.CharField(label=_("说明(选填)"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("事件"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("请至少选择一个事件。"),
                                                       "invalid_choice": _("没有这个事件。")})
