"""The seal of a closed review: an HMAC-SHA256, under the audit key (trust/audit.py), over
the canonical snapshot, the sorted evidence hashes and the completions of the quarter.
The key is kept outside the database, so a snapshot rewritten there cannot be sealed
again; and the `review.close` audit record, in the keyed chain, holds the seal given at
closing. `review_verify` recomputes what the database and the evidence files hold now,
checks the seal against that record, and names what changed since the seal.

Reviews closed before the seal was keyed (migration 0014) carry a plain SHA-256 seal,
printed in the reports already sent: it is checked as it was made (their snapshot has no
`seal_algorithm`), and against their `review.close` record like any other, which is what
a snapshot rewritten with a recomputed SHA-256 no longer matches."""

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ..models import AuditEvent, Evidence, Review
from ..models.evidence import evidence_storage
from ..schedule.local_time import instant
from ..trust.audit import audit_key
from .review_snapshot import completion_rows, evidence_rows

KEYED = "hmac-sha256"
LEGACY = "sha256"  # before migration 0014
COMPLETION_TIMES = ("completed_at", "reopened_at")


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal_algorithm(snapshot: dict) -> str:
    return snapshot.get("seal_algorithm") or LEGACY


def seal_name(snapshot: dict) -> str:
    """The seal's algorithm as pages and reports name it: the one the snapshot was sealed with."""
    return "HMAC-SHA256" if seal_algorithm(snapshot) == KEYED else "SHA-256"


def seal_note(snapshot: dict) -> str:
    """One line under a printed seal: who can recompute it, and how to check it."""
    if seal_algorithm(snapshot) == KEYED:
        return _("封签以审计密钥计算,只有持有该密钥者才能重新计算;核验请运行 python manage.py verify_review。")
    return _("封签是审查关闭时冻结数据的 SHA-256;数据任何改动都会使其不符。")


def seal_of(snapshot: dict) -> str:
    """The seal of `snapshot` by the algorithm it names (itself covered by the seal)."""
    figures = {k: v for k, v in snapshot.items() if k not in ("seal", "evidence", "completions")}
    digest = hmac.new(audit_key(), digestmod=hashlib.sha256) if seal_algorithm(snapshot) == KEYED \
        else hashlib.sha256()
    digest.update(canonical(figures))
    digest.update(b"\n" + "\n".join(sorted(e["sha256"] for e in snapshot["evidence"])).encode())
    digest.update(b"\n" + canonical(sorted(snapshot["completions"], key=lambda c: c["id"])))
    return digest.hexdigest()


@dataclass
class Difference:
    what: str  # evidence | completion
    change: str  # changed | removed | added
    ident: int
    detail: str

    def __str__(self):
        return _("%(what)s %(id)s %(change)s:%(detail)s") % {
            "what": DIFFERENCE_WORDS.get(self.what, self.what), "id": self.ident,
            "change": DIFFERENCE_WORDS.get(self.change, self.change), "detail": self.detail}


DIFFERENCE_WORDS = {
    "seal": pgettext_lazy("seal difference", "封签"), "evidence": pgettext_lazy("seal difference", "佐证材料"),
    "completion": pgettext_lazy("seal difference", "完成记录"), "changed": pgettext_lazy("seal difference", "已改动"),
    "removed": pgettext_lazy("seal difference", "已删除"), "added": pgettext_lazy("seal difference", "新增"),
}


def _file_hash(evidence: Evidence) -> str | None:
    try:
        with evidence_storage().open(evidence.file.name, "rb") as f:
            digest = hashlib.sha256()
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (OSError, FileNotFoundError):
        return None


def _comparable(completion: dict) -> dict:
    """A completion row with its times as instants: a snapshot sealed with UTC strings
    matches the same completion read now in local time."""
    return {k: instant(v) if k in COMPLETION_TIMES and v else v for k, v in completion.items()}


def seal_differences(review: Review) -> list[Difference]:
    """What is wrong with the seal: the snapshot no longer gives it, or it is not the seal
    the review's `review.close` record (intact in the keyed chain) holds."""
    snapshot, found = review.snapshot, []
    if seal_of(snapshot) != review.seal or snapshot.get("seal") != review.seal:
        found.append(Difference("seal", "changed", review.pk,
                                _("%(seal)s 不是所存快照的 %(algorithm)s 封签")
                                % {"seal": review.seal, "algorithm": seal_algorithm(snapshot)}))
    record = (AuditEvent.objects.filter(action="review.close", object_type="Review", object_id=str(review.pk))
              .order_by("-id").first())
    if record is None or record.compute_hash(audit_key()) != record.hash:
        found.append(Difference("seal", "removed", review.pk, _("没有完好的 review.close 记录持有该封签")))
    elif record.data.get("seal") != review.seal or record.data.get("algorithm", LEGACY) != seal_algorithm(snapshot):
        found.append(Difference("seal", "changed", review.pk,
                                _("关闭时封存的是 %(then)s(记录 #%(record)s),现在是 %(now)s")
                                % {"then": record.data.get("seal"), "record": record.pk, "now": review.seal}))
    return found


def review_verify(review: Review) -> tuple[bool, list[Difference]]:
    """(the seal still holds: it is the stored snapshot's and the one given at closing,
    what changed since closing: the seal's problems first, then evidence and completions)."""
    snapshot = review.snapshot
    differences = seal_differences(review)
    intact = not differences
    then = {e["id"]: e for e in snapshot["evidence"]}
    now_rows = {e["id"]: e for e in evidence_rows(review)}
    files = {e.pk: e for e in Evidence.objects.filter(pk__in=then.keys() | now_rows.keys())}
    for ident, e in then.items():
        if ident not in now_rows or ident not in files:
            differences.append(Difference("evidence", "removed", ident, e["file"]))
            continue
        actual = _file_hash(files[ident])
        if actual is None:
            differences.append(Difference("evidence", "removed", ident, _("%(file)s:文件已不存在") % {"file": e["file"]}))
        elif actual != e["sha256"]:
            detail = _("%(file)s:SHA-256 %(then)s → %(now)s") % {"file": e["file"], "then": e["sha256"], "now": actual}
            differences.append(Difference("evidence", "changed", ident, detail))
    for ident in now_rows.keys() - then.keys():
        differences.append(Difference("evidence", "added", ident, now_rows[ident]["file"]))
    before = {c["id"]: _comparable(c) for c in snapshot["completions"]}
    current = {c["id"]: _comparable(c) for c in completion_rows(review)}
    for ident, c in before.items():
        if ident not in current:
            differences.append(Difference("completion", "removed", ident, _("任务 %(task)s") % {"task": c["occurrence"]}))
        elif current[ident] != c:
            changed = [k for k in c if current[ident].get(k) != c[k]]
            differences.append(Difference("completion", "changed", ident,
                                          _("任务 %(task)s:%(fields)s")
                                          % {"task": c["occurrence"], "fields": ", ".join(changed)}))
    for ident in current.keys() - before.keys():
        differences.append(Difference("completion", "added", ident,
                                      _("任务 %(task)s") % {"task": current[ident]["occurrence"]}))
    return intact, differences
