"""The owner of an account hears of repeated wrong passwords on it: once its failures from
any address reach PLEDGE_LOGIN_FAILURES (where its sign-ins start to wait,
trust/lockout.py), one notice in the app and by mail (the send sweep mails the row), at
most once per sign-in window (PLEDGE_SIGNIN_WINDOW_MINUTES), not once per try. Worded in
the owner's language, times in their platform's zone."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Membership, Notification
from ..schedule.local_time import shared_zone, zoned
from ..trust import lockout
from ..trust.failed_signins import tried_name, window_length
from ..trust.preferences import language_of
from .outbox import insert_notifications


def _zone(user):
    platforms = Membership.objects.filter(user=user).select_related("platform")
    return shared_zone(m.platform.tz for m in platforms) or ZoneInfo(settings.TIME_ZONE)


def _message(user, failures: int, now) -> tuple[str, str]:
    subject = _("账号 %(user)s 有多次密码错误的登录尝试") % {"user": user.get_username()}
    body = "\n".join([
        _("截至 %(at)s,过去 %(minutes)d 分钟内,您的账号 %(user)s 有 %(n)d 次密码错误的登录尝试。")
        % {"at": zoned(now, _zone(user)), "minutes": lockout.cool_off_minutes(), "user": user.get_username(),
           "n": failures},
        _("在此之后,该账号每次登录前需等待一段时间(最长 %(s)d 秒);尝试过多的网络地址会被暂停登录。")
        % {"s": settings.PLEDGE_LOGIN_DELAY_MAX_SECONDS},
        _("若不是您本人,请尽快通过登记的邮箱重设密码(重设后立即可以登录),并告知系统管理员:%(link)s")
        % {"link": absolute_url("password_reset")},
    ])
    return subject, body


def failed_signins_notice(user, *, failures: int, now) -> int:
    """Tell `user` of `failures` wrong passwords, unless told within the window; returns
    the rows written (0 or 1). The user's row is locked meanwhile, so two failures at
    once write one notice."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if Notification.objects.filter(recipient=user, kind=Notification.Kind.SIGNIN_FAILURES,
                                       created_at__gt=now - window_length()).exists():
            return 0
        with translation.override(language_of(user)):
            subject, body = _message(user, failures, now)
        return len(insert_notifications([Notification(recipient=user, kind=Notification.Kind.SIGNIN_FAILURES,
                                                      subject=subject[:200], body=body, created_at=now)]))


def on_login_failed(sender, credentials, request=None, **kwargs):
    """user_login_failed (wired in apps.py, after axes counted the try): a refused try
    changes no count, and a name that is no account has nobody to tell."""
    if request is None or lockout.refusal_of(request) is not None:
        return
    User = get_user_model()
    name = credentials.get(User.USERNAME_FIELD, credentials.get("username"))
    now = timezone.now()
    failures = lockout.name_failures(name, now=now)
    if failures < settings.AXES_FAILURE_LIMIT:
        return
    user = User._default_manager.filter(**{User.USERNAME_FIELD: tried_name(name)}).first()
    if user is not None and user.is_active:
        failed_signins_notice(user, failures=failures, now=now)
