"""Reminders, escalations and the daily digest, as an outbox.

`notifications_plan` adds rows (unique per occurrence, kind and recipient, so planning
twice adds nothing); `notifications_send` claims unsent rows with a locked update and
delivers them by email and in the app. A claim whose worker died is retried once after
PLEDGE_SEND_RETRY_MINUTES, marked as a repeat: a message goes out at most twice.
"""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Notification, Obligation, Occurrence, Role
from ..schedule.periods import PeriodKind, period_containing
from ..trust import access

LOOKBACK = timedelta(days=35)  # escalations reach back this far after downtime


def schedule_key(ob: Obligation) -> str:
    return ob.period or ob.kind


def reminder_lead(ob: Obligation) -> timedelta:
    return timedelta(minutes=settings.PLEDGE_REMINDER_LEAD[schedule_key(ob)])


def officer_threshold(ob: Obligation) -> timedelta:
    if ob.escalate_officer_minutes is not None:
        return timedelta(minutes=ob.escalate_officer_minutes)
    default = settings.PLEDGE_ESCALATE_OFFICER[schedule_key(ob)]
    return timedelta(minutes=min(default, ob.grace_minutes) if ob.grace_minutes else default)


def group_due(occ: Occurrence, now) -> bool:
    """The supervisory group hears of a missed task, or of one overdue past the second threshold."""
    ob = occ.obligation
    if occ.state == Occurrence.State.MISSED:
        return True
    return ob.escalate_group_minutes is not None and now >= occ.due_at + timedelta(minutes=ob.escalate_group_minutes)


def _when(value):
    return timezone.localtime(value).strftime("%m-%d %H:%M")


def _message(kind, occ):
    name = occ.obligation.title + (f" #{occ.sequence}" if occ.obligation.count > 1 else "")
    subject = {
        Notification.Kind.OPENED: _("任务已开始:%(name)s,%(due)s 到期"),
        Notification.Kind.DUE_SOON: _("即将到期:%(name)s,%(due)s 到期"),
        Notification.Kind.ESCALATE_OFFICER: _("逾期未完成:%(name)s(%(due)s 到期)"),
        Notification.Kind.ESCALATE_GROUP: _("监督小组关注:%(name)s 未按期完成(%(due)s 到期)"),
    }[kind] % {"name": name, "due": _when(occ.due_at)}
    body = _("%(platform)s · 条款 %(clause)s\n%(subject)s\n详情:/occurrences/%(id)s/") % {
        "platform": occ.platform.name, "clause": occ.clause.number, "subject": subject, "id": occ.pk}
    return subject, body


def _candidates(kind, queryset):
    exists = Notification.objects.filter(occurrence=OuterRef("pk"), kind=kind)
    return list(queryset.filter(~Exists(exists)).select_related("obligation", "platform", "clause"))


def notifications_plan(*, now) -> int:
    """Add the notifications that are due now. Returns the rows added."""
    open_ = Occurrence.objects.filter(state=Occurrence.State.OPEN)
    overdue = Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__lte=now, due_at__gt=now - LOOKBACK)
    max_lead = timedelta(minutes=max(settings.PLEDGE_REMINDER_LEAD.values()))
    K = Notification.Kind
    plans = {
        K.OPENED: _candidates(K.OPENED, open_.filter(opens_at__lte=now, opens_at__gt=now - timedelta(days=1),
                                                     due_at__gt=now)),
        K.DUE_SOON: [o for o in _candidates(K.DUE_SOON, open_.filter(opens_at__lte=now, due_at__gt=now,
                                                                     due_at__lte=now + max_lead))
                     if o.due_at - reminder_lead(o.obligation) <= now],
        K.ESCALATE_OFFICER: [o for o in _candidates(K.ESCALATE_OFFICER, overdue)
                             if now >= o.due_at + officer_threshold(o.obligation)],
        K.ESCALATE_GROUP: [o for o in _candidates(K.ESCALATE_GROUP, overdue) if group_due(o, now)],
    }
    everyone = [o for occs in plans.values() for o in occs]
    if not everyone:
        return _plan_digests(now)
    recipients = access.Doers(everyone)
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for kind, occs in plans.items():
            for occ in occs:
                users = {K.ESCALATE_OFFICER: lambda o: recipients.role(o, Role.OFFICER),
                         K.ESCALATE_GROUP: lambda o: recipients.role(o, Role.SUPERVISOR)}.get(kind, recipients.doers)(occ)
                subject, body = _message(kind, occ)
                rows += [Notification(recipient_id=u, kind=kind, occurrence=occ, subject=subject, body=body,
                                      created_at=now) for u in users]
    created = len(Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000))
    return created + _plan_digests(now)


