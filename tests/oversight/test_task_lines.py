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
    soon = now + timedelta(days=7)
    groups = task_groups(platform, SH, now, soon, now - timedelta(microseconds=1),
                         datetime.combine(soon.astimezone(SH).date() + timedelta(days=1), datetime.min.time(), SH))
    maker = Lines(now, SH, "/list/")
    return [maker.line(r, overdue=overdue) for r in groups if (r["late"] if overdue else r["ahead"])]


def test_the_tasks_of_one_obligation_and_day_are_one_line_that_counts_them(signed_letter, platform, staff):
    now = at(2026, 11, 3, 12)
    obligations_materialize(now=now)
    done = Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 3, 16))
    occurrence_complete(occurrence=done, user=staff, now=now, evidence_count=1)
    today = [line for line in lines_at(platform, now, overdue=False)
             if line.name == "三.2 安全检查" and line.day == now.date()]
    assert len(today) == 1
    [line] = today
    assert (line.count, line.drill, line.when) == (3, True, "11-03 周二")
    assert line.detail == "×3 · 1 已完成 · 1 逾期"  # 08:00 is past due, 16:00 done, 24:00 open
    assert line.href == "/list/?obligation=%E4%B8%89.2&date_from=2026-11-03&date_to=2026-11-03"


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
