"""The second factor's code (six digits of the authenticator app, or a recovery code), and
the mails that carry a password link (a reset)."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..trust.preferences import language_of


class CodeInput(forms.TextInput):
    """A code is good once: after a refusal the field comes back empty for the next one."""

    def format_value(self, value):
        return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码"), max_length=32, error_messages={"required": _("请输入验证器显示的 6 位数字。")},
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off",
                                      "spellcheck": "false"}))


class PasswordLinkMail(PasswordResetForm):
    """Django's password-reset mail with its link on PLEDGE_SITE_URL, not on the Host the
    request named (a mail is read outside the request, and a forged Host must not choose
    where the link points), written in its recipient's language, not the requester's."""

    def save(self, **kwargs):
        site = urlsplit(settings.PLEDGE_SITE_URL)
        kwargs.update(domain_override=site.netloc, use_https=site.scheme == "https")
        return super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(language_of(context["user"])):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
