"""The exceptions as the officer works through them: waiting first, filtered by obligation,
cause and day, the waiting rows a filter picks selected."""

from datetime import date
from zoneinfo import ZoneInfo

from obligations.oversight.exception_list import ExceptionFilter, exception_panel

SH = ZoneInfo("Asia/Shanghai")


def row(pk, due, kind="missed", title="安全检查", clause="三.2", explanation=None):
    return {"occurrence": pk, "clause": clause, "title": title, "kind": kind, "due_at": due,
            "explanation": explanation, "explained_by": "alice" if explanation else None}


ROWS = [
    row(1, "2026-10-03T08:00:00+08:00", explanation="已说明"),
    row(2, "2026-10-03T16:00:00+08:00"),
    row(3, "2026-10-04T00:00:00+08:00"),  # the 24:00 check: 3 October's
    row(4, "2026-10-04T08:00:00+08:00", kind="late"),
    row(5, "2026-10-02T09:00:00+08:00", kind="late", title="服务数据合规性审计", clause="三.3"),
    row(6, "2026-10-01T20:00:00+00:00", kind="breached", title="投诉举报处理", clause="四.3"),  # 04:00 on the 2nd
]


def shown(panel):
    return [r["occurrence"] for r in panel.rows]


def test_the_waiting_ones_come_first_then_by_due_time_and_nothing_is_selected_unfiltered():
    panel = exception_panel(ROWS, SH)
    assert shown(panel) == [6, 5, 2, 3, 4, 1]
    assert (panel.total, panel.waiting, panel.selected) == (6, 5, 0)
    assert panel.causes == ["missed", "late", "breached"]
    assert panel.obligations == ["三.2 安全检查", "三.3 服务数据合规性审计", "四.3 投诉举报处理"]
    assert panel.days == [date(2026, 10, 2), date(2026, 10, 3), date(2026, 10, 4)]


def test_a_day_holds_the_tasks_its_end_closes_in_the_platforms_zone():
    panel = exception_panel(ROWS, SH, ExceptionFilter(day=date(2026, 10, 3)))
    assert shown(panel) == [2, 3, 1]  # 08:00, 16:00 and the 24:00 check; the explained one last
    assert [r["selected"] for r in panel.rows] == [True, True, False]  # the waiting ones picked
    assert shown(exception_panel(ROWS, SH, ExceptionFilter(day=date(2026, 10, 2)))) == [6, 5]
    assert shown(exception_panel(ROWS, ZoneInfo("UTC"), ExceptionFilter(day=date(2026, 10, 1)))) == [6]


def test_filters_by_obligation_and_cause_combine_and_select_their_waiting_rows():
    checks = exception_panel(ROWS, SH, ExceptionFilter(obligation="三.2 安全检查"))
    assert shown(checks) == [2, 3, 4, 1] and checks.selected == 3
    late_checks = exception_panel(ROWS, SH, ExceptionFilter(obligation="三.2 安全检查", cause="late"))
    assert shown(late_checks) == [4] and late_checks.selected == 1
    waiting = exception_panel(ROWS, SH, ExceptionFilter(waiting=True))
    assert 1 not in shown(waiting) and waiting.selected == 5


def test_ticks_sent_back_with_a_refused_form_are_kept_as_they_were():
    panel = exception_panel(ROWS, SH, ExceptionFilter(cause="missed"), selected={3, 1})
    assert {r["occurrence"]: r["selected"] for r in panel.rows} == {2: False, 3: True, 1: True}
