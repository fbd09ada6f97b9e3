"""No main page reads every tenant's rows: with two platforms of data, the SQL of each page
that one platform's officer opens is explained (PostgreSQL), and every scan of a tenant
table must be restricted to the platform.

The check, node by node of EXPLAIN (FORMAT JSON):

- A scan of a tenant table (TENANT_TABLES) is *restricted* when its conditions (Index
  Cond, Recheck Cond, Filter, and the Index Cond of the bitmap index scans under it)
  either name `platform_id`, or bound a key: `id` or a `…_id` column equal to a constant,
  a list of constants, a query parameter, or a column of an outer row (the inner side of
  a nested loop, fetching the rows of one parent at a time). A scan bound by a key reads
  rows of parents that are themselves scans checked here, so the restriction composes.
- Anything else (a sequential scan, an index scan without a condition, a condition on
  other columns only) reads the rows of every platform.

Two platforms hold a few hundred rows: the planner would rightly read such tiny tables
whole. So each SELECT is explained with sequential scans, hash joins and merge joins
switched off (enable_* = off, as costs, not bans): the planner then reaches a relation
through an index on what the SQL restricts it by, which is the plan a large table gets.
A relation the SQL does not restrict has no such index path and still shows as a whole
scan, which is what the test catches. Row estimates are not used: on two platforms
they are small whatever the SQL says.
"""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from obligations.cases.services import case_open
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Notification, Obligation, Occurrence, Platform, Role
from obligations.tasks import run_sweeps as sweep
from tests.conftest import SIGNED_AT, make_user

pytestmark = pytest.mark.postgres

NOW = SIGNED_AT + timedelta(days=20, hours=1)  # Sunday 22 Nov 2026, 10:00 in Shanghai
TENANT_TABLES = {"obligations_occurrence", "obligations_obligation", "obligations_clause", "obligations_case"}
CONDITIONS = ("Index Cond", "Recheck Cond", "Filter", "Join Filter")
BY_PLATFORM = re.compile(r"\bplatform_id\b")
# key = constant, key = ANY (constants), key = $n, key = alias.column (an outer row), either way round.
VALUE = r"(?:'[^']*'(?:::[\w\[\]]+)?|\d+|\$\d+|\w+\.\w+|ANY \((?:'[^']*'|\$\d+)(?:::[\w\[\]]+)?\))"
KEY = r"(?:\b(?:\w+\.)?(?:id|\w+_id))"
BY_KEY = re.compile(rf"{KEY} = {VALUE}|{VALUE} = {KEY}")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_platforms(platform, officer, signed_letter):
    """Alpha (the fixtures') and beta, each with its letter signed, three weeks of
    occurrences, some missed, and an open complaint."""
    beta = Platform.objects.create(slug="beta", name="Beta 平台")
    olga = make_user("olga", beta, Role.OFFICER)
    make_user("bob", platform, Role.STAFF)
    letter_sign(letter=letter_create(platform=beta, values=demo_values(SIGNED_AT.date()), user=olga, now=SIGNED_AT),
                user=olga, now=SIGNED_AT)
    sweep(now=NOW)
    for p in (platform, beta):
        case_open(platform=p, kind="complaint", description="页面无法登录", received_at=NOW - timedelta(hours=2),
                  now=NOW - timedelta(hours=2))
    return platform


