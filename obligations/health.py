"""Is Pledge alive? The database, the broker, a worker, the scheduler and the evidence store.

`health_check` answers /healthz (no sign-in, no data: only what is wrong), one named check
each, any failing one making it 503:

- `database`: PostgreSQL answers `SELECT 1`.
- `broker`: the Celery broker (Redis) answers a ping.
- `worker`: a worker wrote its own heartbeat (trust/heartbeat.worker_beat, every
  PLEDGE_WORKER_HEARTBEAT seconds) within PLEDGE_HEALTH_WORKER_AGE seconds, one beat interval:
  a worker killed is seen within that, whatever beat does.
- `scheduler`: a sweep finished within PLEDGE_HEALTH_MAX_SWEEP_AGE seconds (beat and a worker
  both at work).
- `evidence_store`: the evidence folder has PLEDGE_HEALTH_MIN_FREE_MB free and a probe file can
  be written and removed there (a full or read-only disk); a remote storage (S3) is not probed.

The context processor `scheduler_status` gives the officer's and the site administrator's
pages "上次调度 N 分钟前" and, when beat has been silent longer than
PLEDGE_HEALTH_MAX_SWEEP_AGE seconds, a red banner; the site administrator is mailed once per
silence (`silence_alert`)."""

import logging
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, storages
from django.core.mail import mail_admins, send_mail
from django.db import connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .links import site_url
from .models import Role
from .trust.access import is_site_admin, roles_of
from .trust.heartbeat import last_run, silence_claim, workers_seen
from .trust.preferences import languages_of

log = logging.getLogger(__name__)
CHECKS = ("database", "broker", "worker", "scheduler", "evidence_store")


def max_sweep_age() -> timedelta:
    return timedelta(seconds=settings.PLEDGE_HEALTH_MAX_SWEEP_AGE)


@dataclass
class Health:
    problems: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    last_sweep_age: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self, name: str, problem: str | None, **figures) -> None:
        """Record check `name`: passed when `problem` is None."""
        self.checks[name] = {"ok": problem is None, **({"problem": problem} if problem else {}), **figures}
        if problem:
            self.problems[name] = problem

    def as_dict(self) -> dict:
        return {"status": "ok" if self.ok else "unavailable", "problems": self.problems,
                "last_sweep_age_seconds": None if self.last_sweep_age is None else round(self.last_sweep_age),
                "checks": self.checks}


