"""Forms of the clause editor: a clause's text, a clause of the platform's own, a removal
with its reason, and an obligation with every field the model has.

Numbers may name a number blank of the letter as {name}; the period may name a period
blank. The forms check what they can in the user's language, field by field; the
services check again (obligations/letters/drafting.py) and their refusal is shown too.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl
from ..letters.clocks import steps_problem
from ..letters.presentation import UNITS
from ..models import Obligation, Occurrence, Role

REQUIRED = {"required": _("请填写此项。")}
TIME_SEPARATORS = re.compile(r"[\s,,、;;]+")
TIME = re.compile(r"^(\d{1,2})[::](\d{2})$")
DEADLINE_ROWS = 3
TIERS = {"serious": _("严重"), "critical": _("特别严重")}


def _label(name):
    return Obligation._meta.get_field(name).verbose_name


class ClauseForm(forms.Form):
    title = forms.CharField(label=_("条款标题"), max_length=100, required=False)
    text = forms.CharField(label=_("条款原文(含填空)"), widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("条款内容不能为空。")},
                           help_text=_("填空写作 {名称},例如 {checks_per_day};签署时填入所填的值。"))
    addendum = forms.CharField(label=_("补充约定(含填空)"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                               help_text=_("承诺书正文未写明、但排期需要的约定,例如期限。"))


class ClauseAddForm(forms.Form):
    section = forms.ChoiceField(label=_("所属部分"), error_messages={"required": _("请选择条款所属的部分。")})
    title = forms.CharField(label=_("条款标题"), max_length=100, required=False)
    text = forms.CharField(label=_("条款内容(可含填空)"), widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("条款内容不能为空。")})

    def __init__(self, *args, sections: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("请选择"))] + [(n, f"{n}、{t}") for n, t in sections.items()]


class ClauseRemoveForm(forms.Form):
    reason = forms.CharField(label=_("删除理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("删除条款必须填写理由。")})


class BlankOrNumberField(forms.CharField):
    """A whole number, or a reference {name} to a number blank of the letter."""

    def __init__(self, *, blanks=(), min_value=0, max_value=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", REQUIRED)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "40")
        self.blanks = {b["name"]: b for b in blanks}
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        value = super().to_python(value).strip()
        if value in self.empty_values:
            return None
        ref = tpl.REF.match(value.replace(" ", ""))
        if ref or value.startswith("{"):
            return _blank_reference(ref, value, self.blanks, ("int",))
        try:
            number = int(value)
        except ValueError:
            raise forms.ValidationError(
                _("请输入一个整数(例如 3),或引用一个数字填空,例如 {checks_per_day}。"), code="invalid") from None
        if number < self.min_value:
            raise forms.ValidationError(_("不能小于 %(limit)s。") % {"limit": self.min_value}, code="min_value")
        if self.max_value is not None and number > self.max_value:
            raise forms.ValidationError(_("不能大于 %(limit)s,请核对是否填写有误。") % {"limit": self.max_value},
                                        code="max_value")
        return number


def _blank_reference(ref, value, blanks, kinds):
    if ref is None:
        raise forms.ValidationError(_("“%(value)s”不是填空引用:请写成 {名称},例如 {checks_per_day}。")
                                    % {"value": value}, code="invalid")
    name = ref.group(1)
    if name not in blanks:
        raise forms.ValidationError(_("本承诺书没有名为“%(name)s”的填空。") % {"name": name}, code="unknown_blank")
    if blanks[name]["kind"] not in kinds:
        raise forms.ValidationError(_("填空“%(label)s”不是数字,不能用在这里。") % {"label": blanks[name]["label"]},
                                    code="wrong_blank")
    return "{%s}" % name


def _cell(widget, label, **params):
    """A widget in a table cell: styled, named for screen readers."""
    css = "form-select form-select-sm" if widget is forms.Select else "form-control form-control-sm"
    return widget(attrs={"class": css, "aria-label": str(label) % params})


def parse_times(text: str) -> list[str]:
    """"9:00, 15:00、21:00" -> ["09:00", "15:00", "21:00"], sorted; refused with the reason."""
    times = []
    for part in filter(None, TIME_SEPARATORS.split(text or "")):
        m = TIME.match(part)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise forms.ValidationError(_("“%(value)s”不是有效的时刻,请写成 09:00 的形式,多个时刻用逗号分隔。")
                                        % {"value": part}, code="invalid")
        t = f"{int(m.group(1)):02d}:{m.group(2)}"
        if t in times:
            raise forms.ValidationError(_("时刻 %(time)s 填写了两次。") % {"time": t}, code="duplicate")
        times.append(t)
    return sorted(times)


class ObligationSpecForm(forms.Form):
    """One obligation of a clause, every field of the model. `spec()` gives the dict the
    service takes; `from_spec()` the form's initial values for an existing one."""

    title = forms.CharField(label=_label("title"), max_length=200, error_messages={"required": _("请填写义务名称。")})
    key = forms.CharField(label=_label("key"), max_length=32, required=False,
                          help_text=_("留空则自动生成。修订时标识不变,义务的任务记录随之延续。"))
    kind = forms.ChoiceField(label=_label("kind"), choices=Obligation.Kind.choices, error_messages=REQUIRED)
    # calendar
    period = forms.ChoiceField(label=_label("period"), required=False)
    count = BlankOrNumberField(label=_label("count"), min_value=1, max_value=1440,
                               help_text=_("留空时按每日到期时刻的个数,没有时刻则为 1。"))
    times_of_day = forms.CharField(label=_label("times_of_day"), required=False, max_length=400,
                                   help_text=_("仅用于“每日”周期,例如 09:00, 15:00, 21:00:第一次自零点起,"
                                               "此后每次自上一次到期时起。留空则整段周期内完成。"))
    spread = forms.BooleanField(label=_label("spread"), required=False,
                                help_text=_("把周期等分为每周期次数段,每段末到期。"))
    due_offset_minutes = BlankOrNumberField(label=_label("due_offset_minutes"), max_value=366 * 24 * 60,
                                            help_text=_("自周期开始起多少分钟到期;留空则周期结束时到期。"))
    due_days_after_period = BlankOrNumberField(label=_label("due_days_after_period"), min_value=1, max_value=366,
                                               help_text=_("汇报整个周期的事项:周期结束时开始,结束后多少日内到期"
                                                           "(例如每季度结束后15日内)。"))
    workdays_only = forms.BooleanField(label=_label("workdays_only"), required=False,
                                       help_text=_("到期日遇休息日,提前到此前最后一个工作日结束时。"))
    # event
    trigger = forms.ChoiceField(label=_label("trigger"), required=False,
                                choices=[("", _("请选择"))] + list(Obligation.Trigger.choices))
    # one-time
    one_time_days = BlankOrNumberField(label=_label("one_time_days"), max_value=3650)
    # who, proof, retention, escalation
    responsible_role = forms.ChoiceField(label=_label("responsible_role"), choices=Role.choices,
                                         error_messages=REQUIRED)
    evidence_required = forms.BooleanField(label=_label("evidence_required"), required=False)
    evidence_description = forms.CharField(label=_label("evidence_description"), max_length=200, required=False)
    retention_years = BlankOrNumberField(label=_label("retention_years"), min_value=1, max_value=100,
                                         help_text=_("留空为 3 年(个人信息保护法第五十六条)。"))
    grace_minutes = BlankOrNumberField(label=_label("grace_minutes"), max_value=366 * 24 * 60,
                                       help_text=_("到期后多少分钟内完成仍不计为未完成;留空为 0。"))
    escalate_officer_minutes = BlankOrNumberField(label=_label("escalate_officer_minutes"), max_value=366 * 24 * 60,
                                                  help_text=_("留空则按周期类型的默认值。"))
    escalate_group_minutes = BlankOrNumberField(label=_label("escalate_group_minutes"), max_value=366 * 24 * 60,
                                                help_text=_("留空则在计为未完成时上报。"))

    COMMON = ("key", "title", "kind", "responsible_role", "evidence_required", "evidence_description",
              "retention_years", "grace_minutes", "escalate_officer_minutes", "escalate_group_minutes")
    BY_KIND = {"calendar": ("period", "count", "times_of_day", "spread", "due_offset_minutes", "due_days_after_period",
                            "workdays_only"),
               "event": ("trigger", "deadlines"), "one_time": ("one_time_days",)}

    def __init__(self, *args, blanks=(), values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.blanks = {b["name"]: b for b in blanks}
        self.letter_values = values or {}
        for field in self.fields.values():
            if isinstance(field, BlankOrNumberField):
                field.blanks = self.blanks
        periods = [b for b in blanks if b["kind"] == "period"]
        self.fields["period"].choices = [("", _("请选择"))] + list(Obligation.Period.choices) + [
            ("{%s}" % b["name"], _("按填空:%(label)s") % {"label": b["label"]}) for b in periods]
        steps = dict(Occurrence.STEP_LABELS)
        initial_deadlines = self.initial.get("deadlines") or []
        for step in initial_deadlines:
            steps.setdefault(step.get("step"), step.get("step"))
        rows = max(DEADLINE_ROWS, len(initial_deadlines) + 1, self._posted_rows())
        self.deadline_count = rows
        units = [("", "—")] + [(u, label) for u, label in UNITS.items()]
        for i in range(rows):
            initial = initial_deadlines[i] if i < len(initial_deadlines) else {}
            p = f"deadline_{i}_"
            self.fields[p + "step"] = forms.ChoiceField(label=_("步骤"), required=False, initial=initial.get("step"),
                                                        choices=[("", "—")] + list(steps.items()),
                                                        widget=_cell(forms.Select, _("第%(n)s条时限的步骤"), n=i + 1))
            self.fields[p + "amount"] = BlankOrNumberField(label=_("时长"), blanks=blanks, max_value=100000,
                                                           initial=initial.get("amount"),
                                                           widget=_cell(forms.TextInput, _("第%(n)s条时限的时长"), n=i + 1))
            self.fields[p + "unit"] = forms.ChoiceField(label=_("单位"), required=False, choices=units,
                                                        initial=initial.get("unit"),
                                                        widget=_cell(forms.Select, _("第%(n)s条时限的单位"), n=i + 1))
            for tier, tier_label in TIERS.items():
                tier_initial = (initial.get("tiers") or {}).get(tier, {})
                self.fields[f"{p}{tier}_amount"] = BlankOrNumberField(
                    label=_("时长"), blanks=blanks, max_value=100000, initial=tier_initial.get("amount"),
                    widget=_cell(forms.TextInput, _("第%(n)s条时限(%(tier)s)的时长"), n=i + 1, tier=tier_label))
                self.fields[f"{p}{tier}_unit"] = forms.ChoiceField(
                    label=_("单位"), required=False, choices=units, initial=tier_initial.get("unit"),
                    widget=_cell(forms.Select, _("第%(n)s条时限(%(tier)s)的单位"), n=i + 1, tier=tier_label))

    def _posted_rows(self) -> int:
        if not self.is_bound:
            return 0
        found = [int(m.group(1)) for k in self.data for m in [re.match(r"deadline_(\d+)_step$", k)] if m]
        return min(max(found, default=-1) + 1, 20)

    @classmethod
    def initial_from_spec(cls, spec: dict) -> dict:
        initial = {**tpl.SPEC_DEFAULTS, **spec}
        initial["times_of_day"] = ", ".join(initial.get("times_of_day") or [])
        return {k: ("" if v is None else v) for k, v in initial.items()}

    def deadline_rows(self):
        """(step, amount, unit, [(tier label, amount, unit)]) bound fields per row, for the template."""
        return [{
            "index": i,
            "step": self[f"deadline_{i}_step"], "amount": self[f"deadline_{i}_amount"],
            "unit": self[f"deadline_{i}_unit"],
            "tiers": [{"label": label, "amount": self[f"deadline_{i}_{t}_amount"], "unit": self[f"deadline_{i}_{t}_unit"]}
                      for t, label in TIERS.items()],
        } for i in range(self.deadline_count)]

    def clean_times_of_day(self):
        return parse_times(self.cleaned_data.get("times_of_day", ""))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Obligation.Kind.CALENDAR:
            self._clean_calendar(data)
        elif kind == Obligation.Kind.EVENT:
            self._clean_event(data)
        elif kind == Obligation.Kind.ONE_TIME and data.get("one_time_days") is None and "one_time_days" not in self.errors:
            self.add_error("one_time_days", _("一次性义务请填写签署后几日内完成。"))
        return data

    def _blank_value(self, value):
        ref = tpl.REF.match(value) if isinstance(value, str) else None
        return self.letter_values.get(ref.group(1)) if ref else value

    def _clean_calendar(self, data):
        period, times = data.get("period"), data.get("times_of_day") or []
        if not period and "period" not in self.errors:
            self.add_error("period", _("周期性义务请选择周期。"))
        if data.get("count") is None and "count" not in self.errors:
            data["count"] = len(times) or 1
        conflict = tpl.due_rule_conflict(data)
        if conflict:
            self.add_error(conflict[1], _("已设“%(first)s”,不能同时使用“%(second)s”:到期时间只能按一种方式确定。")
                           % {"first": _label(conflict[0]), "second": _label(conflict[1])})
        if not times or "count" in self.errors:
            return
        if period and not tpl.REF.match(period) and period != Obligation.Period.DAILY:
            self.add_error("times_of_day", _("每日到期时刻只适用于“每日”周期。"))
        count, filled = data["count"], self._blank_value(data["count"])
        if isinstance(count, int) and count != len(times):
            self.add_error("times_of_day", _("填写了%(times)s个时刻,每周期次数却为%(count)s:两者须一致。")
                           % {"times": len(times), "count": count})
        elif isinstance(filled, int) and filled != len(times):
            self.add_error("times_of_day", _("填写了%(times)s个时刻,而填空“%(label)s”现为%(count)s:两者须一致。")
                           % {"times": len(times), "count": filled, "label": self.blanks[count[1:-1]]["label"]})

    def _clean_event(self, data):
        if not data.get("trigger"):
            self.add_error("trigger", _("事件类义务请选择触发事件。"))
        steps, rows = [], []  # the steps entered, and the row each stands in
        for i in range(self.deadline_count):
            p = f"deadline_{i}_"
            if any(f"{p}{f}" in self.errors for f in ("amount", "serious_amount", "critical_amount")):
                steps.append(None)
                rows.append(i)
                continue
            step, amount, unit = data.get(p + "step"), data.get(p + "amount"), data.get(p + "unit")
            tiers = {t: (data.get(f"{p}{t}_amount"), data.get(f"{p}{t}_unit")) for t in TIERS}
            if not (step or amount is not None or unit or any(a is not None or u for a, u in tiers.values())):
                continue
            for name, value in (("step", step), ("amount", amount), ("unit", unit)):
                if value in (None, ""):
                    self.add_error(p + name, _("请填写此项:每条时限都需要步骤、时长和单位。"))
            entry = {"step": step, "amount": amount, "unit": unit}
            for tier, (t_amount, t_unit) in tiers.items():
                if (t_amount is None) != (not t_unit):
                    self.add_error(f"{p}{tier}_amount" if t_amount is None else f"{p}{tier}_unit",
                                   _("分级时限需同时填写时长和单位。"))
                elif t_amount is not None:
                    entry.setdefault("tiers", {})[tier] = {"amount": t_amount, "unit": t_unit}
            steps.append(entry)
            rows.append(i)
        if not steps:
            self.add_error("deadline_0_step", _("事件类义务至少需要一条时限。"))
        data["deadlines"] = [s for s in steps if s]
        if all(s and s["step"] for s in steps) and (problem := steps_problem(steps)):
            self.add_error(f"deadline_{rows[problem[0]]}_amount", problem[1])

    def spec(self) -> dict:
        """The spec the service takes: the fields of the chosen kind, numbers as entered."""
        data = self.cleaned_data
        names = self.COMMON + self.BY_KIND.get(data["kind"], ())
        return {name: data.get(name) for name in names}

    def error_field(self, name: str | None) -> str | None:
        """The form field a service's refusal of `name` belongs to."""
        if name == "deadlines":
            return "deadline_0_step"
        return name if name in self.fields else None
