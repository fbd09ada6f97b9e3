"""The sweeps on PostgreSQL: idempotent, concurrent-safe, catching up after downtime."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from obligations.demo import demo_setup, demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Obligation, Occurrence, Platform, Role
from obligations.tasks import run_sweeps as sweep
from obligations.work.sweeps import (
    materialize_batches,
    materialize_range,
    obligations_materialize,
    occurrences_close_out,
    unraised_slots,
)
from tests.concurrency import run_at_once
from tests.conftest import SIGNED_AT, make_user

pytestmark = pytest.mark.postgres


def no_duplicates():
    return not (Occurrence.objects.values("obligation", "period_start", "sequence")
                .annotate(n=Count("id")).filter(n__gt=1).exists())


def test_second_sweep_creates_nothing(signed_letter):
    first = sweep(now=SIGNED_AT)
    assert first["created"] > 0
    count = Occurrence.objects.count()
    assert sweep(now=SIGNED_AT)["created"] == 0
    # Even with the bookkeeping reset, the unique identity keeps the table as it was.
    Obligation.objects.update(materialized_until=None)
    assert sweep(now=SIGNED_AT)["created"] == 0
    assert Occurrence.objects.count() == count and no_duplicates()


def test_sweep_creates_the_expected_rows(signed_letter):
    sweep(now=SIGNED_AT)
    checks = Occurrence.objects.filter(obligation__key="三.2")
    # Signed 09:00 Monday 2 Nov: today's 08:00–16:00 and 16:00–24:00 checks, then 3 a day
    # for the 14-day horizon (limit 2026-11-16 09:00 Shanghai: day 16's first check opens at 00:00, second at 08:00).
    assert checks.filter(period_start=SIGNED_AT.replace(hour=16) - timedelta(days=1)).count() == 2
    assert checks.count() == 2 + 13 * 3 + 2
    assert Occurrence.objects.filter(obligation__key="三.1").get().due_at == SIGNED_AT + timedelta(days=30)


@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_create_no_duplicate():
    demo_setup(now=SIGNED_AT)
    errors = run_at_once(4, lambda: sweep(now=SIGNED_AT + timedelta(days=3)))
    assert errors == []
    assert no_duplicates()
    expected = Occurrence.objects.count()
    Obligation.objects.update(materialized_until=None)
    assert sweep(now=SIGNED_AT + timedelta(days=3))["created"] == 0
    assert Occurrence.objects.count() == expected


def test_sweep_after_three_days_of_downtime_creates_and_marks_the_missed_days(signed_letter):
    sweep(now=SIGNED_AT)
    Occurrence.objects.all().delete()  # as if nothing had run since signing
    Obligation.objects.update(materialized_until=SIGNED_AT)
    back = SIGNED_AT + timedelta(days=3)  # Thursday 09:00 Shanghai
    result = sweep(now=back)
    checks = Occurrence.objects.filter(obligation__key="三.2")
    missed = checks.filter(state="missed")
    # Mon 16:00–24:00 and Tue, Wed: 1 + 3 + 3, plus Thursday 00:00–08:00 (due 08:00 + 1 h grace passed).
    assert missed.count() == 8 and result["missed"] == 8
    assert checks.filter(due_at__gt=back).filter(state="open").exists()
    again = sweep(now=back)
    assert (again["created"], again["missed"], again["planned"], again["sent"]) == (0, 0, 0, 0)


def test_an_idle_sweep_costs_the_same_queries_at_any_size(signed_letter):
    def idle_queries():
        sweep(now=SIGNED_AT)
        with CaptureQueriesContext(connection) as ctx:
            result = sweep(now=SIGNED_AT + timedelta(minutes=5))
        assert (result["created"], result["missed"], result["planned"]) == (0, 0, 0)
        return len(ctx.captured_queries)

    small = idle_queries()
    for i in range(3):
        other = Platform.objects.create(slug=f"more{i}", name=f"More {i}")
        officer = make_user(f"officer{i}", other, Role.OFFICER)
        letter_sign(letter=letter_create(platform=other, values=demo_values(SIGNED_AT.date()), now=SIGNED_AT),
                    user=officer, now=SIGNED_AT)
    assert idle_queries() == small < 25


def test_close_out_marks_only_what_is_past_grace(signed_letter):
    obligations_materialize(now=SIGNED_AT)
    first = Occurrence.objects.filter(obligation__key="三.2").order_by("due_at").first()
    assert occurrences_close_out(now=first.due_at + timedelta(minutes=59)) == 0
    assert occurrences_close_out(now=first.due_at + timedelta(minutes=60)) == 1
    first.refresh_from_db()
    assert first.state == "missed"


# The fan-out: key ranges of PLEDGE_SWEEP_BATCH obligations, one task each.

def occurrence_rows():
    return sorted(Occurrence.objects.values_list("obligation_id", "period_start", "sequence", "opens_at", "due_at",
                                                 "close_at", "state", "provisional"))


def test_key_ranges_cover_the_due_obligations_in_batches(signed_letter):
    Obligation.objects.update(materialized_until=None)
    due = list(Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event").order_by("pk")
               .values_list("pk", flat=True))
    ranges = materialize_batches(now=SIGNED_AT, batch=3)
    assert len(ranges) == -(-len(due) // 3)
    assert [pk for lo, hi in ranges for pk in due if lo <= pk <= hi] == due  # each once, in order
    assert all(lo <= hi for lo, hi in ranges) and all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    obligations_materialize(now=SIGNED_AT)
    assert materialize_batches(now=SIGNED_AT, batch=3) == []  # nothing left: no task to send


def test_the_fanned_sweep_equals_the_sweep_in_one_process(signed_letter):
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    now = SIGNED_AT + timedelta(days=2)
    whole = obligations_materialize(now=now)
    expected = occurrence_rows()
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    created = sum(materialize_range(lo=lo, hi=hi, now=now) for lo, hi in materialize_batches(now=now, batch=2))
    assert created == whole and occurrence_rows() == expected
    # A batch delivered twice (a worker died before acknowledging it) adds nothing.
    Obligation.objects.update(materialized_until=None)
    assert sum(materialize_range(lo=lo, hi=hi, now=now) for lo, hi in materialize_batches(now=now, batch=2)) == 0


@pytest.mark.django_db(transaction=True)
def test_four_workers_on_the_same_ranges_at_once_create_no_duplicate(signed_letter):
    Occurrence.objects.all().delete()  # the signing's tasks: the four workers raise them again
    Obligation.objects.update(materialized_until=None)
    now = SIGNED_AT + timedelta(days=1)
    ranges = materialize_batches(now=now, batch=3)
    errors = run_at_once(4, lambda: [materialize_range(lo=lo, hi=hi, now=now) for lo, hi in ranges])
    assert errors == [] and no_duplicates()
    count = Occurrence.objects.count()
    Obligation.objects.update(materialized_until=None)
    assert obligations_materialize(now=now) == 0 and Occurrence.objects.count() == count


def test_every_sweep_of_run_sweeps_records_its_heartbeat(signed_letter):
    from obligations.models import SweepRun

    sweep(now=SIGNED_AT)
    runs = {r.name: r for r in SweepRun.objects.all()}
    assert set(runs) == {"materialize", "close_out", "plan", "send", "reviews", "webhooks"}
    assert runs["materialize"].result["created"] > 0 and runs["materialize"].runs == 1


def test_the_groups_quarterly_report_is_raised_for_its_quarter_and_due_fifteen_days_after(signed_letter):
    """四.1 reports on the quarter once it is over: raised in time by the sweep whose horizon
    reaches the quarter's end, even when the sweep before stopped exactly there."""
    tz = signed_letter.platform.tz
    q4_end = datetime(2027, 1, 1, tzinfo=tz)
    stops_at_end = q4_end - timedelta(days=14)  # the horizon (PLEDGE_HORIZON_DAYS) ends as Q4 ends
    obligations_materialize(now=stops_at_end)
    report = Occurrence.objects.filter(obligation__key="四.1")
    assert Obligation.objects.get(key="四.1").materialized_until == q4_end and not report.exists()
    obligations_materialize(now=stops_at_end + timedelta(hours=1))
    task, = report
    assert (task.period_start, task.period_end) == (datetime(2026, 10, 1, tzinfo=tz), q4_end)
    assert (task.opens_at, task.due_at) == (q4_end, datetime(2027, 1, 16, tzinfo=tz))  # 每季度结束后15日内
    assert task.close_at == task.due_at + timedelta(days=7)  # its grace
    # A report only for the quarters the obligation lived in: none for Q3, which ended before it started.
    obligations_materialize(now=datetime(2027, 5, 1, tzinfo=tz))
    assert [o.period_start.astimezone(tz).date().isoformat() for o in report.order_by("period_start")] == [
        "2026-10-01", "2027-01-01"]


