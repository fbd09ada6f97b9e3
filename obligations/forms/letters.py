"""Forms of the letter pages: its blanks as typed fields, assigning who does an obligation."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl


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


class AssignForm(forms.Form):
    assignees = forms.ModelMultipleChoiceField(queryset=None, required=False, label=_("指定执行人"),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = get_user_model().objects.filter(
            memberships__platform=platform).order_by("username")
