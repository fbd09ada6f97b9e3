"""Services on one occurrence: complete, reopen, waive. Each locks the row, refuses a
state it does not expect (a double click completes once), and writes the audit trail."""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import Completion, Occurrence
from ..schedule.local_time import zoned
from ..trust.audit import audit_record

# Steps of a case whose completion note is the outcome itself, so it may not be empty:
# the decision (处理意见) on a complaint, which the complainant reads on the status page.
NOTE_REQUIRED_STEPS = ("decide",)


def note_required(occurrence: Occurrence) -> bool:
    return bool(occurrence.case_id) and occurrence.step in NOTE_REQUIRED_STEPS


def _locked(occurrence: Occurrence, **annotations) -> Occurrence:
    """The occurrence's row locked and read again. Only its own row (`of`): the obligation and
    the platform are read, not locked, so check-offs never queue behind a sweep or a member
    change that holds them."""
    return (Occurrence.objects.select_for_update(of=("self",)).select_related("obligation", "platform")
            .annotate(**annotations).get(pk=occurrence.pk))


def _reopened_completion():
    """The task's last reopened completion, which a new one corrects (read with the lock)."""
    return Subquery(Completion.objects.filter(occurrence=OuterRef("pk"), reopened_at__isnull=False)
                    .order_by("-completed_at").values("pk")[:1])


@transaction.atomic
def occurrence_complete(*, occurrence: Occurrence, user, note: str = "", now, evidence_count: int = 0,
                        attach=None) -> Completion:
    """Record a completion. `attach(completion)` stores the evidence inside the same
    transaction, so a failed upload leaves neither a completion nor a file record."""
    occ = _locked(occurrence, corrects_id=_reopened_completion())
    if occ.state not in Occurrence.TODO_STATES:
        if occ.completed_by_id:
            raise DomainError(_("该任务已由 %(user)s 完成,无需重复提交。") % {"user": occ.completed_by})
        raise DomainError(_("该任务已是“%(state)s”状态,无需重复提交。") % {"state": occ.get_state_display()})
    if occ.opens_at > now:
        raise DomainError(_("该任务尚未开始(%(opens)s 开始),暂不能完成。") % {"opens": zoned(occ.opens_at, occ.platform.tz)})
    if note_required(occ) and not (note or "").strip():
        raise DomainError(_("请填写处理意见:它是对投诉的正式答复,投诉人凭查询码可以看到。"), field="note")
    if occ.obligation.evidence_required and evidence_count < 1:
        raise DomainError(_("该义务要求提交佐证材料(%(what)s),请上传至少一个文件。")
                          % {"what": occ.obligation.evidence_description or _("佐证材料")}, field="files")
    late = now > occ.due_at
    completion = Completion.objects.create(occurrence=occ, user=user, completed_at=now, note=note, late=late,
                                           corrects_id=occ.corrects_id)
    if attach is not None:
        attach(completion)
    occ.state = Occurrence.State.DONE_LATE if late else Occurrence.State.DONE
    occ.completed_at, occ.completed_by, occ.state_changed_at = now, user, now
    occ.save(update_fields=["state", "completed_at", "completed_by", "state_changed_at"])
    audit_record(at=now, action="occurrence.complete", obj=occ, actor=user, platform=occ.platform,
                 data={"state": occ.state, "completion": completion.pk, "late": late})
    # The caller's instance as the row now stands (it was locked and written here).
    for field in ("state", "completed_at", "completed_by", "state_changed_at"):
        setattr(occurrence, field, getattr(occ, field))
    return completion


@transaction.atomic
def occurrence_reopen(*, occurrence: Occurrence, user, reason: str, now) -> Occurrence:
    """Undo a completion: it stays on record, marked reopened, with the reason."""
    if not reason.strip():
        raise DomainError(_("重新打开任务必须填写理由。"), field="reason")
    occ = _locked(occurrence)
    if not occ.is_completed:
        raise DomainError(_("只有已完成的任务可以重新打开。"))
    Completion.objects.filter(occurrence=occ, reopened_at__isnull=True).update(
        reopened_at=now, reopened_by=user, reopen_reason=reason)
    occ.state = Occurrence.State.OPEN if now < occ.close_at else Occurrence.State.MISSED
    occ.completed_at, occ.completed_by, occ.state_changed_at = None, None, now
    occ.save(update_fields=["state", "completed_at", "completed_by", "state_changed_at"])
    audit_record(at=now, action="occurrence.reopen", obj=occ, actor=user, platform=occ.platform,
                 data={"reason": reason, "state": occ.state})
    return occ


@transaction.atomic
def occurrence_waive(*, occurrence: Occurrence, user, reason: str, now) -> Occurrence:
    if not reason.strip():
        raise DomainError(_("豁免任务必须填写理由。"), field="reason")
    occ = _locked(occurrence)
    if occ.state not in Occurrence.TODO_STATES:
        raise DomainError(_("该任务已是“%(state)s”状态,不能豁免。") % {"state": occ.get_state_display()})
    # The record first: the database lets a task become waived only with its waiver on record (0014).
    audit_record(at=now, action="occurrence.waive", obj=occ, actor=user, platform=occ.platform,
                 data={"reason": reason})
    occ.state, occ.waived_reason, occ.state_changed_at = Occurrence.State.WAIVED, reason, now
    occ.save(update_fields=["state", "waived_reason", "state_changed_at"])
    return occ
