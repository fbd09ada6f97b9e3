"""What signing sets going at once: the new schedule is raised right away, not at the
next sweep, and when the letter's stated signing date lies in the past the periods
since then count as missed or, as the officer chose, not applicable."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Letter, Occurrence
from ..trust.audit import audit_record
from .sweeps import obligations_materialize, occurrences_close_out

NOT_APPLICABLE_REASON = _("签订日期之前的周期,按签署时的选择不计入考核。")


@transaction.atomic
def letter_adopt(*, letter: Letter, user=None, now) -> dict:
    """Materialize the platform's obligations; settle the periods due before signing."""
    created = obligations_materialize(now=now, platform=letter.platform)
    before = Occurrence.objects.filter(platform=letter.platform, case__isnull=True, due_at__lt=now,
                                       obligation__starts_at__lt=letter.signed_at,
                                       state__in=Occurrence.TODO_STATES, completions__isnull=True)
    waived = 0
    if letter.past_periods == Letter.PastPeriods.NOT_APPLICABLE:
        ids = list(before.select_for_update(of=("self",)).order_by("id").values_list("id", flat=True))
        if ids:
            # The waiver on record first, naming each task (the database asks for it, migration 0014;
            # verify_audit derives the tasks' states from it).
            audit_record(at=now, action="occurrences.waive", obj=letter, actor=user, platform=letter.platform,
                         data={"occurrences": ids, "reason": str(NOT_APPLICABLE_REASON)})
            waived = Occurrence.objects.filter(id__in=ids).update(
                state=Occurrence.State.WAIVED, waived_reason=str(NOT_APPLICABLE_REASON), state_changed_at=now)
    missed = occurrences_close_out(now=now)
    if waived or missed:
        audit_record(at=now, action="letter.adopt", obj=letter, actor=user, platform=letter.platform,
                     data={"created": created, "waived": waived, "missed": missed})
    return {"created": created, "waived": waived, "missed": missed}
