"""The chain's head witnessed outside the database, and the re-anchoring on record.

The head (how many records the chain holds, and the last one's hash, written `N:HASH`)
is printed in every sealed review, every regulator report and the officers' daily
digest. Whoever keeps one can later ask `verify_audit --head N:HASH` whether the chain's
N-th record still has that hash: a chain cut, or rewritten, below a head someone kept no
longer answers yes, even when the anchor file was lost with it.

A chain with records and no anchor is an error (audit_verify: `unanchored`). Only an
audited command ends it: `audit_reanchor` writes an `audit.reanchor` record (the reason,
and the head as found) and anchors it. The record stays in the trail, and verify_audit
names the last one, so a re-anchoring that may hide a cut tail is never silent.
"""

import re
from dataclasses import dataclass

from django.db.models import F, Func, Subquery
from django.utils.translation import gettext as _

from ..errors import DomainError
from ..models import AuditEvent
from .audit import GENESIS, ChainCheck, audit_record, audit_verify

HEAD_FORMAT = re.compile(r"^(\d+):([0-9a-f]{64})$")


@dataclass(frozen=True)
class AuditHead:
    count: int
    hash: str

    def __str__(self):
        return f"{self.count}:{self.hash}"

    def as_dict(self) -> dict:
        return {"count": self.count, "hash": self.hash}


def head_text(head: dict | None) -> str:
    """A head kept in a snapshot or report ({"count", "hash"}) as people copy it: N:HASH."""
    return str(AuditHead(head["count"], head["hash"])) if head else ""


def audit_head() -> AuditHead:
    """The chain's head now: its record count and its last record's hash, in one query."""
    total = AuditEvent.objects.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")
    found = AuditEvent.objects.order_by("-id").annotate(total=Subquery(total)).values_list("total", "hash").first()
    return AuditHead(*found) if found else AuditHead(0, GENESIS)


def parse_head(text: str) -> AuditHead:
    match = HEAD_FORMAT.match((text or "").strip().lower())
    if not match or int(match[1]) < 1:
        raise DomainError(_("链头格式应为 记录数:哈希(64 位十六进制),例如 1024:9f…"))
    return AuditHead(int(match[1]), match[2])


def head_problem(kept: AuditHead) -> str | None:
    """Why the chain no longer holds the kept head (its N-th record with that hash), or None."""
    found = AuditEvent.objects.order_by("id").values_list("id", "hash")[kept.count - 1:kept.count].first()
    if found is None:
        return _("审计链已不足 %(n)d 条记录:保存的链头之后或之前的记录被删除。") % {"n": kept.count}
    if found[1] != kept.hash:
        return _("审计链的第 %(n)d 条记录(#%(id)s)已不是保存的链头 %(hash)s…:记录被改写、删除或插入。") % {
            "n": kept.count, "id": found[0], "hash": kept.hash[:12]}
    return None


def audit_reanchor(*, reason: str, now) -> AuditEvent:
    """Anchor a chain whose anchor is lost, on record. Only that: a chain otherwise broken,
    or anchored, is refused (compare it with a kept head first)."""
    if not (reason or "").strip():
        raise DomainError(_("重新锚定必须说明理由。"))
    check = audit_verify()
    if check.reason != ChainCheck.UNANCHORED:
        raise DomainError(_("只有缺少锚点的审计链可以重新锚定:%(state)s") % {"state": check.describe()})
    return audit_record(at=now, action="audit.reanchor", reanchor=True,
                        data={"reason": reason.strip(), "count": check.count, "head": check.head_id,
                              "head_hash": check.head_hash})


def last_reanchor() -> AuditEvent | None:
    return AuditEvent.objects.filter(action="audit.reanchor").order_by("-id").first()
