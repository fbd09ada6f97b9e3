from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An official holiday or make-up working day, loaded for a year that the
    chinese-calendar package does not know yet. A year with any row is 'loaded':
    its other days follow Monday–Friday."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=64, blank=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("法定节假日与调休")
        verbose_name_plural = _("法定节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'班' if self.is_workday else '休'} {self.note}"
