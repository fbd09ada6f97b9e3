"""The audit-log page's filters (and its CSV's): date range, actor, action and object (type and id)."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..oversight.audit_reading import action_label, type_label
from ..schedule.periods import local_midnight
from .bounds import BoundedDateField, CleanCharField

DATE_ERROR = {"invalid": _("请输入有效日期,格式为 2026-11-29。")}


class AuditFilter(forms.Form):
    date_from = BoundedDateField(label=_("日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages=DATE_ERROR)
    date_to = BoundedDateField(label=_("日期至"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages=DATE_ERROR)
    actor = forms.ModelChoiceField(label=_("操作人"), required=False, queryset=None, empty_label=_("全部"))
    action = forms.ChoiceField(label=_("动作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = CleanCharField(label=_("对象编号"), required=False, max_length=64)

    def __init__(self, *args, platform, trail, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform, self.trail = platform, trail
        self.fields["actor"].queryset = get_user_model().objects.filter(
            pk__in=trail.filter(actor__isnull=False).values("actor_id")).order_by("username")
        everything = [("", _("全部"))]
        # Offered in the reader's language (the codes stay the values), in the order of their names.
        actions = trail.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = everything + sorted(((a, action_label(a)) for a in actions),
                                                            key=lambda c: c[1])
        types = trail.exclude(object_type="").order_by("object_type").values_list("object_type", flat=True).distinct()
        self.fields["object_type"].choices = everything + sorted(((t, type_label(t)) for t in types),
                                                                 key=lambda c: c[1])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return data

    def queryset(self):
        """The trail, filtered, newest first; nothing for a filter it cannot read (an unreadable
        filter must not widen into the whole trail)."""
        qs, tz = self.trail, self.platform.tz
        if self.is_bound and not self.is_valid():
            return qs.none()
        data = self.cleaned_data if self.is_bound else {}
        if data.get("date_from"):
            qs = qs.filter(at__gte=local_midnight(data["date_from"], tz))
        if data.get("date_to"):
            qs = qs.filter(at__lt=local_midnight(data["date_to"] + timedelta(days=1), tz))
        if data.get("actor"):
            qs = qs.filter(actor=data["actor"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("object_type"):
            qs = qs.filter(object_type=data["object_type"])
        if data.get("object_id"):
            qs = qs.filter(object_id=data["object_id"].strip())
        return qs.select_related("actor", "platform").order_by("-id")
