from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tenancy import Platform, Role


class Invitation(models.Model):
    """An invitation to join a platform, sent to an email address: the person who opens its
    link accepts it (signed in, or with a new account made there). Only a hash of the link's
    token is kept: the link itself is only in the invitee's mail. Used once; revoked, or
    past `expires_at`, it is refused (trust/invitations.py)."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("平台"))
    email = models.EmailField(_("邮箱"))
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    # Copied onto the membership when accepted (models.Membership.full_name, post).
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    token_hash = models.CharField(_("令牌哈希"), max_length=64, unique=True)  # sha256 hex of the link's token
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("邀请人"))
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("接受人"))
    revoked_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("撤回人"))

    class Meta:
        verbose_name = _("成员邀请")
        verbose_name_plural = _("成员邀请")
        constraints = [
            models.CheckConstraint(condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                                   name="invitation_accepted_or_revoked"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later"),
        ]
        indexes = [models.Index(fields=["platform", "created_at"], name="invitation_platform_created")]

    def __str__(self):
        return f"{self.email} → {self.platform} ({self.get_role_display()})"

    def is_pending(self, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
