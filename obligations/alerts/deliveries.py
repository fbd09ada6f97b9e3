"""An outbox row's channels besides the inbox: its platform's group robots that take its kind
of message, and its person's own choice, email and/or SMS (models.UserPreferences). The mail
sender (notifications.send_batch) calls `Routes.deliver` for each row it sends.

As reliable as mail, and never twice to one channel: a row is claimed for a channel by
inserting its Delivery (unique per row and channel; per robot and reason, so a group hears of
a task once however many people's rows carry it), committed before anything is sent, and marked
sent or failed after. A channel that failed, or whose earlier try has no outcome (the worker
died while sending), is not tried again: its person gets the message by email instead, and the
failure is logged and listed on the platform's channels page (views/channels.py). (A sender
that finds a group's delivery claimed by another sender and not yet done mails its own person
too: at worst an email more, never one fewer.)

A group's message is worded in the group's language, anew from the task or case it tells of."""

import hashlib
import logging
import re
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from ..models import Delivery, Notification, Occurrence, Robot, UserPreferences
from ..trust.preferences import supported
from . import channels
from .catch_up import CATCH_UP_LINES, catch_up_text, summary_tasks
from .messages import message, task_name

logger = logging.getLogger(__name__)

K = Notification.Kind
TOPICS = {K.OPENED: Robot.Topic.REMINDERS, K.DUE_SOON: Robot.Topic.REMINDERS,
          K.ESCALATE_OFFICER: Robot.Topic.ESCALATIONS, K.ESCALATE_GROUP: Robot.Topic.ESCALATIONS,
          K.CATCH_UP: Robot.Topic.CATCH_UPS, K.PUBLIC_COMPLAINT: Robot.Topic.CASES, K.CRITICAL_CASE: Robot.Topic.CASES}


def _occurrences(ids) -> dict[int, Occurrence]:
    return {o.pk: o for o in Occurrence.objects.filter(pk__in=ids).select_related(
        "obligation", "platform", "clause", "case")}


class Routes:
    """The channels of a batch of rows, read once: the robots of their platforms, their people's choices."""

    def __init__(self, rows: list[Notification]):
        tasks = {n.pk: summary_tasks(n.summary) for n in rows if n.kind == K.CATCH_UP}
        told = _occurrences({pk for pairs in tasks.values() for _kind, pk in pairs})
        # Per catch-up, the (kind, task) it tells of: each group hears of its platform's.
        self.caught = {pk: [(kind, told[o]) for kind, o in pairs if o in told] for pk, pairs in tasks.items()}
        platforms = {n.occurrence.platform_id for n in rows if n.occurrence_id} | {
            n.case.platform_id for n in rows if n.case_id} | {o.platform_id for o in told.values()}
        self.robots = defaultdict(list)
        for robot in Robot.objects.filter(platform_id__in=platforms, removed_at__isnull=True):
            self.robots[robot.platform_id].append(robot)
        people = {n.recipient_id for n in rows}
        self.prefs = {p.user_id: p for p in UserPreferences.objects.filter(user_id__in=people)}
        # Each person's language, from the same rows (trust/preferences.languages_of says it for others).
        self.languages = {pk: supported(getattr(self.prefs.get(pk), "language", None)) or settings.LANGUAGE_CODE
                          for pk in people}

    def deliver(self, n: Notification, mail) -> None:
        """Send `n` to its robots and its person's channels; `mail()` mails it (the person
        chose email, or a channel of theirs failed)."""
        fallback = [self._robot(n, robot, platform_id, tasks) for robot, platform_id, tasks in self._robots_of(n)]
        prefs = self.prefs.get(n.recipient_id)
        if prefs is not None and prefs.by_sms and prefs.phone:
            fallback.append(self._sms(n, prefs.phone))
        if prefs is None or prefs.by_email or any(fallback):
            mail()

    def _robots_of(self, n):
        topic = TOPICS.get(n.kind)
        if topic is None:
            return []
        if n.kind == K.CATCH_UP:
            per_platform = defaultdict(list)
            for kind, occ in self.caught.get(n.pk, []):
                per_platform[occ.platform_id].append((kind, occ))
        else:
            per_platform = {(n.occurrence or n.case).platform_id: None}
        return [(robot, platform_id, tasks) for platform_id, tasks in per_platform.items()
                for robot in self.robots.get(platform_id, []) if topic in robot.topics]

    def _robot(self, n, robot, platform_id, tasks) -> bool:
        """Tell `robot` of n's reason unless it heard of it; True when n's person must be mailed instead."""
        tasks = sorted(tasks or [], key=lambda t: (t[1].due_at, t[1].pk, t[0]))

        def worded():
            with translation.override(robot.language):
                return group_message(n, tasks)

        return self._send(n, Delivery(notification=n, channel=Delivery.Channel.ROBOT, robot=robot,
                                      reason=reason_of(n, tasks), platform_id=platform_id),
                          lambda: channels.robot_plugin(robot), worded)

    def _sms(self, n, phone) -> bool:
        occ_or_case = n.occurrence or n.case
        return self._send(n, Delivery(notification=n, channel=Delivery.Channel.SMS,
                                      platform_id=occ_or_case.platform_id if occ_or_case else None),
                          lambda: channels.sms_plugin(phone), lambda: ("", sms_text(n)))

    def _send(self, n, delivery, plugin, message) -> bool:
        """Claim `delivery`, then send `message()` (subject, body) through `plugin()`; True when
        n's person must be mailed instead (it failed now, or before, or its outcome is unknown)."""
        claimed = _claim(delivery)
        if claimed is not delivery:  # tried before: sent, or failed / no outcome (then mail instead)
            return claimed.sent_at is None
        try:
            error = channels.send(plugin(), *message())
        except Exception as exc:  # a bad address or URL is this channel's failure, not the batch's
            error = channels.error_of(exc)
        now = timezone.now()
        if error:
            logger.warning("channel %s failed for notification %s: %s", delivery.robot or delivery.channel, n.pk, error)
            Delivery.objects.filter(pk=delivery.pk).update(failed_at=now, error=error)
            return True
        Delivery.objects.filter(pk=delivery.pk).update(sent_at=now)
        return False


