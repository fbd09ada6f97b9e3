"""A case the officers hear of at once: a complaint from the public page, and a case of
the highest severity; and the person made a case's handler (负责人), at each assignment. The
notices wait in the outbox (notifications.py) like any other message, each in its recipient's
language: once per case, kind and officer, and once per assignment."""

from django.utils import translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Case, Membership, Notification, Role
from ..schedule.local_time import zoned
from ..trust.membership import person_name
from ..trust.preferences import languages_of
from .messages import task_name
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
    lines += _clock_lines(case, clocks)
    lines.append(_("负责人:%(name)s") % {"name": person_name(case.platform_id, case.assignee)} if case.assignee_id else
                 _("负责人:待分配(请在案件页指定)"))
    # Nothing of the reporter or the complaint itself: that stays behind the sign-in.
    lines.append(_("详情:%(link)s") % {"link": absolute_url("case-detail", case.pk)})
    return subject, "\n".join(lines)


def _clock_lines(case, clocks) -> list[str]:
    tz = case.platform.tz
    return [_("时限:%(step)s,%(due)s 到期") % {"step": task_name(c), "due": zoned(c.due_at, tz, year=False)}
            for c in clocks]


def _assignment_message(case, clocks, by) -> tuple[str, str]:
    subject = _("您已被指定为%(kind)s %(number)s 的负责人 · %(severity)s") % {
        "kind": case.get_kind_display(), "number": case.number, "severity": case.get_severity_display()}
    lines = [f"{case.platform.name} · {subject}",
             _("受理时间:%(at)s") % {"at": zoned(case.received_at, case.platform.tz)}]
    lines.append(_("指定人:%(name)s") % {"name": person_name(case.platform_id, by)} if by is not None else
                 _("指定:本平台该类义务只指定了您为执行人"))
    lines += _clock_lines(case, clocks)
    lines.append(_("详情:%(link)s") % {"link": absolute_url("case-detail", case.pk)})
    return subject, "\n".join(lines)


def assignment_notice(case, *, now, by, clocks=()) -> int:
    """Tell a case's new handler, in the app and by mail, that the case is theirs now, with the
    deadlines still running; nobody is told of a case they took themselves. Called in the
    transaction that opens or assigns the case, once per assignment: returns the rows written."""
    if case.assignee_id is None or (by is not None and case.assignee_id == by.pk):
        return 0
    with translation.override(languages_of([case.assignee_id])[case.assignee_id]):
        subject, body = _assignment_message(case, clocks, by)
    return len(insert_notifications([Notification(
        recipient_id=case.assignee_id, kind=Notification.Kind.CASE_ASSIGNED, case=case, subject=subject[:200],
        body=body, created_at=now)]))


def case_notices(case, *, now, clocks=()) -> int:
    """Tell the platform's officers of a new case that needs them at once (see
    `case_notice_kinds`), in the app and by mail (the send sweep mails the rows). The
    officer who registered the case is not told of it. Once per case, kind and officer:
    returns the rows really written."""
    kinds = case_notice_kinds(case)
    if not kinds:
        return 0
    officers = list(Membership.objects.filter(platform_id=case.platform_id, role=Role.OFFICER)
                    .exclude(user_id=case.created_by_id).values_list("user_id", flat=True))
    rows = []
    languages = languages_of(officers)
    for user_id in officers:
        with translation.override(languages[user_id]):  # the recipient's language
            for kind in kinds:
                subject, body = _case_message(kind, case, clocks)
                rows.append(Notification(recipient_id=user_id, kind=kind, case=case, subject=subject[:200], body=body,
                                         created_at=now))
    return len(insert_notifications(rows))
