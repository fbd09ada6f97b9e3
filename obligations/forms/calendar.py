"""The official calendar's loading form."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarDaysForm(forms.Form):
    days = forms.CharField(
        label=_("法定节假日与调休"),
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": _("2027-10-01 休 国庆节\n2027-09-26 班 国庆节调休")}),
        help_text=_("每行一天:日期、“休”或“班”、说明。"),
    )
    complete = forms.BooleanField(
        label=_("这是该年度完整的节假日与调休安排"), required=False,
        help_text=_("内置节假日数据尚未收录的年份,只有载入完整安排后才不再按临时日历计算。"),
    )
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=2000, max_value=2100,
        help_text=_("所填日期跨越两个年度时(例如上一年末的调休上班日),请填写完整的是哪一年。"),
    )
