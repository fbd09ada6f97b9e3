"""The second factor's code: six digits of the authenticator app, or a recovery code."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeInput(forms.TextInput):
    """A code is good once: after a refusal the field comes back empty for the next one."""

    def format_value(self, value):
        return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码"), max_length=32, error_messages={"required": _("请输入验证器显示的 6 位数字。")},
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off",
                                      "spellcheck": "false"}))
