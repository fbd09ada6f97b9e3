"""Forms of the quarterly review: an explanation, a rectification action, a finding, a
signature (with the password and the second factor's code again) and a refusal."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..models import ReviewFinding, Role
from ..oversight.exception_list import CAUSES
from ..trust import second_factor
from ..trust.membership import member_names
from .bounds import BoundedDateField, CleanCharField

REQUIRED = {"required": _("请填写此项。")}


LARGEST_ID = 2**63 - 1


class IdsField(forms.Field):
    """Row ids sent as repeated values (the ticked boxes of a list): whole numbers a row can have."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("请勾选要说明的异常。"), "invalid": _("所选的异常无法识别,请刷新页面后重试。")}

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < i <= LARGEST_ID for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class ExplanationForm(forms.Form):
    """One explanation for the exceptions ticked (one or many)."""

    occurrence = IdsField()
    text = forms.CharField(label=_("说明"), max_length=4000, error_messages=REQUIRED,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ExceptionFilterForm(forms.Form):
    """Which exceptions the list shows (and selects): by obligation, cause and day, or those waiting."""

    obligation = CleanCharField(label=_("义务"), required=False, max_length=400)
    cause = forms.ChoiceField(label=_("原因"), required=False,
                              choices=[("", _("— 全部原因 —")), *CAUSES.items()])
    day = BoundedDateField(label=_("到期日"), required=False,
                           error_messages={"invalid": _("请输入有效日期,格式为 2026-11-29。")})
    waiting = forms.BooleanField(label=_("仅待说明"), required=False)


class RectificationForm(forms.Form):
    title = forms.CharField(label=_("整改措施"), max_length=200, error_messages=REQUIRED)
    owner = forms.ModelChoiceField(label=_("责任人"), queryset=None, empty_label=_("请选择"),
                                   error_messages={"required": _("请选择责任人。"),
                                                   "invalid_choice": _("请选择本平台的成员。")})
    due_date = BoundedDateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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
