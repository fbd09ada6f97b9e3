"""The overview across a user's platforms: each figure as that platform's dashboard counts
it, only the user's platforms, and a constant number of queries however many there are."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from obligations.cases.services import case_close
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Case, Membership, Platform, Role
from obligations.oversight import dashboard
from obligations.oversight.overview import platform_directory, platform_overview
from obligations.tasks import run_sweeps as sweep
from tests.cases.support import open_case
from tests.conftest import SIGNED_AT, make_user

NOW = SIGNED_AT + timedelta(days=3, hours=5)  # Thursday 5 Nov 2026, 14:00 in Shanghai


def signed_platform(slug, officer, *, cases=0):
    platform = Platform.objects.create(slug=slug, name=f"平台 {slug}")
    Membership.objects.get_or_create(user=officer, platform=platform, defaults={"role": Role.OFFICER})
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    letter_sign(letter=letter, user=officer, now=SIGNED_AT)
    for i in range(cases):
        open_case(platform, received=SIGNED_AT + timedelta(days=1, hours=i))
    return platform


def fresh(user):
    """The user as a new request would see it: no cached roles."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def two(db):
    """Alice oversees two platforms; Bob is staff on one of them and officer elsewhere."""
    alice = make_user("alice")
    a = signed_platform("a", alice, cases=2)
    b = signed_platform("b", alice, cases=1)
    sweep(now=NOW)
    closed = Case.objects.filter(platform=a).first()
    case_close(case=closed, user=alice, note="已办结", waivers={c.pk: "测试" for c in closed.clocks.all()}, now=NOW)
    return alice, a, b


def test_figures_equal_each_dashboard(two):
    alice, a, b = two
    rows = platform_overview(fresh(alice), now=NOW)
    assert [r.platform for r in rows] == [a, b]  # by name
    for row in rows:
        p = row.platform
        assert row.role == Role.OFFICER and row.oversees
        assert row.overdue == dashboard.overdue(p, now=NOW).count()
        assert row.due_soon == dashboard.due_soon(p, now=NOW).count()
        assert row.open_cases == Case.objects.filter(platform=p, state=Case.State.OPEN).count()
    assert rows[0].overdue > 0 and rows[0].due_soon > 0  # three days of unchecked security checks
    assert (rows[0].open_cases, rows[1].open_cases) == (1, 1)


def test_only_the_users_platforms_and_no_figures_for_staff(two):
    alice, a, b = two
    bob = make_user("bob", a, Role.STAFF)
    own = signed_platform("c", bob)
    rows = platform_overview(fresh(bob), now=NOW)
    assert [(r.platform.slug, r.role) for r in rows] == [("a", "staff"), ("c", "officer")]
    staff_row, officer_row = rows
    assert (staff_row.overdue, staff_row.due_soon, staff_row.open_cases) == (None, None, None)
    assert not staff_row.oversees and officer_row.oversees
    assert officer_row.overdue == dashboard.overdue(own, now=NOW).count()
    assert b not in [r.platform for r in rows]
    assert platform_overview(make_user("nobody"), now=NOW) == []


def test_queries_do_not_grow_with_platforms(db, django_assert_max_num_queries):
    alice = make_user("alice")
    for slug in ("p1", "p2"):
        signed_platform(slug, alice, cases=1)
    sweep(now=NOW)
    user = fresh(alice)
    with CaptureQueriesContext(connection) as two_platforms:
        assert len(platform_overview(user, now=NOW)) == 2
    for slug in ("p3", "p4", "p5", "p6"):
        signed_platform(slug, alice, cases=1)
    sweep(now=NOW)
    user = fresh(alice)
    with CaptureQueriesContext(connection) as six_platforms:
        rows = platform_overview(user, now=NOW)
    assert len(rows) == 6 and all(r.open_cases == 1 for r in rows)
    assert len(six_platforms) == len(two_platforms)
    user = fresh(alice)
    with django_assert_max_num_queries(4):  # roles, platforms, occurrences grouped, cases grouped
        platform_overview(user, now=NOW)
    with django_assert_max_num_queries(1):
        directory = list(platform_directory())
    assert [(p.slug, p.members, p.officers) for p in directory][:2] == [("p1", 1, 1), ("p2", 1, 1)]