def scans(plan):
    """Every node of a plan, depth first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from scans(child)


def conditions(node):
    texts = [node[k] for k in CONDITIONS if k in node]
    if node.get("Node Type") == "Bitmap Heap Scan":
        texts += [n["Index Cond"] for n in scans(node) if n.get("Node Type") == "Bitmap Index Scan" and "Index Cond" in n]
    return " AND ".join(texts)


def unrestricted(sql, *, as_large=True, tables=TENANT_TABLES):
    """The scans of tenant tables in the plan of `sql` that no platform or key restricts.
    `as_large=False` reads the plan the planner picks for the data as it is (bench/dashboard.py
    prints it at 10,000 platforms); a sequential scan then reads every platform's rows
    whatever its filter."""
    with connection.cursor() as cur:
        if as_large:
            cur.execute("SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off")
        try:
            cur.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cur.fetchone()[0]
        finally:
            cur.execute("RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin")
    plan = plan if isinstance(plan, list) else json.loads(plan)
    found = []
    for node in scans(plan[0]["Plan"]):
        if node.get("Relation Name") not in tables:
            continue
        where = conditions(node)
        whole = not as_large and node.get("Node Type") == "Seq Scan"
        if whole or not (BY_PLATFORM.search(where) or BY_KEY.search(where)):
            found.append(f"{node['Node Type']} on {node['Relation Name']}" + (f" where {where}" if where else ""))
    return found


def page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


PAGES = [
    ("alice", "/platforms/alpha/dashboard/"),
    ("alice", "/platforms/alpha/occurrences/?clause=三.2&state=missed&date_from=2026-11-01&date_to=2026-11-30"),
    ("alice", "/cases/"),
    ("alice", "/tasks/"),
    ("bob", "/tasks/"),  # staff: the tasks assigned by role or by name
]


@pytest.mark.parametrize(("username", "url"), PAGES)
def test_every_scan_of_a_tenant_table_is_restricted_to_the_platform(client, two_platforms, username, url):
    client.force_login(get_user_model().objects.get(username=username))
    queries = page_queries(client, url)
    assert any(t in sql for sql in queries for t in TENANT_TABLES), "the page read no tenant table"
    problems = {sql: found for sql in queries if (found := unrestricted(sql))}
    assert not problems, "\n\n".join(f"{sql}\n  -> {found}" for sql, found in problems.items())


def test_the_check_catches_a_query_of_every_tenant(two_platforms):
    """The check itself: a page-like query without the platform reads every tenant's rows."""
    everyone = "SELECT count(*) FROM obligations_occurrence WHERE state = 'missed'"
    ours = f"SELECT count(*) FROM obligations_occurrence WHERE state = 'missed' AND platform_id = {two_platforms.pk}"
    joined = (f"SELECT c.number, count(*) FROM obligations_occurrence o JOIN obligations_obligation b "
              f"ON b.id = o.obligation_id JOIN obligations_clause c ON c.id = b.clause_id "
              f"WHERE o.platform_id = {two_platforms.pk} GROUP BY c.number")
    # A sequential scan, or the whole of a partial index of tasks still to do (every platform's missed tasks).
    (found,) = unrestricted(everyone)
    assert found.split(" where ")[0] in ("Seq Scan on obligations_occurrence", "Bitmap Heap Scan on obligations_occurrence")
    assert unrestricted(ours) == []
    assert unrestricted(joined) == []


# The tables the crowd below fills: the planner is left free on them.
CROWDED = {"obligations_occurrence", "obligations_obligation", "obligations_obligation_assignees"}


@pytest.fixture
def crowded(two_platforms):
    """150 more platforms holding nearly all the obligations, tasks and named assignees
    (copies of beta's, in SQL), so a plan that reads other platforms' rows costs what it
    would at scale and the planner, left free, does not pick it by accident."""
    beta = Platform.objects.get(slug="beta")
    crowd_user = make_user("crowd")
    Platform.objects.bulk_create([Platform(slug=f"crowd{i}", name=f"Crowd {i}") for i in range(150)])
    columns = ", ".join(f.column for f in Obligation._meta.concrete_fields if f.column not in ("id", "platform_id"))
    copied = ("period_start, period_end, sequence, opens_at, due_at, close_at, provisional, waived_reason, "
              "created_at")
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO obligations_obligation ({columns}, platform_id) SELECT {columns}, p.id "  # nosec B608 - column names from the model
                    "FROM obligations_obligation o, obligations_platform p "
                    "WHERE o.platform_id = %s AND p.slug LIKE 'crowd%%'", [beta.pk])
        cur.execute(f"INSERT INTO obligations_occurrence (obligation_id, platform_id, clause_id, state, {copied}) "  # nosec B608 - constant names
                    f"SELECT n.id, n.platform_id, o.clause_id, 'open', {', '.join('o.' + c for c in copied.split(', '))} "
                    "FROM obligations_occurrence o "
                    "JOIN obligations_obligation s ON s.id = o.obligation_id AND s.platform_id = %s "
                    "JOIN obligations_obligation n ON n.key = s.key JOIN obligations_platform p ON p.id = n.platform_id "
                    "WHERE o.case_id IS NULL AND p.slug LIKE 'crowd%%'", [beta.pk])
        cur.execute("INSERT INTO obligations_obligation_assignees (obligation_id, user_id) "
                    "SELECT o.id, %s FROM obligations_obligation o JOIN obligations_platform p ON p.id = o.platform_id "
                    "WHERE p.slug LIKE 'crowd%%' AND o.id %% 3 = 0", [crowd_user.pk])
    ours = Occurrence.objects.filter(platform=two_platforms).count()
    assert Occurrence.objects.count() > 50 * ours
    return two_platforms


