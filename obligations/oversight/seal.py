"""The seal of a closed review: SHA-256 over the canonical snapshot, the sorted evidence
hashes and the completions of the quarter. `review_verify` recomputes what the
database and the evidence files hold now, and names what changed since the seal."""

import hashlib
import json
from dataclasses import dataclass

from ..models import Evidence, Review
from ..models.evidence import evidence_storage
from ..schedule.local_time import instant
from .review_snapshot import completion_rows, evidence_rows

COMPLETION_TIMES = ("completed_at", "reopened_at")


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal_of(snapshot: dict) -> str:
    figures = {k: v for k, v in snapshot.items() if k not in ("seal", "evidence", "completions")}
    digest = hashlib.sha256()
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
        return f"{self.what} {self.ident} {self.change}: {self.detail}"


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


def review_verify(review: Review) -> tuple[bool, list[Difference]]:
    """(the stored seal still matches the stored snapshot, what changed since closing)."""
    snapshot = review.snapshot
    intact = seal_of(snapshot) == review.seal
    differences = []
    then = {e["id"]: e for e in snapshot["evidence"]}
    now_rows = {e["id"]: e for e in evidence_rows(review)}
    files = {e.pk: e for e in Evidence.objects.filter(pk__in=then.keys() | now_rows.keys())}
    for ident, e in then.items():
        if ident not in now_rows or ident not in files:
            differences.append(Difference("evidence", "removed", ident, e["file"]))
            continue
        actual = _file_hash(files[ident])
        if actual is None:
            differences.append(Difference("evidence", "removed", ident, f"{e['file']}: the file is gone"))
        elif actual != e["sha256"]:
            detail = f"{e['file']}: sha256 {e['sha256']} → {actual}"
            differences.append(Difference("evidence", "changed", ident, detail))
    for ident in now_rows.keys() - then.keys():
        differences.append(Difference("evidence", "added", ident, now_rows[ident]["file"]))
    before = {c["id"]: _comparable(c) for c in snapshot["completions"]}
    current = {c["id"]: _comparable(c) for c in completion_rows(review)}
    for ident, c in before.items():
        if ident not in current:
            differences.append(Difference("completion", "removed", ident, f"task {c['occurrence']}"))
        elif current[ident] != c:
            changed = [k for k in c if current[ident].get(k) != c[k]]
            differences.append(Difference("completion", "changed", ident,
                                          f"task {c['occurrence']}: {', '.join(changed)}"))
    for ident in current.keys() - before.keys():
        differences.append(Difference("completion", "added", ident, f"task {current[ident]['occurrence']}"))
    return intact, differences
