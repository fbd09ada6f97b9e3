import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .occurrences import Occurrence


class Notification(models.Model):
    """An outbox row: one message to one person for one reason. Unique per
    (occurrence, kind, recipient), so planning it twice sends it once; the send sweep
    claims rows with a conditional update before it sends. A notice planned too late to go
    out alone has no row: it is counted in its person's catch-up (`summary`)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("任务已开始")
        DUE_SOON = "due_soon", _("即将到期")
        ESCALATE_OFFICER = "escalate_officer", _("逾期上报合规负责人")
        ESCALATE_GROUP = "escalate_group", _("逾期上报监督小组")
        DIGEST = "digest", _("每日汇总")
        INTEGRITY = "integrity", _("完整性告警")  # once a day per recipient, like the digest (digest_date)
        # After downtime: the messages that could not go out on time, in one message per person.
        CATCH_UP = "catch_up", _("停机期间通知汇总")
        # To the platform's officers, once per case: a complaint from the public page, a case of the highest severity.
        PUBLIC_COMPLAINT = "public_complaint", _("新的公开投诉")
        CRITICAL_CASE = "critical_case", _("特别严重案件")
        # To the person made a case's handler (负责人), at each assignment: assigned back, told again.
        CASE_ASSIGNED = "case_assigned", _("案件指定负责人")
        # To the account's owner, at most once per sign-in window: repeated wrong passwords (alerts/signin_notices.py).
        SIGNIN_FAILURES = "signin_failures", _("账号登录失败")
        # To the platform's officers, once per file: a download found an evidence file changed or missing.
        EVIDENCE_MISMATCH = "evidence_mismatch", _("佐证文件被改动")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("收件人"))
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="notifications", verbose_name=_("任务"))
    case = models.ForeignKey("obligations.Case", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications", verbose_name=_("案件"))
    evidence = models.ForeignKey("obligations.Evidence", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notifications", verbose_name=_("佐证材料"))
    digest_date = models.DateField(_("汇总日期"), null=True, blank=True)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    claimed_at = models.DateTimeField(_("领取发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    repeat = models.BooleanField(_("重复发送"), default=False)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # Before migration 0023, a message planned too late to go out alone was a row of its own,
    # delivered in the app and folded into this catch-up; now the catch-up's summary tells of it.
    catch_up = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="folded",
                                 verbose_name=_("补发汇总"))
    # A catch-up's content, what its wording is made from (alerts/catch_up.py): the tasks it tells
    # of per kind ({"tasks": {kind: [occurrence ids]}}) and its first lines ({"lines": [[due, kind,
    # occurrence id, text]]}). Late notices are not rows of their own: this is their record.
    summary = models.JSONField(_("汇总内容"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "kind", "recipient"], condition=Q(occurrence__isnull=False),
                                    name="notification_once_per_reason"),
            models.UniqueConstraint(fields=["recipient", "kind", "digest_date"], condition=Q(occurrence__isnull=True),
                                    name="digest_once_per_day"),
            # An assignment is an event of its own (cases/assignment.py tells each one once, in its transaction).
            models.UniqueConstraint(fields=["case", "kind", "recipient"],
                                    condition=Q(case__isnull=False) & ~Q(kind="case_assigned"),
                                    name="notification_once_per_case"),
            models.UniqueConstraint(fields=["evidence", "kind", "recipient"], condition=Q(evidence__isnull=False),
                                    name="notification_once_per_evidence"),
        ]
        indexes = [
            # Used by the send sweep (notifications.notifications_send): rows not yet sent.
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                         name="notification_unsent_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"


def new_token():
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A private, revocable iCalendar link of a user's open tasks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds",
                             verbose_name=_("用户"))
    token = models.CharField(_("令牌"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self):
        return _("%(user)s 的日历订阅") % {"user": self.user}


class PlannerWake(models.Model):
    """When the planner must next look (alerts/wake.py): the rows the planner writes when a plan
    finishes (`planned_at` set) and those the database's triggers add when a write may make a
    task due a message sooner. The planner sleeps while every row says later than now."""

    at = models.DateTimeField(_("最早可能到期"))
    planned_at = models.DateTimeField(_("规划时间"), null=True, blank=True)  # null: a row a trigger added
    rules = models.CharField(_("规则指纹"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("通知规划唤醒时刻")
        verbose_name_plural = _("通知规划唤醒时刻")

    def __str__(self):
        return f"{self.at} ({self.planned_at})"