def test_no_report_for_the_quarter_that_ended_as_the_letter_took_effect(platform, officer):
    """Signed with 1 October as its date: Q3 ended as the obligations started, so no 四.1 task is owed for it."""
    tz = platform.tz
    letter = letter_create(platform=platform, values=demo_values(date(2026, 10, 1)), user=officer,
                           now=datetime(2026, 10, 5, tzinfo=tz))
    letter_sign(letter=letter, user=officer, now=datetime(2026, 10, 5, tzinfo=tz))
    obligations_materialize(now=datetime(2026, 10, 5, tzinfo=tz))
    assert not Occurrence.objects.filter(obligation__key="四.1", period_start__lt=datetime(2026, 10, 1, tzinfo=tz))


def test_unraised_slots_are_what_the_sweep_raises_next(signed_letter):
    """Before a sweep, the slots it has not raised yet; after it, exactly those are rows."""
    sh = ZoneInfo("Asia/Shanghai")
    platform = signed_letter.platform
    obligations_materialize(now=datetime(2026, 12, 7, 10, tzinfo=sh))  # 14 days ahead
    after, until = datetime(2026, 12, 1, tzinfo=sh), datetime(2027, 1, 1, tzinfo=sh)
    in_december = Occurrence.objects.filter(platform=platform, due_at__gt=after, due_at__lte=until)
    raised = in_december.count()
    owed = unraised_slots(platform, after=after, until=until)
    assert owed and all(after < slot.due_at <= until for _ob, slot in owed)
    obligations_materialize(now=datetime(2026, 12, 7, 10, tzinfo=sh), horizon=timedelta(days=60))
    assert in_december.count() == raised + len(owed)
    assert {(ob.pk, slot.due_at, slot.sequence) for ob, slot in owed} == set(
        in_december.filter(opens_at__gte=datetime(2026, 12, 21, 10, tzinfo=sh)).values_list(
            "obligation_id", "due_at", "sequence"))
    assert unraised_slots(platform, after=after, until=until) == []


