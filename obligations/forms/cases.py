"""Case forms: the public complaint and status pages, registering and closing a case."""

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from ..cases.assignment import handlers
from ..cases.services import DEFAULT_REGISTERED_CHANNEL, REGISTERED_CHANNELS
from ..models import Case
from .bounds import BoundedDateTimeField, CleanCharField


class PublicComplaintForm(forms.Form):
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reporter_name = forms.CharField(label=_("您的称呼(可选)"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("联系方式(手机或邮箱,查询进度时需要)"), max_length=100,
                                       error_messages={"required": _("请填写联系方式,以便查询处理进度。")})
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 6}),
                                  error_messages={"required": _("请填写投诉内容。")})
    # 个人信息保护法 第十七条: the page's notice comes first; nothing is kept without this.
    consent = forms.BooleanField(label=_("我已阅读上述个人信息处理说明,同意平台按说明处理我填写的信息。"),
                                 error_messages={"required": _("请阅读个人信息处理说明并勾选同意后再提交。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.PLEDGE_CASE_TEXT_MAX
        self.fields["description"].validators.append(
            MaxLengthValidator(limit, message=_("内容过长:最多 %(limit_value)d 字。")))
        self.fields["description"].widget.attrs["maxlength"] = limit


class StatusLookupForm(forms.Form):
    number = forms.CharField(label=_("查询码"), max_length=32)
    contact = forms.CharField(label=_("提交时填写的联系方式"), max_length=100)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=())
    severity = forms.ChoiceField(label=_("严重程度"), choices=())
    channel = forms.ChoiceField(label=_("来源渠道"), choices=())
    received_at = BoundedDateTimeField(label=_("受理时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      error_messages={"invalid": _("请输入有效时间,例如 2026-11-29 10:30。")})
    reporter_name = forms.CharField(label=_("反映人"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("联系方式"), max_length=100, required=False)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False, empty_label=_("— 暂不指定 —"))
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Case.Kind.choices
        self.fields["severity"].choices = Case.Severity.choices
        # The public page is a channel of its own: a case registered here came by another.
        self.fields["channel"].choices = [(c.value, c.label) for c in REGISTERED_CHANNELS]
        self.fields["channel"].initial = DEFAULT_REGISTERED_CHANNEL
        self.fields["assignee"].queryset = handlers(platform)


class CaseAssignForm(forms.Form):
    """The case page's handler: a member who may handle the platform's cases (cases/assignment.py)."""

    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, empty_label=_("— 请选择 —"),
                                      widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
                                      error_messages={"required": _("请选择负责人。"),
                                                      "invalid_choice": _("所选人员不能处理本平台的案件。")})

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers(platform)


class CaseCloseForm(forms.Form):
    note = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("请填写办结说明。")})


class CaseBoardFilter(forms.Form):
    """The case board's filters (a GET query): a value the board cannot read (a NUL, a control
    character, a kind that does not exist) is refused with its reason, and the board shows no row
    rather than every row."""

    platform = CleanCharField(required=False, max_length=64)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=())
    state = forms.ChoiceField(label=_("状态"), required=False, choices=())
    severity = forms.ChoiceField(label=_("严重程度"), required=False, choices=())
    assignee = CleanCharField(label=_("负责人"), required=False, max_length=150)
    # 待分配: the open cases nobody handles yet.
    unassigned = forms.CharField(required=False, max_length=8)
    breached = forms.CharField(required=False, max_length=8)
    # A 查询码 or number as a caller reads it out (cases/lookup.py): any case, spaces, dashes or not.
    code = CleanCharField(label=_("查询码或编号"), required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "")] + list(Case.Kind.choices)
        self.fields["state"].choices = [("", ""), ("all", "all")] + list(Case.State.choices)
        self.fields["severity"].choices = [("", "")] + list(Case.Severity.choices)
