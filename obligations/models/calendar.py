from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An official holiday or make-up working day, as a site administrator loaded it.
    It overrides that one day only: the chinese-calendar package answers the other days
    of a year it knows, Monday–Friday those of a year it does not know."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=64, blank=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  verbose_name=_("载入人"))
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法定节假日与调休")
        verbose_name_plural = _("法定节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {_('班') if self.is_workday else _('休')} {self.note}"


class CalendarYear(models.Model):
    """A year whose days were loaded, and whether its whole official calendar (the
    State Council's notice of holidays and make-up days) was: a year chinese-calendar
    does not know is final only when complete, provisional otherwise."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    complete = models.BooleanField(_("完整的年度安排"), default=False)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  verbose_name=_("载入人"))
    loaded_at = models.DateTimeField(_("载入时间"))

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}{' ✓' if self.complete else ''}"
