"""A case the officers hear of at once: a complaint from the public page, and a case of
the highest severity. The notices wait in the outbox (notifications.py) like any other
message, once per case, kind and officer, each in its recipient's language."""

from django.utils import translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Case, Membership, Notification, Role
from ..schedule.local_time import zoned
from ..trust.preferences import languages_of
from .notifications import task_name
from .outbox import insert_notifications


def case_notice_kinds(case) -> list[str]:
    """Why the officers hear of a new case: it came from the public page, it is of the highest severity."""
    kinds = []
    if case.channel == Case.Channel.PUBLIC:
        kinds.append(Notification.Kind.PUBLIC_COMPLAINT)
    if case.severity == Case.Severity.CRITICAL:
        kinds.append(Notification.Kind.CRITICAL_CASE)
    return kinds


def _case_message(kind, case, clocks) -> tuple[str, str]:
    values = {"kind": case.get_kind_display(), "number": case.number, "ref": case.public_ref,
              "severity": case.get_severity_display()}
    subject = {
        Notification.Kind.PUBLIC_COMPLAINT: _("新的公开投诉 %(number)s · %(severity)s(查询码 %(ref)s)"),
        Notification.Kind.CRITICAL_CASE: _("%(kind)s %(number)s · %(severity)s(查询码 %(ref)s)"),
    }[kind] % values
    tz = case.platform.tz
    lines = [
        f"{case.platform.name} · {subject}",
        _("来源渠道:%(channel)s") % {"channel": case.get_channel_display()},
        _("受理时间:%(at)s") % {"at": zoned(case.received_at, tz)},
    ]
    lines += [_("时限:%(step)s,%(due)s 到期") % {"step": task_name(c), "due": zoned(c.due_at, tz, year=False)}
              for c in clocks]
    # Nothing of the reporter or the complaint itself: that stays behind the sign-in.
    lines.append(_("详情:%(link)s") % {"link": absolute_url("case-detail", case.pk)})
    return subject, "\n".join(lines)


def case_notices(case, *, now, clocks=()) -> int:
    """Tell the platform's officers of a new case that needs them at once (see
    `case_notice_kinds`), in the app and by mail (the send sweep mails the rows). The
    officer who registered the case is not told of it. Once per case, kind and officer:
    returns the rows really written."""
    kinds = case_notice_kinds(case)
    if not kinds:
        return 0
    officers = (Membership.objects.filter(platform_id=case.platform_id, role=Role.OFFICER)
                .exclude(user_id=case.created_by_id).values_list("user_id", flat=True))
    officers = list(officers)
    rows = []
    languages = languages_of(officers)
    for user_id in officers:
        with translation.override(languages[user_id]):  # the recipient's language
            for kind in kinds:
                subject, body = _case_message(kind, case, clocks)
                rows.append(Notification(recipient_id=user_id, kind=kind, case=case, subject=subject[:200], body=body,
                                         created_at=now))
    return len(insert_notifications(rows))
