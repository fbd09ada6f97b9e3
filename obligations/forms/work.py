"""Check-off forms: a note and evidence files, corrections, reasons."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
    corrects = forms.ModelChoiceField(label=_("更正哪个文件(可选)"), queryset=None, required=False,
                                      empty_label=_("— 不更正,作为补充 —"))

    def __init__(self, *args, occurrence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].queryset = occurrence.evidence.all()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写理由。")})
