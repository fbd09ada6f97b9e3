"""Forms of the quarterly review: an explanation, a rectification action, a finding, a
signature (with the password and the second factor's code again) and a refusal."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..models import ReviewFinding, Role
from ..trust import second_factor
from ..trust.membership import member_names
from .bounds import BoundedDateField

REQUIRED = {"required": _("请填写此项。")}


class ExplanationForm(forms.Form):
    occurrence = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("说明"), max_length=4000, error_messages=REQUIRED,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RectificationForm(forms.Form):
    title = forms.CharField(label=_("整改措施"), max_length=200, error_messages=REQUIRED)
    owner = forms.ModelChoiceField(label=_("责任人"), queryset=None, empty_label=_("请选择"),
                                   error_messages={"required": _("请选择责任人。"),
                                                   "invalid_choice": _("请选择本平台的成员。")})
    due_date = BoundedDateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={**REQUIRED, "invalid": _("请输入有效日期,格式为 2026-11-29。")})
    occurrence = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(
            memberships__platform=platform,
            memberships__role__in=(Role.OFFICER, Role.STAFF, Role.SUPERVISOR)).order_by("username")
        names = member_names(platform.pk)
        self.fields["owner"].label_from_instance = lambda user: names.get(user.pk) or user.get_username()


class FindingForm(forms.Form):
    text = forms.CharField(label=_("风险排查结果"), max_length=4000, error_messages=REQUIRED,
                           widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("严重程度"), choices=ReviewFinding.Severity.choices)


class SignForm(forms.Form):
    password = forms.CharField(label=_("再次输入您的密码以签署"), widget=forms.PasswordInput,
                               error_messages=REQUIRED)
    otp = forms.CharField(label=_("动态验证码(验证器显示的 6 位数字)"), max_length=16, required=False,
                          error_messages={"required": _("请输入验证器显示的 6 位动态验证码。")},
                          widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, user=None, **kwargs):
        """With `user`, the code is asked when they have an authenticator app, and not shown otherwise."""
        super().__init__(*args, **kwargs)
        if user is not None:
            if second_factor.has_second_factor(user):
                self.fields["otp"].required = True
            else:
                del self.fields["otp"]


class QuorumForm(forms.Form):
    """How many of the supervisory group's signatures close a review; empty: all of them.
    The bounds of the group's size are the service's (reviews.review_quorum_set)."""

    quorum = forms.IntegerField(label=_("签署人数"), required=False, min_value=1, max_value=1000,
                                help_text=_("达到该人数的监督小组成员签署后,季度审查关闭并封签。留空:全体成员都须签署。"),
                                error_messages={"invalid": _("请输入整数。"), "min_value": _("签署人数至少为 1。"),
                                                "max_value": _("签署人数不能超过监督小组人数。")})


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("拒绝签署的理由"), max_length=4000, error_messages=REQUIRED,
                             widget=forms.Textarea(attrs={"rows": 2}))
