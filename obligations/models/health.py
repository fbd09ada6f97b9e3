from django.db import models
from django.utils.translation import gettext_lazy as _


class SweepRun(models.Model):
    """The heartbeat of one periodic sweep: when it last ran and how long it took. One
    row per sweep name, moved forward by a conditional upsert (never backwards), so
    /healthz and the officer's pages can tell whether beat is alive."""

    name = models.CharField(_("调度任务"), max_length=64, primary_key=True)
    started_at = models.DateTimeField(_("上次开始"))
    finished_at = models.DateTimeField(_("上次结束"))
    duration_ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)
    runs = models.PositiveBigIntegerField(_("运行次数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    # Set when the site administrator was told of a silence; cleared by the next run.
    silence_alerted_at = models.DateTimeField(_("停摆告警时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调度心跳")
        verbose_name_plural = _("调度心跳")

    def __str__(self):
        return f"{self.name} @ {self.finished_at:%Y-%m-%d %H:%M:%S}"


class WorkerBeat(models.Model):
    """The heartbeat a Celery worker writes itself, every PLEDGE_WORKER_HEARTBEAT seconds
    (compliance/celery.py), one row per worker; removed when the worker stops cleanly. /healthz
    tells a dead worker from a silent beat by it."""

    hostname = models.CharField(_("工作进程"), max_length=255, primary_key=True)
    pid = models.PositiveIntegerField(_("进程号"), default=0)
    started_at = models.DateTimeField(_("启动时间"))
    seen_at = models.DateTimeField(_("上次心跳"))

    class Meta:
        verbose_name = _("工作进程心跳")
        verbose_name_plural = _("工作进程心跳")

    def __str__(self):
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
