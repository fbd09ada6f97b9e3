"""The review's exceptions as the officer works through them: the ones still waiting for an
explanation first, narrowed by obligation, cause or day, and a selection to explain at once.

A filter picks the rows; the waiting rows it picks come selected, so "every missed 安全检查"
or "everything late on 10-03" is one choice and one explanation. A row of a day belongs to
the day its due time closes, (start, end], as on the dashboard: the 24:00 check is that day's.
Works on the snapshot's rows, so a sealed review's frozen list reads the same way.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext_lazy

from ..schedule.local_time import local

ONE_MICROSECOND = timedelta(microseconds=1)
# Why a task is an exception, in the list's order, each with its name (pages, filter, both reports).
CAUSES = {"missed": gettext_lazy("未完成"), "late": gettext_lazy("逾期完成"), "breached": gettext_lazy("超出时限"),
          "waived": gettext_lazy("已豁免")}


def labelled(rows: list[dict]) -> list[dict]:
    """Exception rows with their cause's name beside its code (`kind_label`)."""
    return [{**row, "kind_label": str(CAUSES.get(row["kind"], row["kind"]))} for row in rows]


def obligation_of(row: dict) -> str:
    """The name a row's obligation is chosen by: its clause and title."""
    return f"{row['clause']} {row['title']}"


def day_of(row: dict, tz) -> date:
    return (local(row["due_at"], tz) - ONE_MICROSECOND).date()


@dataclass
class ExceptionFilter:
    obligation: str = ""
    cause: str = ""
    day: date | None = None
    waiting: bool = False  # only those without an explanation

    @property
    def active(self) -> bool:
        return bool(self.obligation or self.cause or self.day or self.waiting)

    def matches(self, row: dict, tz) -> bool:
        return ((not self.obligation or obligation_of(row) == self.obligation)
                and (not self.cause or row["kind"] == self.cause)
                and (not self.day or day_of(row, tz) == self.day)
                and (not self.waiting or not row["explanation"]))

    def query(self) -> dict:
        """The filter as the form's fields, for links and the form that keeps it across a save."""
        return {name: value for name, value in (("obligation", self.obligation), ("cause", self.cause),
                                                ("day", self.day.isoformat() if self.day else ""),
                                                ("waiting", "on" if self.waiting else "")) if value}


@dataclass
class ExceptionPanel:
    rows: list[dict]  # the rows shown, waiting first, each with "selected" and "day"
    total: int  # every exception of the quarter
    waiting: int  # of them, without an explanation
    obligations: list[str]  # the choices of the filter
    causes: list[str]
    days: list[date]
    filter: ExceptionFilter = field(default_factory=ExceptionFilter)

    @property
    def selected(self) -> int:
        return sum(1 for r in self.rows if r["selected"])


def exception_panel(exceptions: list[dict], tz, chosen: ExceptionFilter | None = None,
                    selected: set[int] | None = None) -> ExceptionPanel:
    """The rows `chosen` picks, waiting first then by due time. `selected` (ids sent with a
    form that failed) keeps the officer's own ticks; else the waiting rows a filter picks are
    selected, and none when no filter is set."""
    chosen = chosen or ExceptionFilter()
    shown = [r for r in exceptions if chosen.matches(r, tz)]
    shown.sort(key=lambda r: (bool(r["explanation"]), local(r["due_at"], tz), r["occurrence"]))
    rows = []
    for r in shown:
        ticked = (r["occurrence"] in selected) if selected is not None else (chosen.active and not r["explanation"])
        rows.append({**r, "selected": ticked, "day": day_of(r, tz)})
    causes = {r["kind"] for r in exceptions}
    return ExceptionPanel(
        rows=rows, total=len(exceptions), waiting=sum(1 for r in exceptions if not r["explanation"]),
        obligations=sorted({obligation_of(r) for r in exceptions}),
        causes=[c for c in CAUSES if c in causes], days=sorted({day_of(r, tz) for r in exceptions}), filter=chosen)
