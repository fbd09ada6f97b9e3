"""Forms of the letter pages: its blanks as typed fields, assigning who does an obligation."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl
from ..letters.assignment import ASSIGNABLE_ROLES
from ..models import Letter, Obligation
from .bounds import BoundedDateField


def _blank_field(blank: dict, required: bool) -> forms.Field:
    common = {"label": blank["label"], "help_text": blank.get("help", ""), "initial": blank.get("default"),
              "required": required, "error_messages": {"required": _("请填写此项。")}}
    kind = blank["kind"]
    if kind == "int":
        common["error_messages"].update({
            "invalid": _("请输入一个整数(例如 3),不要输入文字。"),
            "min_value": _("不能小于 %(limit_value)s。"),
            "max_value": _("不能大于 %(limit_value)s,请核对是否填写有误。"),
        })
        return forms.IntegerField(min_value=blank.get("min"), max_value=blank.get("max"), **common)
    if kind in ("choice", "period"):
        choices = Obligation.Period.choices if kind == "period" else [tuple(c) for c in blank["choices"]]
        return forms.ChoiceField(choices=[("", _("请选择"))] + list(choices), **common)
    if kind == "date":
        common["error_messages"]["invalid"] = _("请输入有效日期,格式为 2026-11-29。")
        return BoundedDateField(**common, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    return forms.CharField(max_length=200, **common)


class LetterFillForm(forms.Form):
    """Every blank of the letter as a typed field, with errors per field. Saving a draft
    accepts empty blanks; signing (`require_all`) needs every one."""

    past_periods = forms.ChoiceField(
        label=_("签订日期早于今天时,此前的周期"), choices=Letter.PastPeriods.choices, initial=Letter.PastPeriods.MISSED,
        help_text=_("签订日期在过去时,自该日起的周期会补建:可计为未完成,或作为不适用予以豁免。"), required=False)

    def __init__(self, *args, blanks=None, require_all=True, **kwargs):
        super().__init__(*args, **kwargs)
        blanks = blanks if blanks is not None else tpl.get(tpl.DEFAULT_TEMPLATE).blanks
        for blank in blanks:
            self.fields[blank["name"]] = _blank_field(blank, require_all)
        self.fields["past_periods"] = self.fields.pop("past_periods")  # last on the page

    def values(self) -> dict:
        """The blanks' cleaned values, empty ones left out so a draft keeps what it had."""
        return {k: v for k, v in self.cleaned_data.items() if k != "past_periods" and v not in (None, "")}


class FirstPeriodForm(forms.Form):
    first_period = forms.ChoiceField(label=_("签署时已开始的周期"), choices=Letter.FirstPeriod.choices,
                                     widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                     error_messages={"required": _("请选择一项。")})


class AssignForm(forms.Form):
    assignees = forms.ModelMultipleChoiceField(queryset=None, required=False, label=_("指定执行人"),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        # One filter: the same membership is of this platform and of a role that does tasks.
        self.fields["assignees"].queryset = get_user_model().objects.filter(
            memberships__platform=platform, memberships__role__in=ASSIGNABLE_ROLES).order_by("username")
