import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .schedules import Trigger
from .tenancy import Platform

REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone


def new_public_ref() -> str:
    """12 random characters in three groups, e.g. K7QD-MX3A-PW9R (about 59 bits)."""
    chars = "".join(secrets.choice(REF_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class Case(models.Model):
    """A complaint, an incident or a finding. Opening it starts the clocks (occurrences)
    that the platform's event obligations of that trigger demand."""

    Kind = Trigger  # a case is of the kind of event that triggers obligations

    class Severity(models.TextChoices):
        ORDINARY = "ordinary", _("一般")
        SERIOUS = "serious", _("严重")
        CRITICAL = "critical", _("特别严重")

    class Channel(models.TextChoices):
        PUBLIC = "public", _("公开投诉页面")
        PHONE = "phone", _("电话")
        EMAIL = "email", _("邮件")
        IN_APP = "in_app", _("平台内反馈")
        MONITORING = "monitoring", _("系统监控")
        AUDIT = "audit", _("合规审计")
        ASSESSMENT = "assessment", _("第三方评估")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        OPEN = "open", _("处理中")
        CLOSED = "closed", _("已办结")

    PREFIX = {Kind.COMPLAINT: "TS", Kind.INCIDENT: "SJ", Kind.FINDING: "FX"}

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="cases", verbose_name=_("平台"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("编号"), max_length=32)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.OTHER)
    reporter_name = models.CharField(_("反映人"), max_length=100, blank=True)
    reporter_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    description = models.TextField(_("内容"))
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, default=Severity.ORDINARY)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="assigned_cases", verbose_name=_("负责人"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    received_at = models.DateTimeField(_("受理时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.TextField(_("办结说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    # What the public sees and looks the case up by: random, so it tells nobody how many
    # complaints the platform received (the number above stays internal).
    public_ref = models.CharField(_("查询码"), max_length=16, unique=True, default=new_public_ref)
    # The form's one-time key: a double submission finds the case made by the first.
    submission_key = models.CharField(_("提交标识"), max_length=64, null=True, blank=True)
    # When the reporter agreed, on the public page, to the processing of their contact
    # details as its notice describes (个人信息保护法 第十七条); empty for a case staff registered.
    consent_at = models.DateTimeField(_("同意个人信息处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "number"], name="case_number_unique"),
            models.UniqueConstraint(fields=["platform", "submission_key"], condition=Q(submission_key__isnull=False),
                                    name="case_submission_once"),
        ]

    def __str__(self):
        return self.number


class CaseCounter(models.Model):
    """The last number given per platform, kind and year (locked while numbering)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, verbose_name=_("平台"))
    kind = models.CharField(_("类型"), max_length=16, choices=Case.Kind.choices)
    year = models.PositiveIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("最后编号"), default=0)

    class Meta:
        verbose_name = _("案件编号计数")
        verbose_name_plural = _("案件编号计数")
        constraints = [models.UniqueConstraint(fields=["platform", "kind", "year"], name="case_counter_unique")]

    def __str__(self):
        return f"{self.platform} {self.get_kind_display()} {self.year}: {self.last}"


class CaseEvent(models.Model):
    """One step in a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("案件"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              verbose_name=_("操作人"))
    action = models.CharField(_("动作"), max_length=64)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case} {self.action}"
