"""The daily digest: one message a day per person with tasks due today or overdue, after the digest
hour, in their language; an officer's carries the audit chain's head of the day."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Membership, Notification, Occurrence, Role
from ..schedule.periods import PeriodKind, period_containing
from ..trust import access
from ..trust.audit_head import audit_head
from ..trust.preferences import languages_of
from .messages import task_name, when
from .outbox import insert_notifications


def notifications_digest(*, now) -> int:
    """One digest a day per person with open tasks due today or overdue, after the digest hour."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    if local.hour < settings.PLEDGE_DIGEST_HOUR:
        return 0
    today = period_containing(PeriodKind.DAILY, now, tz)
    if Notification.objects.filter(kind=Notification.Kind.DIGEST, digest_date=today.start_date).exists():
        return 0
    occs = list(Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, due_at__gt=now - timedelta(days=7),
                                          due_at__lte=today.end).select_related("obligation", "clause", "case", "platform"))
    if not occs:
        return 0
    recipients = access.Doers(occs)
    per_user = defaultdict(list)
    for occ in occs:
        for user_id in recipients.doers(occ):
            per_user[user_id].append(occ)
    rows = []
    languages = languages_of(per_user)
    # Officers keep the audit chain's head of the day outside the database (trust/audit_head.py).
    officers = set(Membership.objects.filter(role=Role.OFFICER, user_id__in=per_user).values_list("user_id", flat=True))
    head = audit_head() if officers else None
    for user_id, items in per_user.items():
        with translation.override(languages[user_id]):  # the recipient's language
            late = [o for o in items if o.due_at <= now]
            lines = [f"{'⚠ ' if o.due_at <= now else ''}{o.clause.number} {task_name(o)} {when(o)}"
                     for o in sorted(items, key=lambda o: o.due_at)]
            subject = _("今日待办 %(today)d 项,逾期 %(late)d 项") % {"today": len(items) - len(late), "late": len(late)}
            lines.append(_("我的任务:%(link)s") % {"link": absolute_url("my-tasks")})
            if user_id in officers:
                lines.append(_("今日审计链链头(记录数:哈希,请留存以备核对):%(head)s") % {"head": head})
            rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.DIGEST, digest_date=today.start_date,
                                     subject=subject, body="\n".join(lines), created_at=now))
    return len(insert_notifications(rows))