def broker_ping(url: str | None = None, timeout: float = 2.0) -> None:
    """Raise when the Celery broker does not answer."""
    url = url or settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping()
        return
    from compliance.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def _age(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else round((now - then).total_seconds())


def worker_problem(now: datetime) -> tuple[str | None, dict]:
    limit = settings.PLEDGE_HEALTH_WORKER_AGE
    fresh, last = workers_seen(since=now - timedelta(seconds=limit))
    figures = {"workers": fresh, "last_heartbeat_age_seconds": _age(now, last)}
    if last is None:
        return "no worker has ever reported", figures
    if not fresh:
        return f"no worker heartbeat for {_age(now, last)} s (limit {limit} s)", figures
    return None, figures


def evidence_problem() -> tuple[str | None, dict]:
    """Free space and a probe write in the evidence folder; None for a storage without one."""
    storage = storages["evidence"]
    if not isinstance(storage, FileSystemStorage):  # S3 and the like: no disk of ours to watch
        return None, {"probed": False}
    location = storage.location
    needed = settings.PLEDGE_HEALTH_MIN_FREE_MB * 1024 * 1024
    try:
        os.makedirs(location, exist_ok=True)
        free = shutil.disk_usage(location).free
        with tempfile.NamedTemporaryFile(dir=location, prefix=".healthz-") as probe:
            probe.write(b"pledge")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return f"evidence store not writable: {type(exc).__name__} ({exc.strerror or exc})", {"probed": True}
    figures = {"probed": True, "free_mb": free // (1024 * 1024), "min_free_mb": settings.PLEDGE_HEALTH_MIN_FREE_MB}
    if free < needed:
        return (f"evidence store nearly full: {free // (1024 * 1024)} MB free "
                f"(limit {settings.PLEDGE_HEALTH_MIN_FREE_MB} MB)"), figures
    return None, figures


def health_check(*, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    health = Health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        health.check("database", None)
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        health.check("database", f"database unavailable: {type(exc).__name__}")
    try:
        broker_ping()
        health.check("broker", None)
    except Exception as exc:  # noqa: BLE001
        health.check("broker", f"broker unavailable: {type(exc).__name__}")
    if "database" in health.problems:
        for name in ("worker", "scheduler"):  # both are read from the database
            health.check(name, "unknown: the database is unavailable")
    else:
        problem, figures = worker_problem(now)
        health.check("worker", problem, **figures)
        last = last_run()
        if last is None:
            health.check("scheduler", "no sweep has ever run")
        else:
            health.last_sweep_age = (now - last).total_seconds()
            if health.last_sweep_age > max_sweep_age().total_seconds():
                health.check("scheduler", f"last sweep {round(health.last_sweep_age)} s ago "
                                          f"(limit {settings.PLEDGE_HEALTH_MAX_SWEEP_AGE} s)",
                             last_sweep_age_seconds=round(health.last_sweep_age))
                silence_alert(now=now, last=last)
            else:
                health.check("scheduler", None, last_sweep_age_seconds=round(health.last_sweep_age))
    problem, figures = evidence_problem()
    health.check("evidence_store", problem, **figures)
    return health


def site_admin_emails_by_language() -> dict[str, list[str]]:
    """The site administrators' addresses, grouped by the language each reads (trust/preferences.py)."""
    User = get_user_model()
    admins = set(User.objects.filter(is_active=True, is_staff=True).filter(
        Q(is_superuser=True) | Q(user_permissions__codename="administer_site")
        | Q(groups__permissions__codename="administer_site")).exclude(email="").values_list("pk", "email"))
    languages = languages_of(pk for pk, _email in admins)
    grouped = defaultdict(set)
    for pk, email in admins:
        grouped[languages[pk]].add(email)
    return {language: sorted(emails) for language, emails in grouped.items()}


def silence_alert(*, now: datetime, last: datetime | None) -> bool:
    """Mail the site administrator that beat is silent: once per silence."""
    try:
        if not silence_claim(now=now, max_age=max_sweep_age()):
            return False
        minutes = round((now - last).total_seconds() / 60) if last else None

        def worded(language):
            with translation.override(language):
                subject = _("【Pledge】调度已停止:上次调度 %(m)s 分钟前") % {"m": minutes}
                body = _("Celery beat 已超过 %(limit)d 秒没有运行任何调度任务:任务不会生成,逾期不会标记,提醒不会发送。"
                         "请检查 beat 与 worker 进程。恢复后本提醒自动解除。") % {
                             "limit": settings.PLEDGE_HEALTH_MAX_SWEEP_AGE}
                return subject, body + "\n" + site_url("/healthz")

        by_language = site_admin_emails_by_language()
        for language, emails in sorted(by_language.items()):  # each administrator in their language
            send_mail(*worded(language), None, emails)
        if not by_language:
            mail_admins(*worded(settings.LANGUAGE_CODE))
        return True
    except Exception:  # noqa: BLE001 - an alert must not break the page or the probe
        log.exception("could not send the scheduler silence alert")
        return False


# The pages that show it: the officer's dashboard; the site administrator's overview too.
DASHBOARD_PAGES = {"dashboard", "home"}


def scheduler_status(request) -> dict:
    """Context processor: the scheduler's last run, on the dashboard of an officer and on
    the site administrator's pages. Silent longer than PLEDGE_HEALTH_MAX_SWEEP_AGE: a red
    banner (and the site administrator is mailed, once). A scheduler that never ran (a
    fresh install) is said plainly, without the banner; /healthz answers 503 for it."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None:
        return {}
    if match.url_name in DASHBOARD_PAGES:
        if Role.OFFICER not in roles_of(user).values() and not is_site_admin(user):
            return {}
    elif match.url_name != "platform-overview" or not is_site_admin(user):
        return {}
    now = timezone.now()
    last = last_run()
    if last is None:
        return {"scheduler": {"last": None, "minutes": None, "silent": False}}
    age = (now - last).total_seconds()
    silent = age > settings.PLEDGE_HEALTH_MAX_SWEEP_AGE
    if silent:
        silence_alert(now=now, last=last)
    return {"scheduler": {"last": last, "minutes": int(age // 60), "silent": silent}}