def _claim(delivery: Delivery) -> Delivery:
    """Insert `delivery` (then it is ours to send) or return the one that claimed its channel before."""
    delivery.started_at = timezone.now()
    try:
        with transaction.atomic():
            delivery.save()
        return delivery
    except IntegrityError:
        if delivery.robot_id:
            return Delivery.objects.get(robot_id=delivery.robot_id, reason=delivery.reason)
        return Delivery.objects.get(notification_id=delivery.notification_id, channel=delivery.channel,
                                    robot__isnull=True)


def reason_of(n: Notification, tasks) -> str:
    """What a group hears of once: a task's reminder or escalation, a case's notice, a catch-up
    telling of just these tasks (people told of the same ones share it)."""
    if n.occurrence_id:
        return f"{n.kind}:{n.occurrence_id}"
    if n.case_id:
        return f"{n.kind}:{n.case_id}"
    return "catch_up:" + hashlib.sha256(repr([(kind, occ.pk) for kind, occ in tasks]).encode()).hexdigest()[:32]


def group_message(n: Notification, tasks) -> tuple[str, str]:
    """(subject, body) of n as a group reads it, in the active language, worded anew: a task's
    reminder or escalation, a case's notice, or a catch-up of the platform's `tasks` (sorted)."""
    from .case_notices import _case_message  # it sends through this module

    if n.occurrence_id:
        return message(n.kind, n.occurrence)
    if n.case_id:
        clocks = n.case.clocks.filter(state__in=Occurrence.TODO_STATES).select_related("obligation", "case")
        return _case_message(n.kind, n.case, list(clocks))
    counts = defaultdict(int)
    for kind, _occ in tasks:
        counts[kind] += 1
    lines = [f"{occ.clause.number} {task_name(occ)}" for _kind, occ in tasks[:CATCH_UP_LINES]]
    return catch_up_text(dict(counts), lines)


def sms_text(n: Notification) -> str:
    """An SMS is short: the subject and the one link to open."""
    link = re.search(r"https?://\S+", n.body)
    return f"【Pledge】{n.subject}" + (f" {link.group()}" if link else "")
