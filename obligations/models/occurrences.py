from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .letters import Clause
from .schedules import Obligation
from .tenancy import Platform


class Occurrence(models.Model):
    """One due instance of one obligation. Its identity is deterministic
    (obligation, period start, sequence) so generating twice never duplicates."""

    class State(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        DONE_LATE = "done_late", _("逾期完成")
        MISSED = "missed", _("未完成")
        WAIVED = "waived", _("已豁免")

    # Still to do: completable, listed, reminded and escalated. A missed task can still be done (late).
    TODO_STATES = (State.OPEN, State.MISSED)
    # Done, on time or not: what a period's figures count as kept.
    DONE_STATES = (State.DONE, State.DONE_LATE)

    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="occurrences",
                                   verbose_name=_("义务"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="occurrences", verbose_name=_("平台"))
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="occurrences", verbose_name=_("条款"))
    period_start = models.DateTimeField(_("周期开始"))
    period_end = models.DateTimeField(_("周期结束"))
    sequence = models.PositiveIntegerField(_("序号"), default=1)  # for a case: the deadline step, 1-based
    case = models.ForeignKey("obligations.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="clocks", db_index=False, verbose_name=_("案件"))  # indexed where set (Meta)
    opens_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("到期时间"))
    # due_at + the obligation's grace: past it an open occurrence is missed.
    close_at = models.DateTimeField(_("截止时间"))
    provisional = models.BooleanField(_("临时日历"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    state_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    missed_at = models.DateTimeField(_("判定未完成时间"), null=True, blank=True)
    waived_reason = models.TextField(_("豁免理由"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,  # indexed where set (Meta)
        verbose_name=_("完成人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Which messages about this task were planned, a bit per kind (alerts/told.py): set in the
    # transaction that writes the message, or the catch-up that counts it, so each is planned once.
    told = models.PositiveSmallIntegerField(_("已通知"), default=0, db_default=0)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation", "period_start", "sequence"], condition=Q(case__isnull=True),
                name="occurrence_identity",
            ),
            models.UniqueConstraint(
                fields=["obligation", "case", "sequence"], condition=Q(case__isnull=False), name="case_clock_identity"
            ),
            models.CheckConstraint(condition=Q(opens_at__lte=models.F("due_at")), name="opens_before_due"),
            models.CheckConstraint(
                condition=~Q(state="waived") | ~Q(waived_reason=""), name="waiver_has_reason"
            ),
        ]
        indexes = [
            # Used by the close-out sweep (sweeps.close_out): open rows past close_at.
            models.Index(fields=["close_at"], condition=Q(state="open"), name="occurrence_open_close_idx"),
            models.Index(fields=["platform", "due_at"], name="occurrence_platform_due_idx"),
            # Most tasks have no case and, until done, no doer: their foreign keys are indexed
            # only where set, so a task written while these stay empty (marked told, missed)
            # adds no entry to them. A lookup by case or doer (PROTECT's check) names a value.
            models.Index(fields=["case"], condition=Q(case__isnull=False), name="occurrence_case_idx"),
            models.Index(fields=["completed_by"], condition=Q(completed_by__isnull=False),
                         name="occurrence_completed_by_idx"),
            # Used by the planner (alerts/candidates.py): tasks still to do whose escalations are not
            # both planned (told < 12: the officer's bit 4 or the group's bit 8 unset), so a minute
            # with nothing new reads a few rows, not every missed task of the look-back.
            models.Index(fields=["due_at"], condition=Q(state__in=("open", "missed"), told__lt=12),
                         name="occurrence_untold_idx"),
            # The same for reminders: open tasks whose opening or due-soon bit (1, 2) is unset
            # (alerts/told.UNREMINDED), by when they opened, so a quiet minute reads the tasks
            # opened and not yet reminded, not every open task.
            models.Index(fields=["opens_at"],
                         condition=Q(state="open", told__in=[0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]),
                         name="occurrence_unreminded_idx"),
            # Used by the webhook sweep (alerts/webhooks.py): the tasks marked missed lately.
            models.Index(fields=["missed_at"], condition=Q(missed_at__isnull=False), name="occurrence_missed_idx"),
        ]

    def __str__(self):
        return f"{self.obligation.key} #{self.sequence} {self.due_at:%Y-%m-%d %H:%M}"

    # Every step a clock may have, in the order they fall due, named in the reader's language.
    STEP_LABELS = {"respond": _("响应"), "decide": _("处理意见"), "recover": _("恢复"), "fix": _("整改"),
                   "close": _("办结")}

    @property
    def step_label(self):
        return self.STEP_LABELS.get(self.step, self.step)

    @property
    def deadline(self) -> dict | None:
        """A case clock's deadline step as the obligation holds it ({"step", "amount", "unit", …})."""
        if self.case_id and 0 < self.sequence <= len(self.obligation.deadlines):
            return self.obligation.deadlines[self.sequence - 1]
        return None

    @property
    def step(self):
        """The deadline step of a case clock (respond, decide, recover, fix)."""
        deadline = self.deadline
        return deadline["step"] if deadline else ""

    @property
    def is_completed(self):
        return self.state in self.DONE_STATES


class Completion(models.Model):
    """Who completed an occurrence, when, with what note. Never edited: a reopen marks
    it reopened and a new completion follows, pointing to the one it corrects."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="completions",
                                   verbose_name=_("任务"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("完成人"))
    completed_at = models.DateTimeField(_("完成时间"))
    note = models.TextField(_("说明"), blank=True)
    late = models.BooleanField(_("逾期"), default=False)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
                                 verbose_name=_("更正的记录"))
    reopened_at = models.DateTimeField(_("重新打开时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("重新打开人")
    )
    reopen_reason = models.TextField(_("重新打开原因"), blank=True)

    class Meta:
        verbose_name = _("完成记录")
        verbose_name_plural = _("完成记录")
        ordering = ["completed_at"]
        constraints = [
            # At most one live (not reopened) completion per occurrence: a double submit
            # completes once.
            models.UniqueConstraint(
                fields=["occurrence"], condition=Q(reopened_at__isnull=True), name="one_live_completion"
            )
        ]

    def __str__(self):
        return f"{self.occurrence} · {self.user}"
