from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .occurrences import Completion, Occurrence
from .tenancy import Platform


def evidence_storage():
    return storages["evidence"]


class EvidenceQuerySet(models.QuerySet):
    """Bulk paths refuse too: proof is never changed, nor removed before keep_until."""

    def update(self, **kwargs):
        raise EvidenceImmutable(_("佐证材料不可修改;更正请追加新的文件。"))

    def delete(self):
        if self.filter(keep_until__gt=timezone.localdate()).exists():
            raise EvidenceImmutable(_("佐证材料在留存期满之前不可删除。"))
        return super().delete()


class EvidenceImmutable(Exception):
    pass


class Evidence(models.Model):
    """A file proving a completion: stored under a generated name, with its SHA-256,
    size and the content type read from its bytes. Kept at least until keep_until."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("平台"))
    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("任务"))
    completion = models.ForeignKey(Completion, on_delete=models.PROTECT, related_name="evidence",
                                   verbose_name=_("完成记录"))
    file = models.FileField(_("文件"), storage=evidence_storage, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("类型"), max_length=128)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    period_start = models.DateTimeField(_("覆盖周期开始"))
    period_end = models.DateTimeField(_("覆盖周期结束"))
    keep_until = models.DateField(_("留存至"))
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
                                 verbose_name=_("更正的材料"))

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise EvidenceImmutable(_("佐证材料不可修改;更正请追加新的文件。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.keep_until > timezone.localdate():
            raise EvidenceImmutable(_("佐证材料在留存期满之前不可删除。"))
        return super().delete(*args, **kwargs)


class EvidenceDisposal(models.Model):
    """Disposal of one evidence file past its keep-until date. The retention sweep lists
    it (listed_at); the officer approves it (approved_by, approved_at); only then is the
    file removed (file_removed_at). The Evidence row itself, with its SHA-256, size and
    type, stays for good: the database refuses to change it."""

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="disposal", verbose_name=_("佐证材料"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("平台"))
    listed_at = models.DateTimeField(_("列入销毁清单时间"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("批准人"))
    approved_at = models.DateTimeField(_("批准销毁时间"), null=True, blank=True)
    file_removed_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("佐证材料销毁")
        verbose_name_plural = _("佐证材料销毁")
        ordering = ["listed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(file_removed_at__isnull=True) | models.Q(approved_at__isnull=False),
                                   name="disposal_removed_only_after_approval"),
        ]

    def __str__(self):
        return f"{self.evidence} ({self.listed_at:%Y-%m-%d})"