@pytest.mark.parametrize(("username", "url"), [
    ("alice", "/tasks/"),
    ("bob", "/tasks/"),
    ("alice", "/tasks/?scope=all"),
    ("alice", "/platforms/alpha/dashboard/"),
])
def test_my_tasks_and_the_dashboard_read_only_the_users_platforms_with_the_planner_free(
        client, crowded, username, url):
    """Other platforms hold nearly every row; the planner picks its plans with no setting
    forced, and no plan of the page reads another platform's obligations, tasks or
    assignees (no sequential scan of them, every index scan bound to the platform or a key)."""
    client.force_login(get_user_model().objects.get(username=username))
    queries = page_queries(client, url)
    problems = {sql: found for sql in queries if (found := unrestricted(sql, as_large=False, tables=CROWDED))}
    assert not problems, "\n\n".join(f"{sql}\n  -> {found}" for sql, found in problems.items())


@pytest.fixture
def a_year_behind(two_platforms):
    """Every platform's three weeks copied back over the year before, 17 times: history
    outnumbers the tasks of the escalations' window (35 days) many times over, as after a year."""
    copied = "obligation_id, platform_id, clause_id, sequence, provisional, created_at"
    shifted = ("period_start", "period_end", "opens_at", "due_at", "close_at")
    with connection.cursor() as cur:  # open, as every task is made (the guards)
        cur.execute(f"INSERT INTO obligations_occurrence ({copied}, state, waived_reason, {', '.join(shifted)}) "  # nosec B608 - constant names
                    f"SELECT {copied}, 'open', '', {', '.join(f'{c} - k * interval %s' for c in shifted)} "
                    "FROM obligations_occurrence, generate_series(2, 18) k WHERE case_id IS NULL "
                    "ON CONFLICT DO NOTHING", ["21 days"] * len(shifted))  # a quarter's task lands on one
        cur.execute("ANALYZE obligations_occurrence")
    window = Occurrence.objects.filter(due_at__gt=NOW - timedelta(days=35)).count()
    assert Occurrence.objects.count() > 5 * window
    return two_platforms


def leading_column(index):
    with connection.cursor() as cur:
        cur.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    "AND a.attnum = i.indkey[0] WHERE i.indexrelid = %s::regclass", [index])
        return cur.fetchone()[0]


def test_escalations_reach_the_tasks_of_their_window_by_due_time_not_through_the_history(a_year_behind):
    """Each plan looks for the escalations due in the last 35 days of every platform. On two
    platforms the planner loops over them; with thousands, it reads the table once (at 1,000
    platforms bench/scale.py saw a sequential scan of the whole history, 1.2 M rows, for the
    11,000 tasks of the window). With that loop made costly (enable_nestloop = off, a cost,
    not a ban), every read of the task table goes through an index led by due time
    (occurrence_untold_idx), never the whole table."""
    from obligations.alerts.candidates import candidate_querysets

    K = Notification.Kind
    for kind in (K.ESCALATE_OFFICER, K.ESCALATE_GROUP):
        sql, params = candidate_querysets(now=NOW)[kind].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("SET enable_nestloop = off")
            try:
                cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cur.fetchone()[0]
            finally:
                cur.execute("RESET enable_nestloop")
        plan = plan if isinstance(plan, list) else json.loads(plan)
        reads = [n for n in scans(plan[0]["Plan"]) if n.get("Relation Name") == "obligations_occurrence"]
        assert reads, kind
        for node in reads:
            indexes = [n["Index Name"] for n in scans(node) if "Index Name" in n]
            assert indexes, (kind, node["Node Type"], conditions(node))
            assert {leading_column(i) for i in indexes} == {"due_at"}, (kind, indexes, conditions(node))