def _plan_digests(now) -> int:
    """One digest a day per person with open tasks due today or overdue, after the digest hour."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    if local.hour < settings.PLEDGE_DIGEST_HOUR:
        return 0
    today = period_containing(PeriodKind.DAILY, now, tz)
    if Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today.start_date).exists():
        return 0
    occs = list(Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__gt=now - timedelta(days=7),
                                          due_at__lte=today.end).select_related("obligation", "clause"))
    if not occs:
        return 0
    recipients = access.Doers(occs)
    per_user = defaultdict(list)
    for occ in occs:
        for user_id in recipients.doers(occ):
            per_user[user_id].append(occ)
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, items in per_user.items():
            late = [o for o in items if o.due_at <= now]
            lines = [f"{'⚠ ' if o.due_at <= now else ''}{o.clause.number} {o.obligation.title} {_when(o.due_at)}"
                     for o in sorted(items, key=lambda o: o.due_at)]
            subject = _("今日待办 %(today)d 项,逾期 %(late)d 项") % {"today": len(items) - len(late), "late": len(late)}
            rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.DIGEST, digest_date=today.start_date,
                                     subject=subject, body="\n".join(lines), created_at=now))
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


# Sending: claim, deliver, mark. Separate steps so a test can stop between them.

def claim(*, now, batch=200) -> list[Notification]:
    """Lock and claim unsent rows (new ones, and stale claims once more)."""
    retry_before = now - timedelta(minutes=settings.PLEDGE_SEND_RETRY_MINUTES)
    with transaction.atomic():
        rows = list(Notification.objects.select_for_update(skip_locked=True)
                    .filter(sent_at__isnull=True, cancelled_at__isnull=True)
                    .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=retry_before))
                    .order_by("created_at", "id")[:batch])
        claimed = []
        for n in rows:
            if n.attempts >= 2:  # sent twice at worst already: give up rather than a third time
                n.cancelled_at = now
            else:
                n.attempts += 1
                n.repeat = n.attempts > 1
                n.claimed_at = now
                claimed.append(n)
        Notification.objects.bulk_update(rows, ["attempts", "repeat", "claimed_at", "cancelled_at"])
    return claimed


def deliver(n: Notification) -> bool:
    """Send one claimed row by email; False if its task no longer needs it."""
    occ = n.occurrence
    if occ is not None and occ.state not in Occurrence.TODO_STATES:
        Notification.objects.filter(pk=n.pk, sent_at__isnull=True).update(cancelled_at=timezone.now())
        return False
    if n.recipient.email:
        prefix = _("[重复] ") if n.repeat else ""
        send_mail(f"【Pledge】{prefix}{n.subject}", n.body, None, [n.recipient.email])
    return True


def mark_sent(n: Notification, now) -> None:
    Notification.objects.filter(pk=n.pk, sent_at__isnull=True).update(sent_at=now)


def notifications_send(*, now) -> int:
    sent = 0
    while True:
        rows = claim(now=now)
        if not rows:
            return sent
        occurrences = {o.pk: o for o in Occurrence.objects.filter(pk__in=[n.occurrence_id for n in rows if n.occurrence_id])}
        users = {n.recipient_id for n in rows}
        recipients = get_user_model().objects.in_bulk(users)
        with translation.override(settings.LANGUAGE_CODE):
            for n in rows:
                n.occurrence = occurrences.get(n.occurrence_id)
                n.recipient = recipients[n.recipient_id]
                if deliver(n):
                    mark_sent(n, now)
                    sent += 1


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, sent_at__isnull=False, read_at__isnull=True).count()
