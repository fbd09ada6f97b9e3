"""The occurrences behind a dashboard figure: filters by clause, state, person and period.

Dates are local days of the platform, inclusive, by due date: a task belongs to the day
its due time closes, (start, end], so a check due at 00:00 belongs to the day before, as
the dashboard counts it. The export command selects by the same rule (`due_on_days`).
"""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Obligation, Occurrence
from ..schedule.bounds import DATE_ATTRS, check_bounds, check_text
from ..schedule.periods import local_midnight

SOON_DAYS = 7  # "due soon": open and due within 7 × 24 hours from now, as the dashboard's card counts


def due_on_days(qs, first, last, tz):
    """The rows due on the local days `first` to `last`, both included (either may be None)."""
    if first:
        qs = qs.filter(due_at__gt=local_midnight(first, tz))
    if last:
        qs = qs.filter(due_at__lte=local_midnight(last + timedelta(days=1), tz))
    return qs


class OccurrenceFilter(forms.Form):
    clause = forms.CharField(label=_("条款"), required=False, max_length=16, validators=[check_text])
    state = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("— 全部状态 —"))] + list(Occurrence.State.choices))
    obligation = forms.ModelChoiceField(label=_("义务"), required=False, queryset=None, to_field_name="key",
                                        empty_label=_("— 全部义务 —"))
    overdue = forms.BooleanField(label=_("仅逾期(待办或未完成且已过到期时间)"), required=False)
    due_soon = forms.BooleanField(label=_("未来7天到期的待办(从现在起7×24小时内)"), required=False)
    person = forms.ModelChoiceField(label=_("人员"), required=False, queryset=None, empty_label=_("— 全部人员 —"))
    date_from = forms.DateField(label=_("到期日自"), required=False, widget=forms.DateInput(attrs=DATE_ATTRS),
                                validators=[check_bounds],
                                error_messages={"invalid": _("请输入有效日期,格式为 2026-11-29。")})
    date_to = forms.DateField(label=_("到期日至"), required=False, widget=forms.DateInput(attrs=DATE_ATTRS),
                              validators=[check_bounds],
                              error_messages={"invalid": _("请输入有效日期,格式为 2026-11-29。")})

    def __init__(self, *args, platform, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform
        self.fields["person"].queryset = get_user_model().objects.filter(
            memberships__platform=platform).order_by("username")
        self.fields["obligation"].queryset = Obligation.objects.filter(platform=platform).select_related(
            "clause").order_by("clause__ordinal", "key")
        self.fields["obligation"].label_from_instance = lambda ob: f"{ob.clause.number} {ob.title}"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return data

    def queryset(self, *, now):
        """The rows the filter selects; none when a filter is invalid (a filter that
        cannot be read must not widen into every row, on the page or in the export)."""
        tz = self.platform.tz
        qs = Occurrence.objects.filter(platform=self.platform)
        if self.is_bound and not self.is_valid():
            return qs.none()
        data = self.cleaned_data if self.is_bound else {}
        if data.get("clause"):
            qs = qs.filter(obligation__clause__number=data["clause"])
        if data.get("state"):
            qs = qs.filter(state=data["state"])
        if data.get("obligation"):
            qs = qs.filter(obligation=data["obligation"])
        if data.get("overdue"):
            qs = qs.filter(state__in=Occurrence.TODO_STATES, due_at__lt=now)
        if data.get("due_soon"):
            qs = qs.filter(state=Occurrence.State.OPEN, due_at__gte=now, due_at__lte=now + timedelta(days=SOON_DAYS))
        if data.get("person"):
            person = data["person"]
            qs = qs.filter(Q(completed_by=person) | Q(obligation__assignees=person)).distinct()
        qs = due_on_days(qs, data.get("date_from"), data.get("date_to"), tz)
        return qs.select_related("obligation", "clause", "completed_by", "platform", "case").order_by("due_at", "id")
