"""Evidence a download found changed or missing (work/evidence.evidence_open_verified): the
platform's officers hear of it at once, in the app and by mail, rather than when the weekly
re-hash reaches that file's day. Once per file and officer (the outbox's unique constraint on
the evidence): a second download of the same file tells no one again. Each message is in its
recipient's language and holds no file content, only where to look."""

from django.utils import translation
from django.utils.translation import gettext as _

from ..links import absolute_url
from ..models import Evidence, Membership, Notification, Role
from ..schedule.local_time import zoned
from ..trust.preferences import languages_of
from .messages import task_name
from .outbox import insert_notifications
from .webhooks import E, evidence_payload, record


def _message(evidence: Evidence, found: str | None, by) -> tuple[str, str]:
    tz = evidence.platform.tz
    what = _("已缺失") if found is None else _("内容已被改动")
    subject = _("佐证文件%(what)s:%(name)s") % {"what": what, "name": evidence.original_name}
    lines = [
        f"{evidence.platform.name} · {subject}",
        _("任务:%(task)s") % {"task": task_name(evidence.occurrence)},
        _("上传:%(at)s,%(who)s") % {"at": zoned(evidence.uploaded_at, tz), "who": evidence.uploaded_by.get_username()},
        _("上传时记录的 SHA-256:%(hash)s") % {"hash": evidence.sha256},
        _("现在的 SHA-256:%(hash)s") % {"hash": found} if found else _("存储中已找不到该文件。"),
        _("发现者:%(who)s(下载时复核)") % {"who": by.get_username() if by else "—"},
        _("该文件已拒绝下载。请核查存储并补充或更正佐证材料。"),
        _("详情:%(link)s") % {"link": absolute_url("occurrence-detail", evidence.occurrence_id)},
    ]
    return subject[:200], "\n".join(lines)


def evidence_mismatch_notices(evidence: Evidence, *, found: str | None, by, now) -> int:
    """Tell the platform's officers that `evidence` no longer matches its SHA-256 (`found`: the
    hash found, None for a missing file), in the app and by mail (the send sweep mails the rows).
    Returns the rows really written: 0 when they were told of this file already. The platform's
    webhooks hear of it too, once per file (`evidence_webhooks`)."""
    evidence_webhooks(evidence, found=found, now=now)
    officers = list(Membership.objects.filter(platform_id=evidence.platform_id, role=Role.OFFICER)
                    .values_list("user_id", flat=True))
    languages = languages_of(officers)
    rows = []
    for user_id in officers:
        with translation.override(languages[user_id]):  # the recipient's language
            subject, body = _message(evidence, found, by)
        rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.EVIDENCE_MISMATCH, evidence=evidence,
                                 subject=subject, body=body, created_at=now))
    return len(insert_notifications(rows))


def evidence_webhooks(evidence: Evidence, *, found: str | None, now) -> int:
    """The platform's webhook endpoints told of the file once (whether a download or the daily
    re-hash found it first)."""
    return record(E.EVIDENCE_MISMATCH, platform_id=evidence.platform_id, subject_id=evidence.pk,
                  payload=lambda: evidence_payload(evidence, found, now), now=now)
