"""The dashboard's lists, from their grouped query: a line per obligation and closing day,
a line per case clock, and the page's way of writing times."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from obligations.models import Occurrence
from obligations.oversight.task_lines import Lines, stamp, task_groups
from obligations.work.occurrences import occurrence_complete
from obligations.work.sweeps import obligations_materialize
from tests.cases.support import at, open_case

SH = ZoneInfo("Asia/Shanghai")


def lines_at(platform, now, *, overdue):
    """The lines as the page builds them, for the week ahead of `now` (or what is past due)."""
    groups = task_groups(platform, SH, now, now + timedelta(days=7))
    maker = Lines(now, SH, "/list/")
    return [maker.line(r, overdue=overdue) for r in groups if (r["late"] if overdue else r["ahead"])]


def test_a_due_soon_line_counts_only_the_open_tasks_of_its_day_inside_the_window(signed_letter, platform, staff):
    """Now Tuesday 12:00: of today's checks 08:00 is late and 16:00 done, so today's line is the
    24:00 check alone; Wednesday's three are one line; of next Tuesday's only 08:00 is within
    7 × 24 hours."""
    now = at(2026, 11, 3, 12)
    obligations_materialize(now=now)
    done = Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 3, 16))
    occurrence_complete(occurrence=done, user=staff, now=now, evidence_count=1)
    checks = {line.day.isoformat(): line for line in lines_at(platform, now, overdue=False)
              if line.name == "三.2 安全检查"}
    assert list(checks) == [f"2026-11-{d:02d}" for d in range(3, 11)]
    midnight = Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 4, 0))
    today = checks["2026-11-03"]
    assert (today.count, today.drill, today.href, today.when) == (1, False, f"/occurrences/{midnight.pk}/",
                                                                  "到期 11-04 00:00")
    wednesday = checks["2026-11-04"]
    assert (wednesday.count, wednesday.drill, wednesday.when, wednesday.detail) == (3, True, "11-04 周三", "×3")
    assert wednesday.href == "/list/?due_soon=on&obligation=%E4%B8%89.2&date_from=2026-11-04&date_to=2026-11-04"
    last = checks["2026-11-10"]
    assert (last.count, last.when) == (1, "到期 11-10 08:00")  # 16:00 and 24:00 fall after the window


def test_an_overdue_line_counts_only_its_late_tasks_and_one_task_links_to_itself(signed_letter, platform):
    now = at(2026, 11, 3, 12)
    obligations_materialize(now=now)
    late = Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 3, 8))
    [line] = [x for x in lines_at(platform, now, overdue=True) if x.name == "三.2 安全检查" and x.day == now.date()]
    assert (line.count, line.drill, line.late) == (1, False, True)
    assert line.href == f"/occurrences/{late.pk}/" and line.when == "到期 11-03 08:00"


def test_a_case_clock_is_a_line_named_by_its_case_and_step(signed_letter, platform):
    case = open_case(platform, received=at(2026, 11, 3, 9))
    now = at(2026, 11, 3, 12)
    clocks = [line for line in lines_at(platform, now, overdue=False) if line.href == f"/cases/{case.pk}/"]
    assert clocks and all(line.name.startswith(case.number + " ") for line in clocks)
    assert {line.name.split(" ", 1)[1] for line in clocks} == {"响应", "处理意见"}


def test_stamp_adds_the_year_only_when_it_differs():
    now = datetime(2026, 11, 15, 12, tzinfo=SH)
    assert stamp(datetime(2026, 12, 31, 16, tzinfo=SH), SH, now) == "12-31 16:00"
    assert stamp(datetime(2027, 1, 1, 0, tzinfo=SH), SH, now) == "2027-01-01 00:00"
    assert stamp(datetime(2025, 12, 31, 16, 30, tzinfo=SH), SH, now) == "2025-12-31 16:30"
    assert stamp(datetime(2027, 1, 1, tzinfo=SH).date(), SH, now) == "2027-01-01"
    assert stamp(datetime(2026, 12, 31, 16, 30, tzinfo=SH).astimezone(ZoneInfo("UTC")), SH, now) == \
        "12-31 16:30"  # in the platform's zone
