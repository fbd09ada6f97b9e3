"""A letter version prepared for its page: preamble and signature filled, clauses by
section, each with a one-line summary of the obligations it raises."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..models import Letter, Obligation, Occurrence
from ..schedule.workdays import step_deadline
from ..wording import enumeration
from . import template as tpl

UNITS = {"minutes": gettext_lazy("分钟"), "hours": gettext_lazy("小时"), "days": gettext_lazy("日"),
         "workdays": gettext_lazy("个工作日")}


def duration(amount, unit: str) -> str:
    """24小时, 7日, 5个工作日 (24 hours, 7 days, 5 working days); a draft's unfilled blank
    ("{complaint_response_hours}", or nothing yet) as it stands."""
    if not (isinstance(amount, int) or (isinstance(amount, str) and amount.isdigit())):
        return f"{amount if amount is not None else '?'}{UNITS.get(unit, '')}"
    n = int(amount)
    phrase = {
        "minutes": ngettext("%(n)d分钟", "%(n)d分钟", n),
        "hours": ngettext("%(n)d小时", "%(n)d小时", n),
        "days": ngettext("%(n)d日", "%(n)d日", n),
        "workdays": ngettext("%(n)d个工作日", "%(n)d个工作日", n),
    }.get(unit)
    return phrase % {"n": n} if phrase else f"{amount}{unit}"


def deadline_phrase(step: dict, severity: str = "") -> str:
    """One deadline step of an event obligation in words, its severity tier applied:
    24小时内响应, 7日内给出处理意见."""
    amount, unit = step_deadline(step, severity)
    within = duration(amount, unit)
    phrases = {"respond": _("%(within)s内响应"), "decide": _("%(within)s内给出处理意见"),
               "recover": _("%(within)s内恢复"), "fix": _("%(within)s内整改")}
    if step.get("step") in phrases:
        return phrases[step["step"]] % {"within": within}
    label = Occurrence.STEP_LABELS.get(step.get("step"), step.get("step", ""))
    return _("%(within)s内完成“%(step)s”") % {"within": within, "step": label}


def obligation_line(spec: dict) -> str:
    """安全检查(每日 × 3), 季度汇报(每季度结束后15日内 × 1), 投诉举报处理(respond 24小时, decide 7日) …"""
    kind = spec["kind"]
    if kind == "calendar":
        period = dict(Obligation.Period.choices).get(spec["period"], spec["period"] or "?")
        if spec.get("due_days_after_period"):
            period = _("%(period)s结束后%(days)s日内") % {"period": period, "days": spec["due_days_after_period"]}
        times = f" @ {enumeration(spec['times_of_day'])}" if spec.get("times_of_day") else ""
        return _("%(title)s(%(period)s × %(count)s%(times)s)") % {
            "title": spec["title"], "period": period, "count": spec["count"], "times": times}
    if kind == "event":
        steps = enumeration(duration(d.get("amount"), d.get("unit")) for d in spec["deadlines"])
        return _("%(title)s(%(trigger)s:%(steps)s)") % {
            "title": spec["title"], "trigger": dict(Obligation.Trigger.choices).get(spec["trigger"], ""), "steps": steps}
    return _("%(title)s(签订后%(days)s日内)") % {"title": spec["title"], "days": spec["one_time_days"]}


def letter_page(letter: Letter) -> dict:
    sections: dict[str, dict] = {}
    for clause in letter.clauses.order_by("ordinal"):
        clause.obligation_lines = [obligation_line(tpl.resolve_spec(s, letter.values, letter.blanks))
                                   for s in clause.specs]
        section = sections.setdefault(clause.section, {"number": clause.section, "clauses": [],
                                                       "title": letter.sections.get(clause.section, clause.section_title)})
        section["clauses"].append(clause)
    return {
        "letter": letter,
        "preamble": tpl.render(letter.preamble, letter.values, letter.blanks) if letter.preamble else "",
        "signature": tpl.render(letter.signature, letter.values, letter.blanks) if letter.signature else "",
        "sections": list(sections.values()),
    }
