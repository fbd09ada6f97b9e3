"""A draft's preview: the next 14 days of tasks and a count per month for a year, equal to
what signing and materializing create."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from obligations.demo import demo_values
from obligations.letters.drafting import clause_add, clause_remove, obligation_spec_save
from obligations.letters.services import (
    letter_amend,
    letter_choose_first_period,
    letter_create,
    letter_fill,
    letter_sign,
)
from obligations.models import Letter, Occurrence
from obligations.work.preview import letter_preview
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT

TIMES = ["09:00", "15:00", "21:00"]
# Nov 2026 … Oct 2027: the checks from 2 Nov 15:00 (09:00 is the signing instant), one audit a month.
CHECKS_PER_MONTH = [86, 93, 93, 84, 93, 90, 93, 90, 93, 93, 90, 93]


@pytest.fixture
def draft(platform, officer):
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    clause = letter.clauses.get(number="三.2")
    spec = {k: v for k, v in clause.specs[0].items() if k != "spread"} | {"times_of_day": TIMES}
    obligation_spec_save(clause=clause, spec=spec, index=0, user=officer, now=SIGNED_AT)
    # These tests count the tasks of the day of signing: the periods under way are owed.
    return letter_choose_first_period(letter=letter, first_period=Letter.FirstPeriod.CURRENT, user=officer,
                                      now=SIGNED_AT)


def per_month(preview, key):
    return next(o.counts for o in preview.scheduled if o.key == key)


def materialized_per_month(platform, key, months):
    tz = platform.tz
    counted = Counter((o.due_at - timedelta(microseconds=1)).astimezone(tz).date().replace(day=1)
                      for o in Occurrence.objects.filter(obligation__key=key))
    return [counted[m] for m in months]


def test_counts_per_month_equal_a_year_of_materializing(draft, platform, officer):
    preview = letter_preview(draft, now=SIGNED_AT)
    assert preview.complete and preview.missing == []
    assert preview.months[0] == date(2026, 11, 1) and preview.months[-1] == date(2027, 10, 1)
    assert per_month(preview, "三.2") == CHECKS_PER_MONTH
    assert per_month(preview, "三.3") == [1] * 12

    letter_sign(letter=draft, user=officer, now=SIGNED_AT)
    obligations_materialize(now=SIGNED_AT, horizon=timedelta(days=400), platform=platform)
    end = datetime(2027, 11, 1, tzinfo=platform.tz)
    Occurrence.objects.filter(due_at__gt=end).delete()  # the year the preview counts
    for key in ("三.2", "三.3", "四.1"):
        assert per_month(preview, key) == materialized_per_month(platform, key, preview.months), key
    # The group's quarterly report counts in the month it is due: 15 days after each quarter.
    assert per_month(preview, "四.1") == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]


def test_a_report_due_after_its_quarter_is_listed_while_it_is_open(draft):
    preview = letter_preview(draft, now=datetime(2027, 1, 5, tzinfo=draft.platform.tz))
    report, = [t for t in preview.tasks if t.key == "四.1"]
    assert (report.opens_at.date(), report.due_at.date()) == (date(2027, 1, 1), date(2027, 1, 16))


def test_the_next_fourteen_days_list_the_tasks_at_their_times(draft, platform):
    preview = letter_preview(draft, now=SIGNED_AT)
    checks = [t for t in preview.tasks if t.key == "三.2"]
    assert len(checks) == 2 + 13 * 3 + 1  # the rest of today, 13 whole days, the first of day 15
    assert {t.due_at.strftime("%H:%M") for t in checks} == set(TIMES)
    first = checks[0]
    assert (first.due_at.strftime("%m-%d %H:%M"), first.opens_at.strftime("%H:%M")) == ("11-02 15:00", "09:00")
    assert checks[-1].due_at.strftime("%m-%d %H:%M") == "11-16 09:00"
    assert all(t.due_at > SIGNED_AT and t.opens_at < SIGNED_AT + timedelta(days=14) for t in preview.tasks)
    assert [t.due_at for t in preview.tasks] == sorted(t.due_at for t in preview.tasks)
    audit = next(t for t in preview.tasks if t.key == "三.3")  # the month's audit is open already
    assert audit.clause == "三.3" and audit.due_at.strftime("%m-%d %H:%M") == "12-01 00:00"


def test_event_obligations_raise_nothing_but_are_listed_with_their_deadlines(draft):
    preview = letter_preview(draft, now=SIGNED_AT)
    events = {o.key: o for o in preview.events}
    assert set(events) == {"三.6-incident", "三.8-finding", "四.3"}
    assert [(s["step"], s["amount"], s["unit"]) for s in events["四.3"].fields["deadlines"]] == [
        ("respond", 24, "hours"), ("decide", 7, "days")]
    assert not {t.key for t in preview.tasks} & set(events)


def test_missing_blanks_are_named_and_the_rest_is_previewed(platform, officer):
    values = demo_values(SIGNED_AT.date())
    del values["checks_per_day"], values["sign_date"]
    letter = letter_create(platform=platform, values=values, user=officer, now=SIGNED_AT)
    preview = letter_preview(letter, now=SIGNED_AT)
    assert preview.missing == ["每日安全检查次数", "签订日期"] and not preview.complete
    assert [o.key for o in preview.unscheduled] == ["三.2"]
    assert "填空尚未填写" in preview.unscheduled[0].problem
    assert per_month(preview, "三.3") == [0] + [1] * 11  # November, under way at signing, is not owed
    assert preview.start == SIGNED_AT  # no stated date: from the moment of signing


def test_times_of_day_against_a_count_blank_are_named_not_failed(draft):
    letter_fill(letter=draft, values={"checks_per_day": 4}, now=SIGNED_AT)
    draft.refresh_from_db()
    preview = letter_preview(draft, now=SIGNED_AT)
    [bad] = preview.unscheduled
    assert bad.key == "三.2" and "每日到期时刻有3个" in bad.problem and not preview.complete


def test_an_amendment_keeps_the_start_of_what_it_carries_over(signed_letter, platform, officer):
    later = SIGNED_AT + timedelta(days=8)
    draft = letter_amend(letter=signed_letter, user=officer, now=later)
    letter_fill(letter=draft, values={"sign_date": "2026-12-01"}, user=officer, now=later)
    own = clause_add(letter=draft, section="三", text="平台每周备份一次服务数据。", user=officer, now=later)
    obligation_spec_save(clause=own, spec={"key": "backup", "title": "数据备份", "kind": "calendar",
                                           "period": "weekly"}, user=officer, now=later)
    clause_remove(clause=draft.clauses.get(number="三.5"), reason="并入集团培训", user=officer, now=later)
    draft.refresh_from_db()
    preview = letter_preview(draft, now=later)
    keys = {t.key for t in preview.tasks}
    assert "三.2" in keys  # carried over: still due every day
    assert "backup" not in keys  # new: starts on the stated date, 1 December
    assert "三.5" not in {o.key for o in preview.scheduled}  # removed with its clause
    backup = per_month(preview, "backup")
    # November nothing; in December the full weeks from Monday 7 December (the week under way on
    # Tuesday 1 December is not owed: the amendment keeps the default first period).
    assert backup[0] == 0 and backup[1] == 3


def test_the_preview_shows_the_first_task_with_and_without_the_period_under_way(platform, officer):
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    preview = letter_preview(letter, now=SIGNED_AT)
    training = next(o for o in preview.scheduled if o.key == "三.5")
    assert training.owes_period_under_way
    assert {k: v.strftime("%Y-%m-%d") for k, v in training.first_due.items()} == {
        "full": "2027-04-01", "current": "2027-01-01"}  # Monday 2 November: the fourth quarter under way
    assert per_month(preview, "三.5")[1] == 0  # the default is what the counts follow: nothing due 1 January
    letter = letter_choose_first_period(letter=letter, first_period="current", user=officer, now=SIGNED_AT)
    assert per_month(letter_preview(letter, now=SIGNED_AT), "三.5")[1] > 0
