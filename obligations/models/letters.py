from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import Platform


class Letter(models.Model):
    """承诺书: one version of a platform's letter. Signed versions are frozen; an
    amendment is a new version that supersedes the signed one when it is signed."""

    class PastPeriods(models.TextChoices):
        MISSED = "missed", _("计为未完成")
        NOT_APPLICABLE = "not_applicable", _("不适用(豁免)")

    class FirstPeriod(models.TextChoices):
        FULL = "full", _("自首个完整周期起")
        CURRENT = "current", _("签署时已开始的周期也计入")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SIGNED = "signed", _("已签署")
        SUPERSEDED = "superseded", _("已被修订")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="letters", verbose_name=_("平台"))
    template = models.CharField(_("模板"), max_length=64)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    # Copied from the template when the letter is created, so a later change of the
    # template file never changes a letter; a platform's own letter holds its own.
    preamble = models.TextField(_("序言"), blank=True)
    signature = models.TextField(_("签署栏"), blank=True)
    sections = models.JSONField(_("部分"), default=dict, blank=True)  # number -> title
    blanks = models.JSONField(_("填空定义"), default=list, blank=True)
    values = models.JSONField(_("填写内容"), default=dict)
    # When the stated signing date lies in the past: do the periods since then count?
    past_periods = models.CharField(_("签订日期之前的周期"), max_length=16, choices=PastPeriods.choices,
                                    default=PastPeriods.MISSED)
    # A period already under way at signing is owed only when the officer chose so in the preview.
    first_period = models.CharField(_("签署时已开始的周期"), max_length=16, choices=FirstPeriod.choices,
                                    default=FirstPeriod.FULL)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("签署人")
    )
    amends = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments",
                               verbose_name=_("修订的版本"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承诺书")
        verbose_name_plural = _("承诺书")
        constraints = [
            models.UniqueConstraint(fields=["platform", "version"], name="letter_version_unique"),
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

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="clauses", verbose_name=_("承诺书"))
    section = models.CharField(_("部分"), max_length=32)
    section_title = models.CharField(_("部分标题"), max_length=64, blank=True)
    number = models.CharField(_("编号"), max_length=16)  # e.g. 三.2
    title = models.CharField(_("条款标题"), max_length=100, blank=True)
    ordinal = models.PositiveIntegerField(_("顺序"), default=0)
    # `source` and `addendum_source` hold {placeholders}; `text` and `addendum` are them
    # filled with the letter's values. The addendum (补充约定) is a term the letter's own
    # words do not state but a task needs, such as a deadline.
    source = models.TextField(_("条款原文(含填空)"), blank=True)
    text = models.TextField(_("条款内容"))
    addendum_source = models.TextField(_("补充约定(含填空)"), blank=True)
    addendum = models.TextField(_("补充约定"), blank=True)
    # The obligation specs of this clause in this version (see letters/template.py).
    specs = models.JSONField(_("义务"), default=list, blank=True)
    removed_reason = models.TextField(_("删除理由"), blank=True)

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["letter", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["letter", "number"], name="clause_number_unique")]

    def __str__(self):
        return f"{self.number} {self.text[:30]}"

    @property
    def is_removed(self):
        return bool(self.removed_reason)
