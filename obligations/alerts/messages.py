"""One message's words: a task as a message names it, its due time local with the zone named, each
kind's subject and body, and the subjects as templates for the catch-up lines worded in SQL
(late_rows.py). Worded in the active language: the caller picks the recipient's."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ..letters.presentation import deadline_phrase
from ..links import absolute_url
from ..models import Notification
from ..schedule.local_time import zoned
from . import late_rows


def when(occ):
    """A task's due time as a message says it: local to its platform, the zone named."""
    return zoned(occ.due_at, occ.platform.tz, year=False)


def task_name(occ) -> str:
    """A task as a message names it: a case's clock by its case and step (投诉举报
    TS-2026-000012 · 24小时内响应), any other by its title (#n when several a period)."""
    ob = occ.obligation
    if occ.deadline:
        case = occ.case
        return _("%(kind)s %(number)s · %(step)s") % {
            "kind": case.get_kind_display(), "number": case.number, "step": deadline_phrase(occ.deadline, case.severity)}
    return ob.title + (f" #{occ.sequence}" if ob.count > 1 else "")


def _subject_format(kind) -> str:
    return {
        Notification.Kind.OPENED: _("任务已开始:%(name)s,%(due)s 到期"),
        Notification.Kind.DUE_SOON: _("即将到期:%(name)s,%(due)s 到期"),
        Notification.Kind.ESCALATE_OFFICER: _("逾期未完成:%(name)s(%(due)s 到期)"),
        Notification.Kind.ESCALATE_GROUP: _("监督小组关注:%(name)s 未按期完成(%(due)s 到期)"),
    }[kind]


def _body_format() -> str:
    return _("%(platform)s · 条款 %(clause)s\n%(subject)s\n详情:%(link)s")


def message(kind, occ):
    subject = _subject_format(kind) % {"name": task_name(occ), "due": when(occ)}
    body = _body_format() % {
        "platform": occ.platform.name, "clause": occ.clause.number, "subject": subject,
        "link": absolute_url("occurrence-detail", occ.pk)}  # mail apps open only absolute links
    if occ.case_id:
        body += "\n" + _("案件:%(link)s") % {"link": absolute_url("case-detail", occ.case_id)}
    return subject, body


def templates() -> list[dict]:
    """Each kind's subject per language, markers where late_rows.py puts a task's own words."""
    rows = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            due = _("%(time)s(%(zone)s)") % {"time": late_rows.TIME, "zone": late_rows.ZONE}
            for kind in (*late_rows.REMINDERS, *late_rows.ESCALATIONS):
                rows.append({"kind": kind, "language": language, "beijing": _("北京时间"),
                             "template": _subject_format(kind) % {"name": late_rows.NAME, "due": due}})
    return rows
