"""The case register of a period (案件清单), as the quarterly review and the regulator's report
list it: one line per case with its number, kind, when it was received, responded to and
decided (its first and its last clock completed, in local time with the offset) and its
state. Two queries whatever the number of cases."""

from ..models import Occurrence
from ..schedule.local_time import local_iso

LATE_STATES = (Occurrence.State.MISSED, Occurrence.State.DONE_LATE)


def case_register(cases, tz) -> list[dict]:
    """`cases`: a queryset of the period's cases (each caller keeps its own boundaries)."""
    rows = list(cases.order_by("received_at", "id").values("id", "number", "kind", "severity", "state", "received_at"))
    clocks: dict[int, dict[int, dict]] = {}
    for c in (Occurrence.objects.filter(case_id__in=[r["id"] for r in rows])
              .values("case_id", "sequence", "state", "completed_at")):
        clocks.setdefault(c["case_id"], {})[c["sequence"]] = c
    out = []
    for r in rows:
        steps = clocks.get(r["id"], {})
        first = steps.get(min(steps)) if steps else None
        last = steps.get(max(steps)) if len(steps) > 1 else None
        out.append({
            "number": r["number"], "kind": r["kind"], "severity": r["severity"], "state": r["state"],
            "received_at": local_iso(r["received_at"], tz),
            "responded_at": local_iso(first["completed_at"], tz) if first else None,
            "decided_at": local_iso(last["completed_at"], tz) if last else None,
            # A clock missed or answered late: the line says the promise was broken.
            "late": any(s["state"] in LATE_STATES for s in steps.values()),
        })
    return out