def test_hourly_sweeps_write_an_obligation_only_when_a_slot_of_it_is_raised(signed_letter):
    """An obligation row is written when its horizon passes its next slot, not every hour:
    two days of hourly sweeps write exactly the obligations that got a new task that hour, and
    leaves exactly the tasks one sweep at the end would make."""
    DAYS = 2
    start = SIGNED_AT + timedelta(hours=1)
    obligations_materialize(now=start)
    live = Obligation.objects.filter(ends_at__isnull=True).exclude(kind="event")
    before = dict(live.values_list("pk", "materialized_until"))
    writes = 0
    for hour in range(1, DAYS * 24):
        now = start + timedelta(hours=hour)
        obligations_materialize(now=now)
        after = dict(live.values_list("pk", "materialized_until"))
        written = {pk for pk in after if after[pk] != before[pk]}
        raised = set(Occurrence.objects.filter(created_at=now).values_list("obligation_id", flat=True))
        assert written == raised, now
        assert all(after[pk] >= now.replace(minute=0) + timedelta(days=14) for pk in after)
        writes += len(written)
        before = after
    assert 0 < writes < len(before) * DAYS * 24 / 4  # was one write per obligation and hour
    hourly = occurrence_rows()
    Occurrence.objects.all().delete()
    Obligation.objects.update(materialized_until=None)
    obligations_materialize(now=start + timedelta(hours=DAYS * 24 - 1))
    assert occurrence_rows() == hourly


def test_obligations_sharing_a_schedule_get_the_rows_each_would_get_alone(signed_letter):
    """The sweep computes a schedule's slots once and shares them; a platform that signed
    later (its start differs) and one in another zone still get exactly their own rows."""
    later = Platform.objects.create(slug="later", name="Later")
    west = Platform.objects.create(slug="west", name="West", timezone="Europe/Berlin")
    for p, at in ((later, SIGNED_AT + timedelta(days=1, hours=5)), (west, SIGNED_AT)):
        officer = make_user(f"officer-{p.slug}", p, Role.OFFICER)
        letter_sign(letter=letter_create(platform=p, values=demo_values(at.date()), user=officer, now=at),
                    user=officer, now=at, first_period=Letter.FirstPeriod.CURRENT)
    now = SIGNED_AT + timedelta(days=3)

    def fresh():
        Occurrence.objects.all().delete()
        Obligation.objects.update(materialized_until=None)

    fresh()
    for p in Platform.objects.all():
        obligations_materialize(now=now, platform=p)
    alone = occurrence_rows()
    fresh()
    obligations_materialize(now=now)
    assert occurrence_rows() == alone
    counts = dict(Occurrence.objects.values_list("platform__slug").annotate(n=Count("id")))
    assert set(counts) == {"alpha", "later", "west"} and counts["later"] < counts["alpha"]
