from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.Model):
    """承诺主体: the online platform that signs letters and owns everything under them."""

    slug = models.SlugField(_("标识"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    timezone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    # The letter template a first draft starts from (letters/library/<key>.toml).
    template = models.CharField(_("承诺书模板"), max_length=64, default="platform-operation-1")
    public_intake = models.BooleanField(_("开放公开投诉页面"), default=False)
    # Signatures that close a quarterly review; empty: every supervisory-group member.
    review_quorum = models.PositiveSmallIntegerField(_("季度审查签署法定人数"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承诺主体")
        verbose_name_plural = _("承诺主体")
        # The site administrator: creates platforms, picks their letter template, and
        # alone changes the official calendar every platform's deadlines depend on.
        permissions = [("administer_site", _("管理站点(新建平台、维护法定节假日)"))]

    def __str__(self):
        return self.name

    @property
    def tz(self):
        return ZoneInfo(self.timezone)


class Role(models.TextChoices):
    OFFICER = "officer", _("合规负责人")
    STAFF = "staff", _("执行人")
    SUPERVISOR = "supervisor", _("监督小组成员")
    AUDITOR = "auditor", _("只读审计员")


class Membership(models.Model):
    """A user's one role on one platform."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("用户"))
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("平台"))
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    # How this platform's records name the member: the documents they sign (a sealed review,
    # the report to the regulator) print the full name and post held here, per platform,
    # where the platform's officer keeps them (one person may hold other posts elsewhere).
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [models.UniqueConstraint(fields=["user", "platform"], name="one_role_per_platform")]

    def __str__(self):
        return f"{self.user} @ {self.platform} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.full_name or self.user.get_username()
