"""The officer's form for a new API token (trust/api_tokens.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ApiToken
from ..schedule.bounds import check_text
from .bounds import BoundedDateField


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, validators=[check_text],
                           help_text=_("说明哪个系统使用它,例如“监控系统”。"),
                           error_messages={"required": _("请填写令牌名称。")})
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=ApiToken.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("请至少选择一项权限范围。")})
    expires_on = BoundedDateField(label=_("有效至(含当日)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                  error_messages={"required": _("请选择有效期。"),
                                                  "invalid": _("请输入有效日期,格式为 2026-11-29。")})
