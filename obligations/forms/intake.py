"""The letter intake forms: the pasted or uploaded letter, and the officer's corrections
to each proposed obligation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..letters.reading import MAX_CHARS, PASTE_TOO_LONG
from ..models import Obligation, Role

KINDS = [("none", _("不生成义务")), ("calendar", _("周期")), ("event", _("事件")), ("one_time", _("一次性"))]
UNITS = [("minutes", _("分钟")), ("hours", _("小时")), ("days", _("日")), ("workdays", _("工作日"))]


class LetterIntakeForm(forms.Form):
    # No max_length: a browser cuts a paste at maxlength without a word. The page's script keeps
    # a paste past the limit from being sent (static/pledge/pledge.js); the server checks again.
    text = forms.CharField(label=_("粘贴承诺书全文"), required=False,
                           widget=forms.Textarea(attrs={
                               "rows": 14, "placeholder": _("一、基本事项\n1.……"),
                               "data-max-chars": MAX_CHARS, "data-too-long": _(PASTE_TOO_LONG)}))
    file = forms.FileField(label=_("或上传文件(.txt 或 .docx)"), required=False,
                           error_messages={"empty": _("文件为空,没有可读取的内容。")})
    # Which letter of a file holding several (第(1)篇, 第(2)篇 …) the officer takes: 0 is the first.
    letter = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)


class ProposalForm(forms.Form):
    """One clause's proposed obligation, prefixed c<index>. A number field may name a
    blank of the letter as {b3}: the officer fills it before signing."""

    include = forms.BooleanField(label=_("生成义务"), required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=KINDS, required=False)
    title = forms.CharField(label=_("义务名称"), max_length=200, required=False)
    period = forms.CharField(label=_("周期"), max_length=32, required=False,
                             widget=forms.Select(choices=[("", _("(按提议)"))] + list(Obligation.Period.choices)))
    count = forms.CharField(label=_("每周期次数"), max_length=32, required=False)
    trigger = forms.ChoiceField(label=_("触发事件"), choices=[("", "")] + list(Obligation.Trigger.choices),
                                required=False)
    amount1 = forms.CharField(label=_("时限一"), max_length=32, required=False)
    unit1 = forms.ChoiceField(label=_("单位"), choices=UNITS, required=False)
    amount2 = forms.CharField(label=_("时限二"), max_length=32, required=False)
    unit2 = forms.ChoiceField(label=_("单位"), choices=UNITS, required=False)
    one_time_days = forms.CharField(label=_("签订后几日内完成"), max_length=32, required=False)
    retention_years = forms.CharField(label=_("留存年限"), max_length=32, required=False)
    responsible_role = forms.ChoiceField(label=_("责任角色"), choices=Role.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = ("form-check-input" if isinstance(widget, forms.CheckboxInput)
                                     else "form-select form-select-sm" if isinstance(widget, forms.Select)
                                     else "form-control form-control-sm")
