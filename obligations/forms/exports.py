"""Export forms: a regulator report or an evidence archive for a period of local dates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ExportJob
from .bounds import BoundedDateField

K = ExportJob.Kind
DATE_ERRORS = {"invalid": _("请输入有效日期,格式为 2026-11-29。"), "required": _("请填写日期。")}


class PeriodExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("格式"), choices=[(K.REGULATOR_PDF, _("PDF(可直接报送)")),
                                                      (K.REGULATOR_DOCX, _("Word(报送前编辑)")),
                                                      (K.EVIDENCE_ZIP, _("佐证材料归档(ZIP)"))])
    start = BoundedDateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                            error_messages=DATE_ERRORS)
    end = BoundedDateField(label=_("结束日期(含)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          error_messages=DATE_ERRORS)

    def __init__(self, *args, archive=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial = dict(self.initial)  # the caller's dict may serve another form too
        if archive:
            self.fields["kind"].widget = forms.HiddenInput()
            self.initial.setdefault("kind", K.EVIDENCE_ZIP)
        else:
            self.fields["kind"].choices = self.fields["kind"].choices[:2]
            self.fields["kind"].widget = forms.RadioSelect(choices=self.fields["kind"].choices)
            self.initial.setdefault("kind", K.REGULATOR_PDF)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return data
