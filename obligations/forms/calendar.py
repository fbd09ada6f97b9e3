"""The official calendar's loading form."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CalendarDaysForm(forms.Form):
    days = forms.CharField(
        label=_("法定节假日与调休"),
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": "2027-10-01 休 国庆节\n2027-09-26 班 国庆节调休"}),
        help_text=_("每行一天:日期、“休”或“班”、说明。"),
    )
