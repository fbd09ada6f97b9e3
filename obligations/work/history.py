"""The state history of one occurrence, read from its own timestamps and the audit trail."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AuditEvent, Occurrence

ACTIONS = {
    "occurrence.complete": gettext_lazy("完成"),
    "occurrence.reopen": gettext_lazy("重新打开"),
    "occurrence.waive": gettext_lazy("豁免"),
    "evidence.add": gettext_lazy("补充佐证材料"),
}


@dataclass
class Step:
    at: datetime
    label: str
    actor: object = None
    detail: str = ""


def occurrence_history(occ: Occurrence) -> list[Step]:
    steps = [Step(occ.created_at, _("生成")), Step(occ.opens_at, _("开始")), Step(occ.due_at, _("到期"))]
    if occ.missed_at:
        steps.append(Step(occ.missed_at, _("判定为未完成")))
    events = AuditEvent.objects.filter(object_type="Occurrence", object_id=str(occ.pk)).select_related("actor")
    for event in events:
        detail = event.data.get("reason", "")
        if event.action == "occurrence.complete" and event.data.get("late"):
            detail = _("逾期完成")
        steps.append(Step(event.at, str(ACTIONS.get(event.action, event.action)), event.actor, detail))
    return sorted(steps, key=lambda s: s.at)
