from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .tenancy import Platform


class ApiToken(models.Model):
    """A platform's key for another system (trust/api_tokens.py): it acts on that platform only, within its
    scopes, as the officer who made it. Only a hash of the secret is kept: the secret is shown once."""

    class Scope(models.TextChoices):
        # Their own context: 完成任务 and 案件 also name an audit action and a page, in other English.
        READ = "read", pgettext_lazy("api scope", "读取")
        COMPLETE = "complete", pgettext_lazy("api scope", "完成任务")
        CASES = "cases", pgettext_lazy("api scope", "案件")

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("平台"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("令牌前缀"), max_length=16)  # shown to tell tokens apart; not a secret
    secret_hash = models.CharField(_("令牌哈希"), max_length=64, unique=True)  # sha256 hex of the secret
    scopes = models.CharField(_("权限范围"), max_length=64)  # space-separated Scope values
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("撤销人"))

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later"),
        ]
        indexes = [models.Index(fields=["platform", "created_at"], name="api_token_platform_created")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def scope_labels(self) -> list[str]:
        return [str(self.Scope(s).label) for s in self.scope_list]

    def is_live(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at
