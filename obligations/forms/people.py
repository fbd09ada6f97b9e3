"""Forms of the platform and member pages, and of the page an invitation's link opens."""

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl
from ..models import Role

DEFAULT_TIMEZONE = "Asia/Shanghai"


def template_choices() -> list[tuple[str, str]]:
    """The letter templates a new platform may start from, as (key, title)."""
    return [(t.key, t.name) for t in tpl.registry().values()]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def _username_field(label):
    return forms.CharField(label=label, max_length=150, validators=[UnicodeUsernameValidator()],
                           error_messages={"required": _("请填写用户名。")})


EMAIL_INVALID = _("请输入有效的邮箱地址,例如 name@example.com。")


def _role_field():
    return forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.STAFF)


class PlatformForm(forms.Form):
    name = forms.CharField(label=_("平台名称"), max_length=200, error_messages={"required": _("请填写平台名称。")})
    slug = forms.SlugField(label=_("标识"), max_length=50,
                           help_text=_("用于网址,只能包含字母、数字、连字符和下划线,例如 alpha。"),
                           error_messages={"required": _("请填写标识。"),
                                           "invalid": _("标识只能包含字母、数字、连字符和下划线。")})
    template = forms.ChoiceField(label=_("承诺书模板"), choices=template_choices)
    timezone = forms.ChoiceField(label=_("时区"), choices=timezone_choices, initial=DEFAULT_TIMEZONE,
                                 error_messages={"invalid_choice": _("未知的时区,请从列表中选择,例如 Asia/Shanghai。")})
    officer_email = forms.EmailField(
        label=_("首位合规负责人的邮箱"), error_messages={"required": _("请填写邮箱,邀请邮件将发送到这里。"),
                                                      "invalid": EMAIL_INVALID},
        help_text=_("系统向该邮箱发出合规负责人邀请;受邀人通过邮件中的链接接受邀请(已有账号的登录后接受,没有账号的在该页面注册)。"))


class InvitationForm(forms.Form):
    """Who is invited (an email address, never a username: officers do not look up the
    site's users), with which role, and how the platform's documents will name them."""

    email = forms.EmailField(label=_("邮箱"), error_messages={"required": _("请填写邮箱,邀请邮件将发送到这里。"),
                                                              "invalid": EMAIL_INVALID})
    role = _role_field()
    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)


class MemberNameForm(forms.Form):
    """A member's full name and post (职务), as the documents they sign print them."""

    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False,
                           help_text=_("例如:监督小组组长、法务部经理。"))


class AccountForm(forms.Form):
    """A new account made on the invitation's page: a username and a password typed twice,
    checked by the site's password rules (settings.AUTH_PASSWORD_VALIDATORS)."""

    username = _username_field(_("用户名"))
    password1 = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif first and data.get("username"):
            User = get_user_model()
            candidate = User(**{User.USERNAME_FIELD: data["username"], User.get_email_field_name(): self.email})
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
