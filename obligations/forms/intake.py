"""The letter intake forms: the pasted or uploaded letter, and the officer's corrections
to each proposed obligation."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from ..letters import template as tpl
from ..letters.clocks import steps_problem
from ..letters.reading import MAX_CHARS, PASTE_TOO_LONG
from ..models import Obligation, Occurrence, Role

KINDS = [("none", _("不生成义务")), ("calendar", _("周期")), ("event", _("事件")), ("one_time", _("一次性"))]
UNITS = [("minutes", _("分钟")), ("hours", _("小时")), ("days", _("日")), ("workdays", _("工作日"))]
STEP_ROWS = 2  # deadline rows shown at least


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
    """One clause's proposed obligation, prefixed c<index>, holding every value accepting
    stores: what the form shows is what is accepted. A number field may name a blank of the
    letter as {b3}: the officer fills it before signing. Deadline steps come one row each,
    as many as the proposal has (and one more to add); a row left empty is dropped."""

    include = forms.BooleanField(label=_("生成义务"), required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=KINDS, required=False)
    title = forms.CharField(label=_("义务名称"), max_length=200, required=False)
    period = forms.ChoiceField(label=_("周期"), required=False)
    count = forms.CharField(label=_("每周期次数"), max_length=32, required=False)
    due_days_after_period = forms.CharField(label=_("周期结束后几日内到期"), max_length=32, required=False)
    trigger = forms.ChoiceField(label=_("触发事件"), choices=[("", "")] + list(Obligation.Trigger.choices),
                                required=False)
    one_time_days = forms.CharField(label=_("签订后几日内完成"), max_length=32, required=False)
    retention_years = forms.CharField(label=_("留存年限"), max_length=32, required=False,
                                      help_text=_("留空为 3 年。"))
    responsible_role = forms.ChoiceField(label=_("责任角色"), choices=Role.choices, required=False)

    NUMBERS = ("count", "due_days_after_period", "one_time_days", "retention_years")

    def __init__(self, *args, spec=None, blanks=(), **kwargs):
        spec = spec or {}
        kwargs.setdefault("initial", self.initial_from_spec(spec))
        super().__init__(*args, **kwargs)
        periods = [("{%s}" % b["name"], _("按填空:%(label)s") % {"label": b["label"]})
                   for b in blanks if b["kind"] == "period"]
        self.fields["period"].choices = [("", "—")] + list(Obligation.Period.choices) + periods
        self.number_blanks = {b["name"] for b in blanks if b["kind"] == "int"}
        # Any other number the proposal holds is shown too, so nothing is stored unseen.
        self.extra_numbers = [name for name, value in spec.items() if name not in self.fields
                              and tpl.SPEC_FIELDS.get(name, (None,))[0] is int and value not in (None, "")]
        for name in self.extra_numbers:
            self.fields[name] = forms.CharField(label=Obligation._meta.get_field(name).verbose_name, max_length=32,
                                                required=False, initial=spec[name])
        self.step_count = max(len(spec.get("deadlines") or []) + 1, STEP_ROWS, self._posted_rows())
        steps = [("", "—")] + list(Occurrence.STEP_LABELS.items())
        for i in range(1, self.step_count + 1):
            named = {n: {"aria-label": label % {"n": i}} for n, label in (
                ("step", _("第%(n)s条时限的步骤")), ("amount", _("第%(n)s条时限的时长")), ("unit", _("第%(n)s条时限的单位")))}
            self.fields[f"step{i}"] = forms.ChoiceField(label=_("步骤"), choices=steps, required=False,
                                                        widget=forms.Select(attrs=named["step"]))
            self.fields[f"amount{i}"] = forms.CharField(label=_("时限"), max_length=32, required=False,
                                                        widget=forms.TextInput(attrs=named["amount"]))
            self.fields[f"unit{i}"] = forms.ChoiceField(label=_("单位"), choices=UNITS, required=False,
                                                        widget=forms.Select(attrs=named["unit"]))
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = ("form-check-input" if isinstance(widget, forms.CheckboxInput)
                                     else "form-select form-select-sm" if isinstance(widget, forms.Select)
                                     else "form-control form-control-sm")

    @classmethod
    def initial_from_spec(cls, spec: dict) -> dict:
        initial = {"include": bool(spec), "kind": spec.get("kind", "none"), "responsible_role": "staff",
                   **{k: v for k, v in spec.items() if k in ("title", "period", "trigger", "responsible_role")},
                   **{k: spec[k] for k in cls.NUMBERS if spec.get(k) is not None}}
        for i, step in enumerate(spec.get("deadlines") or [], start=1):
            initial.update({f"step{i}": step.get("step"), f"amount{i}": step.get("amount"), f"unit{i}": step.get("unit")})
        return initial

    def _posted_rows(self) -> int:
        if not self.is_bound:
            return 0
        found = [int(m.group(1)) for k in self.data for m in [re.match(rf"{re.escape(self.prefix)}-step(\d+)$", k)] if m]
        return min(max(found, default=0), 20)

    def extra_fields(self):
        return [self[name] for name in self.extra_numbers]

    def step_rows(self):
        """(step, amount, unit) bound fields per deadline row, for the template."""
        return [(self[f"step{i}"], self[f"amount{i}"], self[f"unit{i}"]) for i in range(1, self.step_count + 1)]

    def clean(self):
        data = super().clean()
        for name in (*self.NUMBERS, *self.extra_numbers):
            self._number(data, name)
        steps, rows = [], []
        for i in range(1, self.step_count + 1):
            amount = self._number(data, f"amount{i}")
            if amount is None:
                continue
            if not data.get(f"step{i}"):
                self.add_error(f"step{i}", _("请选择这条时限的步骤。"))
                continue
            steps.append({"step": data[f"step{i}"], "amount": amount, "unit": data.get(f"unit{i}") or "hours"})
            rows.append(i)
        kind = data.get("kind") if data.get("include") else None
        if kind == "event" and not steps and not self.errors:
            self.add_error("amount1", _("事件类义务至少需要一条时限。"))
        if kind == "calendar" and not data.get("period"):
            self.add_error("period", _("周期性义务请选择周期。"))
        if kind == "one_time" and data.get("one_time_days") is None and "one_time_days" not in self.errors:
            self.add_error("one_time_days", _("一次性义务请填写签署后几日内完成。"))
        if problem := steps_problem(steps):
            self.add_error(f"amount{rows[problem[0]]}", problem[1])
        data["deadlines"] = steps
        return data

    def _number(self, data, name):
        """A whole number or a blank reference {b3}; an error beside the field otherwise."""
        value = str(data.get(name) or "").strip()
        if not value:
            data[name] = None
        elif value.isdigit():
            data[name] = int(value)
        elif (ref := tpl.REF.match(value.replace(" ", ""))) and ref.group(1) in self.number_blanks:
            data[name] = value.replace(" ", "")
        elif ref:
            self.add_error(name, _("本承诺书没有名为“%(name)s”的填空。") % {"name": ref.group(1)})
            data[name] = None
        else:
            self.add_error(name, _("请输入一个整数,或填空名(例如 {b3})。"))
            data[name] = None
        return data[name]
