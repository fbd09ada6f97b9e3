"""Dashboard figures against counts computed independently, in Asia/Shanghai."""

import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Occurrence, Platform, Role
from obligations.oversight import dashboard
from obligations.oversight.exports import COLUMNS
from obligations.work.sweeps import obligations_materialize
from tests.conftest import make_user

SH = ZoneInfo("Asia/Shanghai")
SIGNED = datetime(2026, 7, 1, 0, 0, tzinfo=SH)
STATES = ["done", "done_late", "missed", "open", "waived"]


def history(platform, officer, until, seed=7):
    """A signed letter since 1 July, occurrences until `until`, states drawn at random."""
    letter = letter_create(platform=platform, values=demo_values(SIGNED.date()), now=SIGNED)
    letter_sign(letter=letter, user=officer, now=SIGNED)
    obligations_materialize(now=until, horizon=timedelta(days=40))
    rng = random.Random(seed)
    by_state = defaultdict(list)
    for pk in Occurrence.objects.filter(platform=platform).values_list("pk", flat=True):
        by_state[rng.choice(STATES)].append(pk)
    for state, pks in by_state.items():
        Occurrence.objects.filter(pk__in=pks).update(state=state, waived_reason="test" if state == "waived" else "")


def month_of(occ):
    local = (occ.due_at - timedelta(microseconds=1)).astimezone(SH)
    return local.year, local.month


def quarter_of(occ):
    year, month = month_of(occ)
    return year, (month - 1) // 3


@pytest.fixture
def filled(platform, officer):
    history(platform, officer, until=datetime(2026, 12, 1, tzinfo=SH))
    return platform


@pytest.mark.parametrize("now", [datetime(2026, 10, 1, 0, 30, tzinfo=SH), datetime(2026, 11, 15, 12, tzinfo=SH),
                                 datetime(2026, 9, 30, 23, 59, tzinfo=SH)])
