import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .tenancy import Platform


class WebhookEvent(models.TextChoices):
    """What a platform's systems may hear of (docs/webhooks.md names each payload)."""

    TASK_MISSED = "task.missed", _("任务到期未完成")
    CLOCK_BREACHED = "clock.breached", _("案件时限超期")
    CASE_OPENED = "case.opened", _("受理新案件")
    REVIEW_SEALED = "review.sealed", _("季度审查已封签")
    EVIDENCE_MISMATCH = "evidence.mismatch", _("佐证文件与记录不符")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL of the platform's own systems that hears of the events it chose, each delivery
    signed with `secret` (HMAC-SHA256). The secret is kept as it is, because signing needs it:
    shown once at creation, never on a page or in the admin again (docs/webhooks.md)."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="webhooks", verbose_name=_("平台"))
    url = models.CharField(_("接收地址"), max_length=500)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    events = models.JSONField(_("事件"), default=list)  # WebhookEvent values
    secret = models.CharField(_("签名密钥"), max_length=80, default=new_secret)
    enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("推送接收地址")
        verbose_name_plural = _("推送接收地址")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    def event_labels(self) -> list[str]:
        return [str(WebhookEvent(e).label) for e in self.events if e in WebhookEvent.values]


class WebhookDelivery(models.Model):
    """An outbox row: one event to one endpoint, written once (unique per endpoint, event and
    the object it is about) in the transaction of the change, or by the sweep that finds it
    (alerts/webhooks.py); sent by the worker, retried with backoff until delivered or failed
    (alerts/webhook_sender.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败")

    class Reason(models.TextChoices):
        """Why the last attempt failed (`last_error`), shown in the reader's language."""

        HTTP = "http", "HTTP"  # the answer's code is last_status_code
        REFUSED = "refused", _("无法连接(连接被拒绝)")
        TIMEOUT = "timeout", pgettext_lazy("webhook failure", "超时")  # 超时 of a task is "late"
        UNRESOLVED = "unresolved", _("无法解析域名")
        TLS = "tls", _("TLS 证书或加密错误")
        RESET = "reset", _("连接中断")
        BAD_ANSWER = "bad_answer", _("响应格式无效")
        BLOCKED = "blocked", _("地址不被允许(本机或内部网络)")
        NETWORK = "network", _("网络错误")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("接收地址"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("平台"))
    event = models.CharField(_("事件"), max_length=32, choices=WebhookEvent.choices)
    subject_id = models.BigIntegerField(_("对象编号"))  # the task, case, review or evidence the event is about
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    # A sender's claim: nobody else sends the row before then (longer than a send task may live).
    claimed_until = models.DateTimeField(_("领取至"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件推送投递")
        verbose_name_plural = _("事件推送投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event", "subject_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            # The sender's queue: rows still to send, by when they are due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_pending_idx"),
            models.Index(fields=["platform", "created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id}"

    def error_text(self) -> str:
        """The last failure as its reader reads it: "HTTP 503", "超时"; a row written before the
        reasons were codes ("ConnectionRefusedError: [Errno 111] …") by its kind, never raw."""
        error, R = self.last_error, self.Reason
        if not error:
            return ""
        if error == R.HTTP or error.startswith("HTTP "):
            return f"HTTP {self.last_status_code}" if self.last_status_code else error[:8]
        if error in R.values:
            return str(R(error).label)
        legacy = {"ConnectionRefusedError": R.REFUSED, "TimeoutError": R.TIMEOUT, "timeout": R.TIMEOUT,
                  "gaierror": R.UNRESOLVED, "SSL": R.TLS, "ConnectionResetError": R.RESET}
        found = next((code for kind, code in legacy.items() if error.startswith(kind)),
                     R.NETWORK if error.isascii() else R.BLOCKED)  # a refusal was stored in its own words
        return str(R(found).label)
