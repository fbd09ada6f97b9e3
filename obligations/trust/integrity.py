"""The daily integrity sweep: is what we keep still what we recorded?

`integrity_check(now)` verifies the audit chain end to end (and, when it holds, anchors
its head), checks each task's, case's and review's state against its trail
(trail_states.py), keeps the result for the audit-log page (check_log.py), and re-hashes a seventh of the evidence files against their stored SHA-256:
the files whose id modulo 7 equals the day number modulo 7, so every file is read once
a week. A failure is logged and written to the outbox: one Notification of kind
"integrity" a day for every officer of the affected platform and every site
administrator (the outbox sends it by email and shows it in the inbox). A file found
changed or missing is also recorded in the audit trail (evidence.mismatch), once a day.

Safe to run twice: the notifications and records are once a day.
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import AuditEvent, Evidence, Membership, Notification, Role
from ..models.evidence import evidence_storage
from .access import is_site_admin
from .audit import ChainCheck, audit_anchor_head, audit_record, audit_verify
from .check_log import CheckResult, check_keep
from .preferences import languages_of
from .trail_states import StateDifference, trail_differences

SHARES = 7  # a file is re-hashed every SHARES days
CHUNK = 1 << 20
log = logging.getLogger(__name__)


def file_sha256(evidence: Evidence, copy_to=None) -> str | None:
    """The SHA-256 of the stored file as it is now (None if it is missing or unreadable);
    `copy_to` receives the bytes that were hashed, for serving exactly those."""
    digest = hashlib.sha256()
    try:
        with evidence_storage().open(evidence.file.name, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                digest.update(chunk)
                if copy_to is not None:
                    copy_to.write(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def evidence_share(day: date):
    """The evidence files re-hashed on `day` (not those disposed of after their retention:
    their files are gone on purpose, with the officer's approval)."""
    return (Evidence.objects.annotate(share=F("id") % SHARES).filter(share=day.toordinal() % SHARES)
            .filter(disposal__approved_at__isnull=True))


@dataclass
class Mismatch:
    evidence: Evidence
    found: str | None  # the file's hash now; None: the file is missing

    def describe(self) -> str:
        if self.found is None:
            return _("佐证文件 #%(id)s“%(name)s”已缺失。") % {"id": self.evidence.pk, "name": self.evidence.original_name}
        return _("佐证文件 #%(id)s“%(name)s”的内容已被改变(SHA-256 不再是 %(sha)s)。") % {
            "id": self.evidence.pk, "name": self.evidence.original_name, "sha": self.evidence.sha256[:12]}


@dataclass
class StatesFound:
    """Rows whose state is not the one their audit trail gives."""

    differences: list[StateDifference]

    def describe(self) -> str:
        shown = "; ".join(str(d) for d in self.differences[:10])
        return _("%(n)d 条任务、案件或审查的状态与其审计记录不符(数据库中被绕过应用修改):%(rows)s") % {
            "n": len(self.differences), "rows": shown + ("…" if len(self.differences) > 10 else "")}


@dataclass
class IntegrityReport:
    chain: ChainCheck
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    notified: int = 0
    differences: list[StateDifference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.mismatches and not self.differences


def integrity_check(*, now: datetime) -> IntegrityReport:
    chain = audit_verify()
    if chain.ok:
        audit_anchor_head(chain)
    else:
        log.error("audit chain broken: %s (record %s, %s)", chain.reason, chain.broken_id, chain.describe())
    day = timezone.localdate(now)
    report = IntegrityReport(chain=chain, differences=trail_differences())
    for difference in report.differences:
        log.error("state changed below the app: %s", difference)
    check_keep(CheckResult(at=now, chain=chain, differences=len(report.differences), by="integrity"))
    for evidence in evidence_share(day).select_related("platform").order_by("id").iterator(chunk_size=200):
        report.checked += 1
        found = file_sha256(evidence)
        if found != evidence.sha256:
            report.mismatches.append(Mismatch(evidence, found))
            log.error("evidence %s (%s) no longer matches its sha256 %s: found %s", evidence.pk,
                      evidence.file.name, evidence.sha256, found or "no file")
    _record_mismatches(report.mismatches, now, day)
    report.notified = _alert(report, now, day)
    return report


def _record_mismatches(mismatches, now, day) -> None:
    start = timezone.make_aware(datetime.combine(day, time.min))
    already = set(AuditEvent.objects.filter(action="evidence.mismatch", object_type="Evidence", at__gte=start,
                                            object_id__in=[str(m.evidence.pk) for m in mismatches])
                  .values_list("object_id", flat=True))
    for m in mismatches:
        if str(m.evidence.pk) not in already:
            audit_record(at=now, action="evidence.mismatch", obj=m.evidence, platform=m.evidence.platform,
                         data={"expected": m.evidence.sha256, "found": m.found, "file": m.evidence.file.name,
                               "by": "integrity_check"})


def site_admins() -> list[int]:
    User = get_user_model()
    return [u.pk for u in User._default_manager.filter(is_active=True, is_staff=True) if is_site_admin(u)]


def _alert(report: IntegrityReport, now, day) -> int:
    """One notification a day per recipient, naming every problem they should hear of, in
    the recipient's language."""
    if report.ok:
        return 0
    problems = defaultdict(list)  # platform id (None: the whole site) -> problems (each with describe())
    if not report.chain.ok:
        broken = AuditEvent.objects.filter(pk=report.chain.broken_id).values_list("platform_id", flat=True).first()
        problems[broken].append(report.chain)
    for m in report.mismatches:
        problems[m.evidence.platform_id].append(m)
    if report.differences:
        problems[None].append(StatesFound(report.differences))
    officers = defaultdict(set)
    for platform_id, user_id in Membership.objects.filter(
            platform_id__in=[p for p in problems if p is not None], role=Role.OFFICER).values_list(
            "platform_id", "user_id"):
        officers[platform_id].add(user_id)
    admins = set(site_admins())
    per_user = defaultdict(list)
    for platform_id, found in problems.items():
        for user_id in admins | officers.get(platform_id, set()):
            per_user[user_id].extend(found)
    done = set(Notification.objects.filter(kind=Notification.Kind.INTEGRITY, digest_date=day,
                                           occurrence__isnull=True).values_list("recipient_id", flat=True))
    languages = languages_of(per_user)
    rows = []
    for user_id, found in per_user.items():
        if user_id in done:
            continue
        with translation.override(languages[user_id]):
            lines = [problem.describe() for problem in found]
            rows.append(Notification(recipient_id=user_id, kind=Notification.Kind.INTEGRITY, digest_date=day,
                                     subject=_("完整性告警:%(count)d 个问题需要核查") % {"count": len(lines)},
                                     body="\n".join(lines + [_("请立即核查,并保留现场。")]), created_at=now))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent run may have written some
    return len(rows)
