from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import Platform


class Letter(models.Model):
    """承诺书: one version of a platform's letter. Signed versions are frozen; an
    amendment is a new version that supersedes the signed one when it is signed."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("已签署")
        SUPERSEDED = "superseded", _("已被修订")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="letters")
    template = models.CharField(_("模板"), max_length=64)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    values = models.JSONField(_("填写内容"), default=dict)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amends = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("承诺书")
        verbose_name_plural = _("承诺书")
        constraints = [
            models.UniqueConstraint(fields=["platform", "template", "version"], name="letter_version_unique"),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(signed_at__isnull=False),
                name="signed_letter_has_signed_at",
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def is_frozen(self):
        return self.state != self.State.DRAFT


class Clause(models.Model):
    """条款: one numbered clause of a letter version, with its blanks filled."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="clauses")
    section = models.CharField(_("部分"), max_length=32)
    section_title = models.CharField(_("部分标题"), max_length=64, blank=True)
    number = models.CharField(_("编号"), max_length=16)  # e.g. 三.2
    ordinal = models.PositiveIntegerField(default=0)
    text = models.TextField(_("条款内容"))

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["letter", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["letter", "number"], name="clause_number_unique")]

    def __str__(self):
        return f"{self.number} {self.text[:30]}"
