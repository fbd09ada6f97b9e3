"""The deadline steps of one clock (a complaint's respond, then decide …): each step once,
and none due before the step ahead of it. The intake form, the clause editor, the template
check and signing all ask `steps_problem`."""

from django.utils.translation import gettext as _

from ..models import Occurrence
from .presentation import duration

# The least a duration lasts, in minutes: N working days last at least N days.
LEAST_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60, "workdays": 24 * 60}


def least_minutes(step: dict) -> int | None:
    """How long a step's deadline lasts at least, or None while its amount is a blank."""
    amount = step.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or step.get("unit") not in LEAST_MINUTES:
        return None
    return amount * LEAST_MINUTES[step["unit"]]


def step_label(name) -> str:
    return str(Occurrence.STEP_LABELS.get(name, name))


def steps_problem(steps: list[dict]) -> tuple[int, str] | None:
    """(index of the first wrong step, why) or None. Steps whose amount is still a blank are
    compared once it is filled (signing asks again with the filled values)."""
    seen, ahead = set(), None
    for i, step in enumerate(steps):
        name = step.get("step")
        if name in seen:
            return i, _("步骤“%(step)s”出现了两次:同一计时的每个步骤只能有一条时限。") % {"step": step_label(name)}
        seen.add(name)
        minutes = least_minutes(step)
        if minutes is None:
            continue
        if ahead is not None and minutes < ahead[1]:
            before = ahead[0]
            return i, _("“%(later)s”(%(after)s)会早于它前面的“%(earlier)s”(%(before)s)到期:同一计时的步骤须按先后"
                        "排列,请调整时限或步骤。") % {
                "later": step_label(name), "after": duration(step["amount"], step["unit"]),
                "earlier": step_label(before.get("step")), "before": duration(before["amount"], before["unit"])}
        ahead = (step, minutes)
    return None
