from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FailedSignIns(models.Model):
    """Failed sign-ins of one user name from one client address in one fixed window
    (PLEDGE_SIGNIN_WINDOW_MINUTES): counted here, and written to the permanent audit chain
    once, with the count, when the window has passed (trust/failed_signins.py). A flood of
    wrong passwords is one row that counts, not a row of the chain per try."""

    address = models.CharField(_("网络地址"), max_length=64)
    username = models.CharField(_("用户名"), max_length=150)
    window_start = models.DateTimeField(_("时段开始"))
    count = models.PositiveIntegerField(_("失败次数"), default=0)
    # Of those, tries refused unchecked (a locked address, a user name's wait not over).
    refused = models.PositiveIntegerField(_("其中被拒绝"), default=0)
    first_at = models.DateTimeField(_("首次"))
    last_at = models.DateTimeField(_("最近"))
    agent = models.CharField(_("浏览器标识"), max_length=200, blank=True)
    audited_at = models.DateTimeField(_("写入审计日志"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")
        constraints = [
            models.UniqueConstraint(fields=["address", "username", "window_start"], name="failed_signins_once_per_window"),
        ]
        indexes = [
            models.Index(fields=["window_start"], condition=Q(audited_at__isnull=True),
                         name="failed_signins_unaudited_idx"),
        ]

    def __str__(self):
        return f"{self.username} @ {self.address} · {self.count}"
