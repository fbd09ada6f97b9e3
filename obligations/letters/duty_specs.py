"""What a proposed duty's spec must say beyond its schedule (issue #20, readings):

- an average or a ratio (平均响应时长不超过N分钟, 不低于5%) is a figure reported per
  period, never a per-case clock;
- the supervisory group's report (监督小组…汇报) is the quarterly review's: the group
  (responsible role supervisor) reports after the quarter and closing the review completes it;
- staffing and 7×24 are standing duties, attested once a period;
- 定期, 及时, 适时, 立即, 完整保存 leave a number open: a blank the officer fills before
  signing, never a default.
"""

import re

from django.utils.translation import gettext as _

_GROUP = re.compile(r"监督小组|监督委员会|监督组")
_REPORTS = re.compile(r"汇报|报告")
_URGENT = ("立即", "立刻", "马上", "第一时间", "尽快", "及时", "规定时限", "规定期限")
_KEEP_WHOLE = re.compile(r"完整保存|妥善保存|完整留存")
INT_BLANK = {"min": 1, "max": 100000}


class DutySpecs:
    """One duty's readings, and the blanks it adds to the letter (add_blank: label, kind → name)."""

    def __init__(self, *, number: str, text: str, spans: list[dict], add_blank):
        self.number, self.text, self.add_blank = number, text, add_blank
        self.means = {s["means"].split(":")[0] for s in spans}
        self.vague = [s["means"].partition(":")[2] for s in spans if s["means"].startswith("review:")]
        self.notes: list[str] = []

    @property
    def measure(self) -> bool:
        return bool(self.means & {"measure", "ratio"})

    @property
    def standing(self) -> bool:
        return bool(self.means & {"staffing", "continuous"})

    @property
    def urgent(self) -> str | None:
        return next((w for w in self.vague if w in _URGENT), None)

    def blank(self, label: str, kind: str, **extra) -> str:
        return "{" + self.add_blank(label, kind, **extra) + "}"

    def time_blank(self) -> str:
        """A time limit the letter writes as a blank the reading could not place."""
        return self.blank(_("%(number)s 的时限") % {"number": self.number}, "int", **INT_BLANK)

    def period_blank(self) -> tuple[str, str]:
        """A period the letter leaves open, and the added term that shows it."""
        if self.measure:
            label = _("%(number)s 的统计报告周期") % {"number": self.number}
        elif self.standing:
            label = _("%(number)s 的确认周期(持续义务)") % {"number": self.number}
        else:
            word = next((w for w in self.vague if w in ("定期", "不定期", "适时")), "定期")
            label = _("%(number)s 的周期(“%(word)s”)") % {"number": self.number, "word": word}
        self.notes.append(_("承诺书未写明周期,请在签署前选定。"))
        period = self.blank(label, "period")
        return period, _("周期:") + period

    def settle(self, spec: dict, addendum: str) -> tuple[dict, str]:
        spec, added = dict(spec), [addendum] if addendum else []
        kind = spec["kind"]
        if kind == "calendar" and self.measure:
            spec.update(responsible_role="officer", evidence_description=_("统计报告"),
                        title=_("统计报告:%(what)s") % {"what": spec["title"]})
            self.notes.append(_("平均值或比例:按周期统计报告,不是逐件计时。"))
        elif kind == "calendar" and self.standing:
            spec.update(responsible_role="officer", evidence_description=_("排班表与人员名单"),
                        title=_("持续义务确认:%(what)s") % {"what": spec["title"]})
            self.notes.append(_("持续义务:每个周期确认一次人员配置与值守到位。"))
        if kind == "calendar" and _GROUP.search(self.text) and _REPORTS.search(self.text):
            spec["responsible_role"] = "supervisor"
            if spec.get("period") == "quarterly" and "due_days_after_period" not in spec:
                days = self.blank(_("%(number)s 监督小组汇报时限(季度结束后日数)") % {"number": self.number},
                                  "int", min=1, max=60)
                spec["due_days_after_period"] = days
                added.append(_("每季度的汇报于该季度结束后%(days)s日内完成。") % {"days": days})
            self.notes.append(_("监督小组的季度汇报:由季度审查完成,审查关闭即完成汇报。"))
        word = self.urgent
        if kind == "event" and not spec.get("deadlines"):
            unit = "days" if word in (None, "及时") else "hours"
            amount = self.blank(_("%(number)s 的时限(“%(word)s”)") % {"number": self.number, "word": word or "—"},
                                "int", **INT_BLANK)
            spec["deadlines"] = [{"step": "respond", "amount": amount, "unit": unit}]
            added.append(_("时限:%(amount)s%(unit)s内。") % {"amount": amount,
                                                          "unit": _("小时") if unit == "hours" else _("日")})
            self.notes.append(_("承诺书未写明时限,请在签署前填写。"))
        if kind == "one_time" and word:
            days = self.blank(_("%(number)s 的完成时限(签订后日数,“%(word)s”)") % {"number": self.number, "word": word},
                              "int", min=1, max=365)
            spec["one_time_days"] = days
            added.append(_("于签订之日起%(days)s日内完成。") % {"days": days})
        if _KEEP_WHOLE.search(self.text) and "retention_years" not in spec:
            years = self.blank(_("%(number)s 的保存年限(“完整保存”)") % {"number": self.number}, "int", min=1, max=30)
            spec["retention_years"] = years
            added.append(_("相关资料保存%(years)s年。") % {"years": years})
        return spec, " ".join(added)
