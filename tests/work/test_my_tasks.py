"""My tasks: each occurrence in the section of the local day it closes on, only the
still-to-do ones when overdue or later; the user's own by default, the officer's whole
platform on request; counts from SQL, rows a page at a time."""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from obligations.letters.assignment import obligation_assign
from obligations.models import Obligation, Occurrence, Role
from obligations.work.my_tasks import Scope, my_tasks, section_rows
from obligations.work.occurrences import occurrence_complete, occurrence_waive
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.cases.support import open_case
from tests.conftest import SIGNED_AT, make_user
from tests.work.state_support import put_in_state

SH = ZoneInfo("Asia/Shanghai")
NOW = SIGNED_AT  # Monday 2 November 2026, 09:00 in Shanghai
TITLES = {"today": "今日", "overdue": "已逾期", "tomorrow": "明天", "week": "本周其余", "month": "本月其余",
          "quarter": "本季度其余"}
STATES = ["open", "open", "done", "done_late", "missed", "waived"]


def sections(user, now, scope=Scope.ALL):
    return {s.key: s for s in my_tasks(user, now=now, titles=TITLES, scope=scope)}


def pks(section):
    return {o.pk for o in section.occurrences}


def where(user, now, scope=Scope.ALL):
    """occurrence pk -> the section it is listed in."""
    return {o.pk: key for key, s in sections(user, now, scope).items() for o in s.occurrences}


def closing_day(occ):
    """The local date a task belongs to: the day whose end is its due time at the latest."""
    return (occ.due_at - timedelta(microseconds=1)).astimezone(SH).date()


