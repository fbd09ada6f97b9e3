"""Forms of the platform and member pages, and the invitation email."""

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl
from ..models import Role
from .signin import PasswordLinkMail

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
    officer_username = _username_field(_("首位合规负责人(用户名)"))
    officer_email = forms.EmailField(
        label=_("邮箱(邀请新用户时填写)"), required=False, error_messages={"invalid": EMAIL_INVALID},
        help_text=_("已有用户:只填用户名。新用户:填写用户名和邮箱,系统会发出邀请邮件,由其自行设置密码。"))


class MemberAddForm(forms.Form):
    """An existing user, by username."""

    username = _username_field(_("用户名"))
    role = _role_field()


class MemberInviteForm(forms.Form):
    """A new user: username and email; the invitation email lets them set their password."""

    username = _username_field(_("用户名"))
    email = forms.EmailField(label=_("邮箱"), error_messages={"required": _("请填写邮箱,邀请邮件将发送到这里。"),
                                                              "invalid": EMAIL_INVALID})
    role = _role_field()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)


class MemberNameForm(forms.Form):
    """A member's full name and post (职务), as the documents they sign print them."""

    full_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    post = forms.CharField(label=_("职务"), max_length=100, required=False,
                           help_text=_("例如:监督小组组长、法务部经理。"))


class InvitationMail(PasswordLinkMail):
    """Django's password-reset email, sent to one invited user who has no password yet:
    its link lets them set their first one."""

    def __init__(self, user):
        super().__init__({"email": user.email})
        self.invitee = user

    def get_users(self, email):
        user = self.invitee
        return [user] if user.is_active and not user.has_usable_password() else []
