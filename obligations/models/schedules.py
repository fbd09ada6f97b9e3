from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..schedule.periods import PeriodKind
from .letters import Clause
from .tenancy import Platform, Role


class Trigger(models.TextChoices):
    """The events that open a case and start the clocks of the obligations they trigger."""

    COMPLAINT = "complaint", _("投诉举报")
    INCIDENT = "incident", _("突发事件")
    FINDING = "finding", _("发现问题")


class Obligation(models.Model):
    """义务: what a clause demands, how often or on what event, who, what proof, how
    long kept. Its identity (platform, key) survives amendments: a new letter version
    repoints `clause` and updates the parameters, the occurrences stay."""

    class Kind(models.TextChoices):
        CALENDAR = "calendar", _("周期")
        EVENT = "event", _("事件")
        ONE_TIME = "one_time", _("一次性")

    class Period(models.TextChoices):
        DAILY = PeriodKind.DAILY, _("每日")
        WEEKLY = PeriodKind.WEEKLY, _("每周")
        TENDAY = PeriodKind.TENDAY, _("每旬")
        MONTHLY = PeriodKind.MONTHLY, _("每月")
        QUARTERLY = PeriodKind.QUARTERLY, _("每季度")
        HALFYEAR = PeriodKind.HALFYEAR, _("每半年")
        YEARLY = PeriodKind.YEARLY, _("每年")
        BIENNIAL = PeriodKind.BIENNIAL, _("每两年")

    Trigger = Trigger

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("平台"))
    key = models.CharField(_("标识"), max_length=32)
    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="obligations", verbose_name=_("条款"))
    title = models.CharField(_("义务"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    # calendar
    period = models.CharField(_("周期"), max_length=16, choices=Period.choices, blank=True)
    count = models.PositiveIntegerField(_("每周期次数"), default=1)
    times_of_day = models.JSONField(_("每日到期时刻"), default=list, blank=True)  # ["09:00", ...]
    spread = models.BooleanField(_("在周期内均匀分布"), default=False)
    due_offset_minutes = models.PositiveIntegerField(_("周期内到期偏移(分钟)"), null=True, blank=True)
    # A report on the period, due once it is over (四.1: 每季度结束后15日内); opens when the period ends.
    due_days_after_period = models.PositiveIntegerField(_("周期结束后到期(日)"), null=True, blank=True)
    workdays_only = models.BooleanField(_("仅工作日"), default=False)
    # event
    trigger = models.CharField(_("触发事件"), max_length=16, choices=Trigger.choices, blank=True)
    deadlines = models.JSONField(_("时限"), default=list, blank=True)  # [{"step","amount","unit"}]
    # one-time
    one_time_days = models.PositiveIntegerField(_("签署后几日内完成"), null=True, blank=True)
    # who, proof, retention
    # Who does it: these users, or, when nobody is named, every member holding the role.
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_obligations",
                                       verbose_name=_("指定执行人"))
    responsible_role = models.CharField(_("责任角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    evidence_required = models.BooleanField(_("需要佐证材料"), default=False)
    evidence_description = models.CharField(_("佐证材料"), max_length=200, blank=True)
    retention_years = models.PositiveIntegerField(_("留存年限"), default=3)
    grace_minutes = models.PositiveIntegerField(_("宽限(分钟)"), default=0)
    # Escalation, in minutes after due; empty means the default of the period kind
    # (settings.PLEDGE_ESCALATE_OFFICER), and for the group: when missed.
    escalate_officer_minutes = models.PositiveIntegerField(_("上报合规负责人(到期后分钟)"), null=True, blank=True)
    escalate_group_minutes = models.PositiveIntegerField(_("上报监督小组(到期后分钟)"), null=True, blank=True)
    # Where it comes from: a letter's clause, or a rectification action of a review
    # (which a new letter version never ends).
    from_review = models.BooleanField(_("来自季度审查的整改措施"), default=False)
    # life
    starts_at = models.DateTimeField(_("生效时间"))
    ends_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    anchor_year = models.PositiveIntegerField(_("起算年度"), default=2000)  # for 每两年
    # Occurrences opening before this instant exist; the materialize sweep moves it on.
    materialized_until = models.DateTimeField(_("任务已生成至"), null=True, blank=True)

    class Meta:
        verbose_name = _("义务")
        verbose_name_plural = _("义务")
        ordering = ["platform", "clause__ordinal", "key"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="obligation_key_unique"),
            models.CheckConstraint(
                condition=~Q(kind="calendar") | (~Q(period="") & Q(count__gte=1)),
                name="calendar_obligation_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(kind="event") | ~Q(trigger=""), name="event_obligation_has_trigger"
            ),
            models.CheckConstraint(
                condition=~Q(kind="one_time") | Q(one_time_days__isnull=False),
                name="one_time_obligation_has_days",
            ),
        ]
        indexes = [
            # The materialize sweep scans the live calendar and one-time obligations.
            models.Index(fields=["id"], condition=Q(ends_at__isnull=True), name="obligation_live_idx"),
        ]

    def __str__(self):
        return f"{self.key} {self.title}"

    @property
    def period_kind(self):
        return PeriodKind(self.period) if self.period else None

    @property
    def parsed_times_of_day(self):
        return [time.fromisoformat(t) for t in self.times_of_day]

    @property
    def due_offset(self):
        return timedelta(minutes=self.due_offset_minutes) if self.due_offset_minutes is not None else None

    @property
    def placement(self) -> dict:
        """How its slots sit in a period: the keyword arguments of `slots_in_period`."""
        return {"times_of_day": self.parsed_times_of_day or None, "spread": self.spread,
                "due_offset": self.due_offset, "days_after_end": self.due_days_after_period}

    @property
    def grace(self):
        return timedelta(minutes=self.grace_minutes)
