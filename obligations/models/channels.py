"""Where messages go besides the in-app inbox and email: a platform's group robots in the work
chats its people read (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书), and each delivery of an outbox
row to one channel, so a message is sent at most once per channel (alerts/deliveries.py)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .notifications import Notification
from .tenancy import Platform

# A group's language, named in the reader's language (settings.LANGUAGES names each in its own).
LANGUAGE_NAMES = {"zh-hans": _("中文"), "en": _("英文")}


class Robot(models.Model):
    """A group robot (群机器人) of a platform's work chat. `token` is what the robot's webhook
    address carries (WeCom's key, DingTalk's access_token, Feishu's hook id); `secret` signs each
    message (DingTalk and Feishu 加签): kept so the sender can sign, never shown again."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        FEISHU = "feishu", _("飞书")

    class Topic(models.TextChoices):
        REMINDERS = "reminders", _("任务提醒")
        ESCALATIONS = "escalations", _("逾期上报")
        CATCH_UPS = "catch_ups", _("停机期间通知汇总")
        CASES = "cases", _("案件通知")

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="robots", verbose_name=_("平台"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60)
    token = models.CharField(_("机器人令牌"), max_length=200)
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True)
    topics = models.JSONField(_("消息类型"), default=list)
    language = models.CharField(_("消息语言"), max_length=16, default="zh-hans")
    created_at = models.DateTimeField(_("创建时间"))
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def topic_labels(self) -> list[str]:
        return [label for value, label in self.Topic.choices if value in self.topics]

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.language, self.language))


class Delivery(models.Model):
    """One outbox row sent to one channel besides email: the row is claimed for the channel
    before sending (inserted, unique), marked sent or failed after. A group robot hears of a
    reason once (`reason`, unique per robot), however many people's rows carry it."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        ROBOT = "robot", _("群机器人")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("通知"))
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries",
                              verbose_name=_("群机器人"))
    reason = models.CharField(_("通知事由"), max_length=80, blank=True)
    # Whose officers see a failure: the robot's platform, else the platform the message is about.
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="deliveries", verbose_name=_("平台"))
    started_at = models.DateTimeField(_("开始发送时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("渠道发送记录")
        verbose_name_plural = _("渠道发送记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], condition=Q(robot__isnull=True),
                                    name="delivery_once_per_channel"),
            models.UniqueConstraint(fields=["robot", "reason"], condition=Q(robot__isnull=False),
                                    name="delivery_once_per_robot"),
        ]
        indexes = [models.Index(fields=["platform", "failed_at"], condition=Q(failed_at__isnull=False),
                                name="delivery_failed_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.notification_id}"

