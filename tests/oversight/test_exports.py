"""Exports: one row per occurrence, the same columns in CSV and JSON, times in ISO 8601
with the offset of the platform's own zone."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Occurrence, Platform, Role
from obligations.oversight.exports import (
    COLUMNS,
    HEADERS,
    occurrence_rows,
    platform_occurrences,
    write_csv,
    write_json,
)
from obligations.work.occurrences import occurrence_complete
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT, make_user

SH = ZoneInfo("Asia/Shanghai")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def occurrences(signed_letter, staff):
    obligations_materialize(now=SIGNED_AT)
    done = Occurrence.objects.get(obligation__key="三.2", opens_at__lte=SIGNED_AT, due_at__gt=SIGNED_AT)
    occurrence_complete(occurrence=done, user=staff, now=SIGNED_AT + timedelta(minutes=5), evidence_count=1)
    return Occurrence.objects.filter(platform=signed_letter.platform)


@pytest.fixture
def tokyo(occurrences):
    """A second platform that keeps Tokyo time."""
    other = Platform.objects.create(slug="tokyo", name="Tokyo", timezone="Asia/Tokyo")
    letter_sign(letter=letter_create(platform=other, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT),
                user=make_user("kenji", other, Role.OFFICER), now=SIGNED_AT)
    obligations_materialize(now=SIGNED_AT)
    return other


def by_key(rows):
    return {(r["platform"], r["obligation"], r["period_start"], r["sequence"]): r for r in rows}


def test_each_row_has_the_columns_in_order_and_the_values_of_its_occurrence(occurrences, staff):
    rows = list(occurrence_rows(occurrences))
    assert len(rows) == occurrences.count() > 0
    assert all(tuple(r) == COLUMNS for r in rows)
    done = occurrences.get(state="done")
    [row] = [r for r in rows if r["completed_by"]]
    assert row == {
        "platform": "alpha", "clause": "三.2", "obligation": "三.2", "title": done.obligation.title,
        "period_start": done.period_start.astimezone(SH).isoformat(),
        "period_end": done.period_end.astimezone(SH).isoformat(),
        "sequence": done.sequence, "opens_at": done.opens_at.astimezone(SH).isoformat(),
        "due_at": done.due_at.astimezone(SH).isoformat(), "state": "done",
        "completed_at": done.completed_at.astimezone(SH).isoformat(), "completed_by": "bob", "provisional": False,
    }


def test_times_are_iso_with_the_platform_offset_and_mean_the_stored_instant(occurrences):
    stored = {(o.obligation.key, o.sequence, o.due_at) for o in occurrences.select_related("obligation")}
    rows = list(occurrence_rows(occurrences))
    for row in rows:
        for column in ("period_start", "period_end", "opens_at", "due_at"):
            assert row[column].endswith("+08:00"), (column, row[column])
        assert (row["obligation"], row["sequence"], datetime.fromisoformat(row["due_at"])) in stored
    # The local day, not UTC: a day of checks starts at 00:00 in Shanghai.
    starts = {r["period_start"] for r in rows if r["obligation"] == "三.2"}
    assert "2026-11-03T00:00:00+08:00" in starts


def test_an_open_task_has_empty_completion_columns(occurrences):
    open_rows = [r for r in occurrence_rows(occurrences) if r["state"] == "open"]
    assert open_rows and all(r["completed_at"] == "" and r["completed_by"] == "" for r in open_rows)


def test_rows_come_in_due_order(occurrences):
    dues = [datetime.fromisoformat(r["due_at"]) for r in occurrence_rows(occurrences)]
    assert dues == sorted(dues)


def test_each_platform_keeps_its_own_offset_in_one_export(tokyo, occurrences):
    rows = list(occurrence_rows(Occurrence.objects.all()))
    offsets = {p: {r["due_at"][-6:] for r in rows if r["platform"] == p} for p in ("alpha", "tokyo")}
    assert offsets == {"alpha": {"+08:00"}, "tokyo": {"+09:00"}}
    tokyo_check = next(r for r in rows if r["platform"] == "tokyo" and r["obligation"] == "三.2")
    assert datetime.fromisoformat(tokyo_check["period_start"]).time().isoformat() == "00:00:00"


def test_csv_codes_has_a_header_and_reads_back_as_the_rows(occurrences):
    rows = list(occurrence_rows(occurrences))
    out = io.StringIO()
    write_csv(rows, out, codes=True)
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert out.getvalue().splitlines()[0] == ",".join(COLUMNS)
    assert back == [{k: str(v) for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("language,state,header", [("zh-hans", "待办", "状态"), ("en", "Open", "State")])
def test_csv_for_people_names_headers_and_states_in_the_language(occurrences, language, state, header):
    rows = list(occurrence_rows(occurrences))
    out = io.StringIO()
    with translation.override(language):
        write_csv(rows, out)
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    with translation.override(language):
        assert list(back[0]) == [str(HEADERS[c]) for c in COLUMNS]
    assert len(back) == len(rows) and not set(COLUMNS) & set(back[0])
    opened = [b for b, r in zip(back, rows, strict=True) if r["state"] == "open"]
    assert opened and {b[header] for b in opened} == {state}


def test_json_parses_back_as_the_rows_with_their_types(occurrences):
    rows = list(occurrence_rows(occurrences))
    out = io.StringIO()
    write_json(iter(rows), out)
    text = out.getvalue()
    assert text.endswith("\n") and "安全检查" in text  # written as read, not escaped
    back = json.loads(text)
    assert back == rows
    assert isinstance(back[0]["sequence"], int) and isinstance(back[0]["provisional"], bool)


def test_empty_exports_are_still_well_formed(platform):
    out = io.StringIO()
    write_csv(occurrence_rows(Occurrence.objects.none()), out, codes=True)
    assert out.getvalue().strip() == ",".join(COLUMNS)
    out = io.StringIO()
    write_json(occurrence_rows(Occurrence.objects.none()), out)
    assert json.loads(out.getvalue()) == []


def due_on(platform, first, last):
    """Independently: the local day each task's due time closes (a task due at 00:00
    belongs to the day before), against the days asked for, both included."""
    picked = set()
    for occ in Occurrence.objects.filter(platform=platform):
        day = (occ.due_at - timedelta(microseconds=1)).astimezone(platform.tz).date()
        if (first is None or day >= first) and (last is None or day <= last):
            picked.add(occ.pk)
    return picked


@pytest.mark.parametrize("first,last", [
    (None, None),
    (date(2026, 11, 3), date(2026, 11, 3)),
    (date(2026, 11, 5), None),
    (None, date(2026, 11, 2)),
    (date(2026, 11, 30), date(2026, 12, 31)),
])
def test_platform_occurrences_selects_by_due_date(tokyo, occurrences, platform, first, last):
    got = set(platform_occurrences(platform, first, last).values_list("pk", flat=True))
    assert got == due_on(platform, first, last)
    assert not platform_occurrences(platform, first, last).exclude(platform=platform).exists()


def test_one_day_selects_the_tasks_due_that_day_only(occurrences, platform):
    """3 November: the checks due at 08:00, 16:00 and 24:00; not the month's audit nor
    the quarter's training, whose periods cover the day but which fall due later."""
    got = platform_occurrences(platform, date(2026, 11, 3), date(2026, 11, 3)).select_related("obligation")
    assert sorted(o.due_at.astimezone(SH).isoformat() for o in got) == [
        "2026-11-03T08:00:00+08:00", "2026-11-03T16:00:00+08:00", "2026-11-04T00:00:00+08:00"]
    assert {o.obligation.key for o in got} == {"三.2"}


def test_the_export_and_the_drilldown_select_the_same_rows(occurrences, platform):
    from obligations.oversight.drilldown import OccurrenceFilter

    for first, last in ((date(2026, 11, 2), date(2026, 11, 2)), (date(2026, 11, 3), date(2026, 11, 30)),
                        (date(2026, 11, 30), date(2026, 11, 30))):
        form = OccurrenceFilter({"date_from": first.isoformat(), "date_to": last.isoformat()}, platform=platform)
        drilled = set(form.queryset(now=SIGNED_AT).values_list("pk", flat=True))
        assert drilled == set(platform_occurrences(platform, first, last).values_list("pk", flat=True))


def test_dates_are_the_platform_local_days(tokyo, occurrences):
    got = platform_occurrences(tokyo, date(2026, 11, 3), date(2026, 11, 3)).filter(obligation__key="三.2")
    assert [o.due_at.astimezone(TOKYO).isoformat() for o in got.order_by("due_at")] == [
        "2026-11-03T08:00:00+09:00", "2026-11-03T16:00:00+09:00", "2026-11-04T00:00:00+09:00"]