def test_clause_figures_equal_independent_counts(filled, now):
    rows, month, quarter = dashboard.clause_figures(filled, now=now, tz=SH)
    this_month = ((now.year, now.month))
    this_quarter = (now.year, (now.month - 1) // 3)
    expected_m, expected_q = defaultdict(Counter), defaultdict(Counter)
    for occ in Occurrence.objects.filter(platform=filled).select_related("obligation__clause"):
        number = occ.obligation.clause.number
        if month_of(occ) == this_month:
            expected_m[number].update(["due", occ.state])
        if quarter_of(occ) == this_quarter:
            expected_q[number].update(["due", occ.state])
    assert {r.number for r in rows} == set(expected_q)
    for r in rows:
        for figures, expected in ((r.month, expected_m[r.number]), (r.quarter, expected_q[r.number])):
            assert figures.due == expected["due"]
            for state in STATES:
                assert getattr(figures, state) == expected[state], (r.number, state)
            decided = expected["done"] + expected["done_late"] + expected["missed"]
            if decided:
                assert figures.rate == pytest.approx((expected["done"] + expected["done_late"]) / decided)


def test_heatmap_and_trend_equal_independent_counts(filled):
    now = datetime(2026, 11, 15, 12, tzinfo=SH)
    per_day, per_month = defaultdict(Counter), defaultdict(Counter)
    for occ in Occurrence.objects.filter(platform=filled):
        local = (occ.due_at - timedelta(microseconds=1)).astimezone(SH)
        for bucket, key in ((per_day, local.date()), (per_month, local.date().replace(day=1))):
            bucket[key]["due"] += 1
            bucket[key]["done"] += occ.state in ("done", "done_late")
            bucket[key]["missed"] += occ.state == "missed"
    cells = dashboard.heatmap(filled, now=now, tz=SH)
    assert len(cells) == 90 and cells[-1].day.isoformat() == "2026-11-15"
    for cell in cells:
        assert (cell.due, cell.done, cell.missed) == (per_day[cell.day]["due"], per_day[cell.day]["done"],
                                                      per_day[cell.day]["missed"]), cell.day
    months = dashboard.trend(filled, now=now, tz=SH)
    assert [c.day.isoformat() for c in months][-1] == "2026-11-01" and len(months) == 12
    for cell in months:
        assert (cell.due, cell.done, cell.missed) == (per_month[cell.day]["due"], per_month[cell.day]["done"],
                                                      per_month[cell.day]["missed"])


def test_overdue_oldest_first_and_due_soon(filled):
    now = datetime(2026, 11, 15, 12, tzinfo=SH)
    late = list(dashboard.overdue(filled, now=now))
    assert late == sorted(late, key=lambda o: (o.due_at, o.pk))
    assert all(o.state in ("open", "missed") and o.due_at < now for o in late)
    assert len(late) == Occurrence.objects.filter(platform=filled, state__in=("open", "missed"), due_at__lt=now).count()
    soon = list(dashboard.due_soon(filled, now=now))
    assert all(now <= o.due_at <= now + timedelta(days=7) and o.state == "open" for o in soon)


def test_dashboard_queries_do_not_grow_with_the_data(client, filled, officer):
    client.force_login(officer)
    now = datetime(2026, 11, 15, 12, tzinfo=SH)

    def count():
        with time_machine.travel(now, tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("dashboard", args=[filled.slug])).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(2):
        other = Platform.objects.create(slug=f"other{i}", name=f"Other {i}")
        history(other, make_user(f"o{i}", other, Role.OFFICER), until=datetime(2026, 12, 1, tzinfo=SH), seed=i)
    assert count() == small


@pytest.mark.parametrize("role,status", [(Role.OFFICER, 200), (Role.SUPERVISOR, 200), (Role.AUDITOR, 200),
                                         (Role.STAFF, 403)])
def test_dashboard_roles(client, platform, officer, role, status):
    user = officer if role == Role.OFFICER else make_user("x", platform, role)
    client.force_login(user)
    assert client.get(reverse("dashboard", args=[platform.slug])).status_code == status
    assert client.get(reverse("occurrence-list", args=[platform.slug])).status_code == status
    home = client.get("/")
    assert home.status_code == (302 if role == Role.STAFF else 200)


def test_stranger_gets_404(client, platform):
    other = Platform.objects.create(slug="beta", name="Beta")
    client.force_login(make_user("charlie", other, Role.OFFICER))
    assert client.get(reverse("dashboard", args=[platform.slug])).status_code == 404
    assert client.get(reverse("occurrence-list", args=[platform.slug])).status_code == 404


def test_drilldown_filters_and_csv(client, filled, officer):
    client.force_login(officer)
    url = reverse("occurrence-list", args=[filled.slug])
    params = {"clause": "三.2", "state": "missed", "date_from": "2026-10-01", "date_to": "2026-10-31"}
    expected = [o for o in Occurrence.objects.filter(platform=filled, obligation__clause__number="三.2", state="missed")
                if month_of(o) == (2026, 10)]
    html = client.get(url, params).content.decode()
    assert f'共 {len(expected)} 项' in html
    csv_text = client.get(url, {**params, "format": "csv"}).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == len(expected) + 1 and all(",missed," in line for line in lines[1:])
    bad = client.get(url, {"date_from": "2026-10-31", "date_to": "2026-10-01"}).content.decode()
    assert "开始日期不能晚于结束日期" in bad


@pytest.mark.parametrize("params", [{"date_from": "2026-13-45"}, {"state": "done", "date_to": "yesterday"},
                                    {"date_from": "2026-10-31", "date_to": "2026-10-01"}])
def test_an_invalid_drilldown_names_the_error_and_lists_and_exports_nothing(client, filled, officer, params):
    client.force_login(officer)
    url = reverse("occurrence-list", args=[filled.slug])
    html = client.get(url, params).content.decode()
    assert "有效日期" in html or "开始日期不能晚于结束日期" in html
    assert "共 0 项" in html and 'href="/occurrences/' not in html
    assert html.count("<tr") == 1  # the header row only
    csv_text = client.get(url, {**params, "format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.strip().splitlines() == [",".join(COLUMNS)]
