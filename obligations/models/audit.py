import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only audit trail. Each row carries the hash of the previous one, so a
    changed or removed row breaks the chain (see trust/audit.py). The hash is an HMAC
    under a key kept outside the database, so the chain cannot be recomputed by someone
    who can only rewrite the database; the database refuses UPDATE, DELETE and TRUNCATE
    (migration 0008)."""

    at = models.DateTimeField(_("时间"))
    platform = models.ForeignKey("obligations.Platform", on_delete=models.PROTECT, null=True, blank=True,
                                 verbose_name=_("平台"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              verbose_name=_("操作人"))
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条记录的哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["id"]
        # A task's waiver (migration 0014's guard), its history and verify_audit look records up by object.
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def payload(self) -> bytes:
        return json.dumps(
            [
                self.prev_hash,
                self.at.astimezone(UTC).isoformat(),
                self.platform_id,
                self.actor_id,
                self.action,
                self.object_type,
                self.object_id,
                self.data,
            ],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        ).encode()

    def compute_hash(self, key: bytes) -> str:
        """HMAC-SHA256 of the record (with its link to the previous one) under `key`."""
        return hmac.new(key, self.payload(), hashlib.sha256).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events are append-only")

    def __str__(self):
        return f"#{self.pk} {self.action}"
