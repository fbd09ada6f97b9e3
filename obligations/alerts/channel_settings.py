"""Setting the channels: a platform's group robots, set by its officer, and each person's own
choice of email and/or SMS. Every change writes an audit record; a robot's secret is never in
one (nor shown again: the record says only whether it was set or changed)."""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Delivery, Robot, UserPreferences
from ..trust.audit import audit_record
from . import channels


def _described(robot: Robot) -> dict:
    return {"kind": robot.kind, "name": robot.name, "topics": robot.topics, "language": robot.language}


def robot_save(robot: Robot, *, user, now, secret: str | None = None) -> Robot:
    """Add or change a robot; `secret` None keeps the one kept (a form leaves it blank to keep it)."""
    adding = robot.pk is None
    if secret is not None:
        robot.secret = secret
    if adding:
        robot.created_at = now
    with transaction.atomic():
        robot.save()
        audit_record(at=now, action="robot.add" if adding else "robot.change", obj=robot, actor=user,
                     platform=robot.platform, data={**_described(robot), "secret": bool(robot.secret) if adding
                                                    else secret is not None})
    return robot


def robot_remove(robot: Robot, *, user, now) -> None:
    with transaction.atomic():
        robot.removed_at = now
        robot.save(update_fields=["removed_at"])
        audit_record(at=now, action="robot.remove", obj=robot, actor=user, platform=robot.platform,
                     data=_described(robot))


def robot_test(robot: Robot, *, user, now) -> str:
    """Send a test message to the group, in its language; "" if the service took it, else why
    not (a code, channels.reason_text). The audit record says which."""
    with translation.override(robot.language):
        title = _("Pledge 测试消息")
        body = _("%(platform)s 的群机器人“%(name)s”已连通,提醒、逾期上报等通知将发送到本群。") % {
            "platform": robot.platform.name, "name": robot.name}
    try:
        failure = channels.send(channels.robot_plugin(robot), title, body)
    except Exception as exc:  # a malformed token: the officer reads why
        failure = channels.error_of(exc)
    audit_record(at=now, action="robot.test", obj=robot, actor=user, platform=robot.platform,
                 data={"kind": robot.kind, "name": robot.name, "sent": not failure, "failure": failure})
    return failure


def person_channels_choose(user, *, by_email: bool, by_sms: bool, phone: str, now) -> UserPreferences:
    with transaction.atomic():
        prefs, _created = UserPreferences.objects.get_or_create(user_id=user.pk)
        prefs.by_email, prefs.by_sms, prefs.phone = by_email, by_sms, phone
        prefs.save()
        audit_record(at=now, action="channels.choose", obj=user, actor=user, data={
            "channels": [c for c, on in (("email", by_email), ("sms", by_sms)) if on],
            "phone": phone[:3] + "****" + phone[-4:] if phone else ""})
    return prefs


def channel_failures(platform, limit=50):
    """The latest failed deliveries the platform's officers should see."""
    return (Delivery.objects.filter(platform=platform, failed_at__isnull=False)
            .select_related("robot", "notification__recipient").order_by("-failed_at")[:limit])
