"""The last integrity check and its result, failed ones too, kept beside the anchor
(the anchor file's "checks", under the audit key's HMAC): the audit-log page shows when
the records were last checked and what was found, and never calls the chain intact
while the last check found it broken.

verify_audit and the daily integrity sweep keep every result (the chain, and each task's,
case's and review's state against its trail); the page keeps the failures its own walk
finds. A failure stays the last result until a later check passes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import ChainCheck, audit_status, state_entry_read, state_entry_write

SECTION = "checks"


@dataclass
class CheckResult:
    at: datetime
    chain: ChainCheck
    differences: int = 0  # rows whose state is not the one their trail gives
    head_problem: str = ""  # a kept head the chain no longer holds
    by: str = ""  # verify_audit | integrity | page

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.differences and not self.head_problem

    def describe(self) -> str:
        parts = [] if self.chain.ok and not self.ok else [self.chain.describe()]
        if self.differences:
            parts.append(ngettext("%(n)d 条任务、案件或审查的状态与其审计记录不符。",
                                  "%(n)d 条任务、案件或审查的状态与其审计记录不符。", self.differences)
                         % {"n": self.differences})
        if self.head_problem:
            parts.append(self.head_problem)
        return " ".join(parts)


def check_keep(result: CheckResult) -> None:
    chain = result.chain
    state_entry_write(SECTION, {
        "at": result.at.isoformat(), "by": result.by, "reason": chain.reason, "broken_id": chain.broken_id,
        "count": chain.count, "head_id": chain.head_id, "differences": result.differences,
        "head_problem": result.head_problem})


def last_check() -> CheckResult | None:
    """The last check kept, None when there is none (or it fails its HMAC)."""
    entry = state_entry_read(SECTION)
    if entry is None:
        return None
    try:
        chain = ChainCheck(count=int(entry["count"]), head_id=entry["head_id"], broken_id=entry["broken_id"],
                           reason=str(entry["reason"]))
        return CheckResult(at=datetime.fromisoformat(entry["at"]), chain=chain, by=str(entry["by"]),
                           differences=int(entry["differences"]), head_problem=str(entry["head_problem"]))
    except (KeyError, TypeError, ValueError):
        return None


def page_status(*, now) -> tuple[ChainCheck, CheckResult | None]:
    """For the audit-log page: the chain as walked now (in full when the last check failed,
    so a break before the checkpoint is seen again), and the last check kept. A failure
    the walk finds is kept as the last check."""
    last = last_check()
    chain = audit_status(full=last is not None and not last.ok)
    if not chain.ok:
        last = CheckResult(at=now, chain=chain, by="page")
        check_keep(last)
    return chain, last


def status_text(chain: ChainCheck, last: CheckResult | None) -> str:
    """What the page says: intact only when the walk and the last check both found it so."""
    if not chain.ok:
        return chain.describe()
    if last is not None and not last.ok:
        return _("上次核查未通过:") + last.describe()
    return chain.describe()
