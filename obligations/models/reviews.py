from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .occurrences import Occurrence
from .schedules import Obligation
from .tenancy import Platform


class Review(models.Model):
    """The supervisory group's review of one quarter (clause 四.1). Opened when the
    quarter ends; its figures are computed live until it closes, then frozen in
    `snapshot` and sealed (oversight/seal.py)."""

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已签署关闭")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("平台"))
    year = models.PositiveIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    period_start = models.DateTimeField(_("季度开始"))
    period_end = models.DateTimeField(_("季度结束"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("开启时间"))
    # The 四.1 task of the quarter, completed with the report when the review closes.
    task = models.ForeignKey(Occurrence, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("对应任务"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    snapshot = models.JSONField(_("冻结的数据"), null=True, blank=True)
    seal = models.CharField(_("封签 SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("季度审查")
        verbose_name_plural = _("季度审查")
        ordering = ["platform", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "year", "quarter"], name="review_quarter_unique"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="review_quarter_range"),
            models.CheckConstraint(condition=Q(state="open") | (Q(snapshot__isnull=False) & ~Q(seal="")),
                                   name="closed_review_is_sealed"),
        ]

    def __str__(self):
        return f"{self.platform} {self.label}"

    @property
    def label(self):
        return f"{self.year}Q{self.quarter}"


class ReviewExplanation(models.Model):
    """The officer's explanation (说明) of one exception of the quarter: a missed, late or
    waived task, or a breached case clock. Explaining again adds a newer row."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="explanations", verbose_name=_("季度审查"))
    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="+", verbose_name=_("任务"))
    text = models.TextField(_("说明"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("说明人"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("异常说明")
        verbose_name_plural = _("异常说明")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.review} · {self.occurrence}"


class Rectification(models.Model):
    """整改措施: an action with an owner and a deadline. It is a task like any other (its
    own one-time obligation, assigned to the owner), and it is carried into the next
    quarter's review while still open."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("季度审查"))
    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("针对的异常"))
    title = models.CharField(_("整改措施"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("责任人"))
    due_date = models.DateField(_("整改期限"))
    obligation = models.OneToOneField(Obligation, on_delete=models.PROTECT, related_name="rectification",
                                      verbose_name=_("义务"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.title


class ReviewFinding(models.Model):
    """风险排查结果: what the supervisory group found, with a severity."""

    class Severity(models.TextChoices):
        LOW = "low", _("低")
        MEDIUM = "medium", _("中")
        HIGH = "high", _("高")

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="findings", verbose_name=_("季度审查"))
    text = models.TextField(_("风险排查结果"))
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("记录人"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("风险排查结果")
        verbose_name_plural = _("风险排查结果")
        ordering = ["at", "id"]

    def __str__(self):
        return self.text[:40]


class ReviewSignature(models.Model):
    """A supervisory-group member's sign-off or refusal. A refusal voids the signatures
    given so far: discussion reopens, and everyone signs again."""

    class Decision(models.TextChoices):
        SIGN = "sign", _("签署")
        REFUSE = "refuse", _("拒绝签署")

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("季度审查"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("签署人"))
    decision = models.CharField(_("决定"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    at = models.DateTimeField(_("时间"))
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审查签署")
        verbose_name_plural = _("审查签署")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], condition=Q(voided_at__isnull=True),
                                    name="one_live_signature_per_member"),
            models.CheckConstraint(condition=Q(decision="sign") | ~Q(reason=""), name="refusal_has_reason"),
        ]

    def __str__(self):
        return f"{self.review} · {self.user} · {self.get_decision_display()}"


class ExportJob(models.Model):
    """A file people send out of Pledge (a report, an archive), made by a worker. The
    page polls its progress; a failed job says why and can be run again."""

    class Kind(models.TextChoices):
        REVIEW_PDF = "review_pdf", _("季度汇报(PDF)")
        REVIEW_XLSX = "review_xlsx", _("季度汇报(Excel)")
        REGULATOR_PDF = "regulator_pdf", _("运营报告(PDF)")
        REGULATOR_DOCX = "regulator_docx", _("运营报告(Word)")
        EVIDENCE_ZIP = "evidence_zip", _("佐证材料归档(ZIP)")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="export_jobs", verbose_name=_("平台"))
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict)  # review id, or period start/end dates
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)  # percent
    error = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(_("文件"), upload_to="exports/", blank=True, max_length=255)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The language the file is written in (oversight/export_jobs.export_language); empty: the site's default.
    language = models.CharField(_("语言"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def language_code(self) -> str:
        return self.language or settings.LANGUAGE_CODE

    @property
    def language_name(self) -> str:
        """The file's language named in itself (简体中文, English), for the export pages."""
        return get_language_info(self.language_code)["name_local"]