def expected_sections(pool, now):
    """The sections worked out from local dates, independently of the period math."""
    today = now.astimezone(SH).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    quarter = lambda d: (d.year, (d.month - 1) // 3)  # noqa: E731
    out = defaultdict(set)
    for occ in pool:
        day = closing_day(occ)
        if day == today:
            out["today"].add(occ.pk)
        elif day < today:
            if occ.state in ("open", "missed") and day >= today - timedelta(days=30):
                out["overdue"].add(occ.pk)
        elif occ.state != "open":
            continue
        elif day == today + timedelta(days=1):
            out["tomorrow"].add(occ.pk)
        elif day < next_monday:
            out["week"].add(occ.pk)
        elif (day.year, day.month) == (today.year, today.month):
            out["month"].add(occ.pk)
        elif quarter(day) == quarter(today):
            out["quarter"].add(occ.pk)
    return out


def check(n, day):
    """The n-th safety check of a local date."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=SH)
    return Occurrence.objects.get(obligation__key="三.2", period_start=start, sequence=n)


@pytest.fixture
def team(signed_letter, platform, officer, staff):
    return {"officer": officer, "staff": staff, "carol": make_user("carol", platform, Role.STAFF),
            "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("ann", platform, Role.AUDITOR)}


@pytest.fixture
def tasks(team):
    obligations_materialize(now=NOW)
    return team


def test_sections_carry_their_titles_in_order(tasks):
    result = my_tasks(tasks["officer"], now=NOW, titles=TITLES)
    assert [(s.key, s.title) for s in result] == list(TITLES.items())


def test_a_check_due_at_local_midnight_belongs_to_the_day_before(tasks):
    monday, tuesday = NOW.astimezone(SH).date(), NOW.astimezone(SH).date() + timedelta(days=1)
    last_of_monday = check(3, monday)
    assert last_of_monday.due_at == datetime(2026, 11, 3, 0, 0, tzinfo=SH)
    assert where(tasks["staff"], datetime(2026, 11, 2, 23, 59, tzinfo=SH))[last_of_monday.pk] == "today"
    at_midnight = where(tasks["staff"], last_of_monday.due_at)
    assert at_midnight[last_of_monday.pk] == "overdue"
    assert {at_midnight[check(n, tuesday).pk] for n in (1, 2, 3)} == {"today"}


def test_sections_end_at_the_local_midnight_that_closes_them(tasks):
    listed = where(tasks["officer"], NOW)
    sunday = datetime(2026, 11, 8).date()
    next_monday = sunday + timedelta(days=1)
    assert listed[check(3, sunday).pk] == "week"  # due Monday 00:00: still this week
    assert listed[check(1, next_monday).pk] == "month"
    appointment = Occurrence.objects.get(obligation__key="四.2")  # due 9 November 09:00, seven days on
    assert listed[appointment.pk] == "month"
    monthly = Occurrence.objects.get(obligation__key="三.3")  # due 1 December 00:00: November's
    assert monthly.due_at == datetime(2026, 12, 1, tzinfo=SH) and listed[monthly.pk] == "month"
    identity = Occurrence.objects.get(obligation__key="三.1")  # due 2 December 09:00, thirty days on
    assert listed[identity.pk] == "quarter"
    training = Occurrence.objects.filter(obligation__key="三.5")
    assert {listed[o.pk] for o in training} == {"quarter"}


def test_overdue_lists_only_tasks_still_to_do(tasks):
    monday = NOW.astimezone(SH).date()
    tuesday = monday + timedelta(days=1)
    wednesday = datetime(2026, 11, 4, 9, tzinfo=SH)
    staff, officer = tasks["staff"], tasks["officer"]
    occurrence_complete(occurrence=check(2, monday), user=staff, now=NOW, evidence_count=1)
    occurrence_waive(occurrence=check(3, monday), user=officer, reason="停机维护", now=NOW)
    occurrence_complete(occurrence=check(1, tuesday), user=staff, now=wednesday, evidence_count=1)  # late
    occurrences_close_out(now=wednesday)
    assert check(2, tuesday).state == "missed"
    past = Occurrence.objects.filter(obligation__key="三.2", due_at__lte=datetime(2026, 11, 4, tzinfo=SH))
    assert {o.state for o in past} == {"done", "done_late", "waived", "missed"}
    overdue = sections(staff, wednesday)["overdue"]
    assert pks(overdue) == {o.pk for o in past if o.state in Occurrence.TODO_STATES}
    assert overdue.open_count == len(overdue.occurrences) == 2


def test_tasks_overdue_for_more_than_thirty_days_drop_off(tasks):
    later = NOW + timedelta(days=40)
    obligations_materialize(now=later)
    overdue = sections(tasks["staff"], later)["overdue"]
    cutoff = datetime(2026, 11, 12, tzinfo=SH)  # local midnight thirty days before 12 December
    listed = Occurrence.objects.filter(obligation__key="三.2", due_at__gt=cutoff,
                                       due_at__lte=datetime(2026, 12, 12, tzinfo=SH))
    assert pks(overdue) == set(listed.values_list("pk", flat=True))
    assert Occurrence.objects.filter(obligation__key="三.2", due_at__lte=cutoff, state="open").exists()


def test_done_tasks_of_later_sections_are_dropped_and_today_keeps_them(tasks):
    officer = tasks["officer"]
    appointment = Occurrence.objects.get(obligation__key="四.2")
    today_check = check(2, NOW.astimezone(SH).date())
    before = where(officer, NOW)
    assert (before[appointment.pk], before[today_check.pk]) == ("month", "today")
    occurrence_complete(occurrence=appointment, user=officer, now=NOW, evidence_count=1)
    occurrence_complete(occurrence=today_check, user=officer, now=NOW, evidence_count=1)
    after = sections(officer, NOW)
    assert appointment.pk not in where(officer, NOW)
    assert today_check.pk in pks(after["today"])
    assert after["today"].open_count == len(after["today"].occurrences) - 1


def test_staff_see_their_role_when_nobody_is_named_and_the_officer_sees_all(tasks):
    in_window = Occurrence.objects.filter(due_at__lte=datetime(2027, 1, 1, tzinfo=SH))  # to the quarter's end

    def ids(qs):
        return set(qs.values_list("pk", flat=True))

    assert set(where(tasks["officer"], NOW)) == ids(in_window)
    for name in ("staff", "carol"):
        assert set(where(tasks[name], NOW)) == ids(in_window.filter(obligation__key="三.2"))
    assert set(where(tasks["supervisor"], NOW)) == ids(in_window.filter(obligation__key="四.1"))
    assert where(tasks["auditor"], NOW) == {}


def test_a_named_assignee_replaces_the_role(tasks):
    checks_ob = Obligation.objects.get(key="三.2")
    obligation_assign(obligation=checks_ob, assignees=[tasks["carol"]], user=tasks["officer"], now=NOW)
    audit_ob = Obligation.objects.get(key="三.3")
    obligation_assign(obligation=audit_ob, assignees=[tasks["staff"]], user=tasks["officer"], now=NOW)
    checks = set(Occurrence.objects.filter(obligation=checks_ob).values_list("pk", flat=True))
    audits = set(Occurrence.objects.filter(obligation=audit_ob).values_list("pk", flat=True))
    assert set(where(tasks["carol"], NOW)) == checks
    assert set(where(tasks["staff"], NOW)) == audits  # no longer the checks: carol is named for them
    assert checks | audits <= set(where(tasks["officer"], NOW))


def test_groups_follow_the_clause_order(tasks):
    quarter = sections(tasks["officer"], NOW)["quarter"]
    ordinals = [clause.ordinal for clause, _ in quarter.groups]
    assert ordinals == sorted(ordinals) and len(ordinals) == len(set(ordinals))
    assert sum(len(items) for _, items in quarter.groups) == len(quarter.occurrences)
    for clause, items in quarter.groups:
        assert {o.clause for o in items} == {clause}


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 2, 9, tzinfo=SH),   # the day of signing
    datetime(2026, 11, 30, 0, 0, tzinfo=SH),  # a local midnight; the week runs into December
    datetime(2026, 12, 12, 9, tzinfo=SH),  # a Saturday, with more than thirty days behind it
    datetime(2026, 12, 29, 18, tzinfo=SH),  # the week runs into the next quarter
])
@pytest.mark.parametrize("who", ["officer", "staff"])
def test_sections_equal_an_independent_bucketing(team, platform, now, who):
    obligations_materialize(now=NOW + timedelta(days=40), horizon=timedelta(days=100))
    open_case(platform, received=datetime(2026, 11, 27, 10, tzinfo=SH))
    obligation_assign(obligation=Obligation.objects.get(key="三.3"), assignees=[team["staff"]],
                      user=team["officer"], now=NOW)
    rng = random.Random(11)
    by_state = defaultdict(list)
    for pk in Occurrence.objects.values_list("pk", flat=True):
        by_state[rng.choice(STATES)].append(pk)
    for state, ids in by_state.items():
        put_in_state(ids, state)

    user = team[who]
    occurrences = list(Occurrence.objects.filter(platform=platform).select_related("obligation"))
    named = defaultdict(set)
    for ob_id, user_id in Obligation.assignees.through.objects.values_list("obligation_id", "user_id"):
        named[ob_id].add(user_id)
    pool = [o for o in occurrences
            if who == "officer" or user.pk in named[o.obligation_id]
            or (not named[o.obligation_id] and o.obligation.responsible_role == "staff")]
    expected = expected_sections(pool, now)
    got = sections(user, now)
    assert expected["today"], "every day has checks"
    for key in TITLES:
        assert pks(got[key]) == expected[key], key


def test_the_officer_sees_their_own_tasks_by_default_and_the_platform_on_request(tasks):
    officer = tasks["officer"]
    mine = where(officer, NOW, Scope.MINE)
    everything = where(officer, NOW, Scope.ALL)
    own = Occurrence.objects.filter(pk__in=everything, obligation__responsible_role=Role.OFFICER)
    assert set(mine) == set(own.values_list("pk", flat=True)) and mine
    assert not Occurrence.objects.filter(pk__in=mine, obligation__key="三.2").exists()  # staff's checks
    assert Occurrence.objects.filter(pk__in=everything, obligation__key="三.2").exists()
    assert where(tasks["staff"], NOW, Scope.MINE) == where(tasks["staff"], NOW, Scope.ALL)


def test_on_a_sunday_tomorrows_checks_are_under_tomorrow(tasks):
    sunday = datetime(2026, 11, 8, 10, tzinfo=SH)
    listed = sections(tasks["staff"], sunday)
    monday = sunday.date() + timedelta(days=1)
    assert pks(listed["week"]) == set()  # the week ends tonight
    assert pks(listed["tomorrow"]) == {check(n, monday).pk for n in (1, 2, 3)}
    assert check(1, monday).pk not in pks(listed["month"])


def test_counts_come_whole_while_rows_come_a_page_at_a_time(tasks):
    staff = tasks["staff"]
    whole = {s.key: s for s in my_tasks(staff, now=NOW, titles=TITLES)}
    month = whole["month"]
    assert month.total == len(month.occurrences) > 4
    first = my_tasks(staff, now=NOW, titles=TITLES, only="month", limit=4)[0]
    assert first.total == month.total and first.open_count == month.open_count
    assert first.more == month.total - 4
    rows = section_rows(staff, "month", now=NOW)
    paged = [list(rows[offset:offset + 4]) for offset in range(0, month.total, 4)]
    assert [o.pk for o in paged[0]] == [o.pk for o in first.occurrences]
    assert [o.pk for p in paged for o in p] == [o.pk for o in month.occurrences]


def test_the_overview_shows_each_obligation_s_first_rows_so_none_is_buried(tasks):
    officer = tasks["officer"]
    whole = sections(officer, NOW)["month"]
    first = my_tasks(officer, now=NOW, titles=TITLES, scope=Scope.ALL, only="month", per_obligation=2)[0]
    by_obligation = defaultdict(list)
    for occ in whole.occurrences:
        by_obligation[occ.obligation_id].append(occ.pk)
    assert len(by_obligation) > 1 and first.total == whole.total
    assert {o.pk for o in first.occurrences} == {pk for pks_ in by_obligation.values() for pk in pks_[:2]}
