"""Forms: thin, they validate input and hand clean values to the services."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .letters import template as tpl
from .models import Case


def _blank_field(blank: tpl.Blank) -> forms.Field:
    common = {"label": blank.label, "help_text": blank.help, "initial": blank.default}
    if blank.kind == "int":
        return forms.IntegerField(
            min_value=blank.min, max_value=blank.max, **common,
            error_messages={
                "invalid": _("请输入一个整数(例如 3),不要输入文字。"),
                "required": _("请填写此项。"),
                "min_value": _("不能小于 %(limit_value)s。"),
                "max_value": _("不能大于 %(limit_value)s,请核对是否填写有误。"),
            },
        )
    if blank.kind == "choice":
        return forms.ChoiceField(choices=blank.choices, **common)
    if blank.kind == "date":
        return forms.DateField(**common, widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"invalid": _("请输入有效日期,格式为 2026-11-29。")})
    return forms.CharField(max_length=200, **common)


class LetterFillForm(forms.Form):
    """Every blank of the template as a typed field, with errors per field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for blank in tpl.BLANKS:
            self.fields[blank.name] = _blank_field(blank)


class CalendarDaysForm(forms.Form):
    days = forms.CharField(
        label=_("法定节假日与调休"),
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": "2027-10-01 休 国庆节\n2027-09-26 班 国庆节调休"}),
        help_text=_("每行一天:日期、“休”或“班”、说明。"),
    )
    complete = forms.BooleanField(
        label=_("这是该年度完整的节假日与调休安排"), required=False,
        help_text=_("chinese-calendar 尚不知道的年份,只有载入完整安排后才不再按临时日历计算。"),
    )
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=2000, max_value=2100,
        help_text=_("所填日期跨越两个年度时(例如上一年末的调休上班日),请填写完整的是哪一年。"),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is cleaned like a single FileField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("error_messages", {"empty": _("上传的文件是空文件。")})
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class CompletionForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("佐证材料"), required=False)


class EvidenceAddForm(forms.Form):
    files = MultipleFileField(label=_("补充或更正的文件"))
    corrects = forms.ModelChoiceField(label=_("更正哪个文件(可选)"), queryset=None, required=False)

    def __init__(self, *args, occurrence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = occurrence.evidence.all()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写理由。")})


class AssignForm(forms.Form):
    assignees = forms.ModelMultipleChoiceField(queryset=None, required=False, label=_("指定执行人"),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = get_user_model().objects.filter(
            memberships__platform=platform).order_by("username")


class PublicComplaintForm(forms.Form):
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reporter_name = forms.CharField(label=_("您的称呼(可选)"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("联系方式(手机或邮箱,查询进度时需要)"), max_length=100,
                                       error_messages={"required": _("请填写联系方式,以便查询处理进度。")})
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 6}),
                                  error_messages={"required": _("请填写投诉内容。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.PLEDGE_CASE_TEXT_MAX
        self.fields["description"].validators.append(
            MaxLengthValidator(limit, message=_("内容过长:最多 %(limit_value)d 字。")))
        self.fields["description"].widget.attrs["maxlength"] = limit


class StatusLookupForm(forms.Form):
    number = forms.CharField(label=_("受理编号"), max_length=32)
    contact = forms.CharField(label=_("提交时填写的联系方式"), max_length=100)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=())
    severity = forms.ChoiceField(label=_("严重程度"), choices=())
    channel = forms.ChoiceField(label=_("来源渠道"), choices=())
    received_at = forms.DateTimeField(label=_("受理时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      error_messages={"invalid": _("请输入有效时间,例如 2026-11-29 10:30。")})
    reporter_name = forms.CharField(label=_("反映人"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("联系方式"), max_length=100, required=False)
    description = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    assignee = forms.ModelChoiceField(label=_("负责人"), queryset=None, required=False)
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Case.Kind.choices
        self.fields["severity"].choices = Case.Severity.choices
        self.fields["channel"].choices = Case.Channel.choices
        self.fields["assignee"].queryset = get_user_model().objects.filter(memberships__platform=platform)


class CaseCloseForm(forms.Form):
    note = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("请填写办结说明。")})
