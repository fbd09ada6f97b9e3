"""Dashboard figures against counts computed independently, in Asia/Shanghai."""

import csv
import io
import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from obligations.cases.services import case_open
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Occurrence, Platform, Role
from obligations.oversight import dashboard
from obligations.oversight.exports import COLUMNS
from obligations.work.sweeps import obligations_materialize
from tests.conftest import make_user
from tests.work.state_support import put_in_state

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
        put_in_state(pks, state)


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
    csv_text = client.get(url, {**params, "format": "csv-codes"}).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == len(expected) + 1 and all(",missed," in line for line in lines[1:])
    # For people (the default format): Chinese headers and state names.
    named = list(csv.DictReader(io.StringIO(client.get(url, {**params, "format": "csv"}).content.decode("utf-8-sig"))))
    assert len(named) == len(expected) and {r["状态"] for r in named} == {"未完成"}
    assert {r["条款"] for r in named} == {"三.2"} and "missed" not in str(named)
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
    csv_text = client.get(url, {**params, "format": "csv-codes"}).content.decode("utf-8-sig")
    assert csv_text.strip().splitlines() == [",".join(COLUMNS)]


# Every figure on the page equals the count of the drill-down it links to.

class Figures(HTMLParser):
    """Each element with data-count on the page, with the href of the link it is in (or is)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._figure(tag, attrs)
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self._figure(tag, dict(attrs))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def _figure(self, tag, attrs):
        if "data-count" not in attrs:
            return
        href = attrs.get("href") or next((a.get("href") for t, a in reversed(self.stack) if t == "a"), None)
        self.found.append({"figure": attrs.get("data-figure"), "count": int(attrs["data-count"]), "href": href,
                           **{k: v for k, v in attrs.items() if k.startswith("data-")}})


def figures_of(html):
    parser = Figures()
    parser.feed(html)
    return parser.found


def drilled_count(client, href):
    html = client.get(href).content.decode()
    match = re.search(r'id="(?:result|case)-count" data-count="(\d+)"', html)
    assert match, href
    return int(match.group(1))


def drilled_states(client, href):
    rows = list(csv.DictReader(io.StringIO(client.get(href + "&format=csv-codes").content.decode("utf-8-sig"))))
    return Counter(r["state"] for r in rows)


@pytest.fixture
def busy(platform, officer):
    """Twelve checks a day since July, in random states until now (15 November, 12:00), and
    cases, some of them late."""
    values = {**demo_values(SIGNED.date()), "checks_per_day": 12}
    letter_sign(letter=letter_create(platform=platform, values=values, now=SIGNED), user=officer, now=SIGNED)
    obligations_materialize(now=datetime(2026, 12, 1, tzinfo=SH), horizon=timedelta(days=40))
    rng = random.Random(11)
    by_state = defaultdict(list)
    past = Occurrence.objects.filter(platform=platform, due_at__lt=datetime(2026, 11, 15, 12, tzinfo=SH))
    for pk in past.values_list("pk", flat=True):
        by_state[rng.choice(STATES)].append(pk)
    for state, pks in by_state.items():
        put_in_state(pks, state)
    for i, (kind, severity, received) in enumerate([
            ("complaint", "ordinary", datetime(2026, 11, 13, 9, tzinfo=SH)),  # respond missed
            ("complaint", "serious", datetime(2026, 11, 15, 9, tzinfo=SH)),
            ("incident", "critical", datetime(2026, 11, 14, 8, tzinfo=SH)),  # recover past due
            ("finding", "ordinary", datetime(2026, 11, 10, 8, tzinfo=SH))]):
        case_open(platform=platform, kind=kind, description=f"案件 {i}", received_at=received, severity=severity,
                  now=received + timedelta(minutes=1))
    put_in_state(Occurrence.objects.filter(case__received_at=datetime(2026, 11, 13, 9, tzinfo=SH), sequence=1)
                 .values_list("pk", flat=True), "missed")
    return platform


def test_every_figure_equals_the_count_of_its_drilldown(client, busy, officer):
    """Cards, per-clause cells, heat map cells, trend points, case figures and the grouped
    lines: each links to a list, and the list holds exactly as many rows as the figure."""
    now = datetime(2026, 11, 15, 12, tzinfo=SH)
    with time_machine.travel(now, tick=False):
        client.force_login(officer)
        html = client.get(reverse("dashboard", args=[busy.slug])).content.decode()
        found = figures_of(html)
        kinds = Counter((f["figure"] or "").split("-")[0] for f in found)
        assert {"overdue", "due", "cases", "m", "q", "heat", "trend", "line"} <= set(kinds), kinds
        assert kinds["trend"] == 12 and kinds["heat"] == 90  # every day since July has checks
        # Four states per clause link to their rows; 应完成 and 尚未生成 are the schedule's figures, not lists.
        assert kinds["m"] == kinds["q"] == 4 * len(set(re.findall(r'data-clause="([^"]+)"', html)))
        for f in found:
            assert f["href"], f
            assert drilled_count(client, f["href"]) == f["count"], f
        for f in found:
            if f["figure"] == "trend" or (f["figure"] == "heat" and f["data-day"].endswith(("1", "5", "9"))):
                states = drilled_states(client, f["href"])
                assert int(f["data-done"]) == states["done"] + states["done_late"], f
                assert int(f["data-missed"]) == states["missed"], f
        soon = next(f for f in found if f["figure"] == "due-soon")
        assert soon["count"] == dashboard.due_soon(busy, now=now).count() > 50  # no cap at 50
        overdue = next(f for f in found if f["figure"] == "overdue")
        assert overdue["count"] == dashboard.overdue(busy, now=now).count()
        cases = {f["figure"]: f["count"] for f in found if f["figure"].startswith("cases")}
        assert cases == {"cases": 4, "cases-ordinary": 2, "cases-serious": 1, "cases-critical": 1, "cases-late": 2}


def test_due_soon_counts_what_its_drilldown_lists_at_the_edges(client, signed_letter, officer):
    """Three checks a day, now 12:00: the card counts the open tasks due from now to seven
    days on, and the drill-down lists the same ones, not the whole last day."""
    from tests.conftest import SIGNED_AT

    now = SIGNED_AT + timedelta(days=1, hours=3)  # Tuesday 3 Nov 2026, 12:00 in Shanghai
    obligations_materialize(now=now)
    with time_machine.travel(now, tick=False):
        client.force_login(officer)
        html = client.get(reverse("dashboard", args=["alpha"])).content.decode()
        [soon] = [f for f in figures_of(html) if f["figure"] == "due-soon"]
        expected = Occurrence.objects.filter(state="open", due_at__gte=now, due_at__lte=now + timedelta(days=7))
        assert soon["count"] == expected.count() == drilled_count(client, soon["href"])


# What the page says: cases by severity, clocks named, titles, grouped lines, legends, years.

def page_at(client, user, slug, now):
    with time_machine.travel(now, tick=False):
        client.force_login(user)  # a session of that day
        response = client.get(reverse("dashboard", args=[slug]))
        assert response.status_code == 200
        return response.content.decode()


def section(html, element_id):
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</ul>", start)]


def test_open_cases_by_severity_and_every_clock_named_by_case_and_step(client, signed_letter, officer):
    from tests.cases.support import at, open_case
    from tests.conftest import SIGNED_AT

    platform = signed_letter.platform
    now = at(2026, 11, 5, 12)
    obligations_materialize(now=SIGNED_AT)
    late = open_case(platform, received=at(2026, 11, 3, 9))  # respond by 4 Nov 09:00: missed
    put_in_state(Occurrence.objects.filter(case=late, sequence=1).values_list("pk", flat=True), "missed")
    open_case(platform, kind="incident", received=at(2026, 11, 5, 9), severity="serious")
    open_case(platform, kind="finding", received=at(2026, 11, 5, 10), severity="critical")  # fix within 24 h
    html = page_at(client, officer, platform.slug, now)
    found = {f["figure"]: f for f in figures_of(html)}
    assert found["cases"]["count"] == 3 and found["cases"]["href"] == "/cases/?platform=alpha"
    assert [found[k]["count"] for k in ("cases-ordinary", "cases-serious", "cases-critical", "cases-late")] == \
        [1, 1, 1, 1]
    assert found["cases-critical"]["href"] == "/cases/?platform=alpha&severity=critical"
    assert found["cases-late"]["href"] == "/cases/?platform=alpha&breached=on"
    overdue = section(html, "overdue-list")
    assert f"{late.number} 响应" in overdue and f'href="/cases/{late.pk}/"' in overdue
    soon = section(html, "due-soon-list")
    assert f"{late.number} 处理意见" in soon  # decide by 10 Nov 09:00
    assert "SJ-2026-000001 恢复" in soon and "FX-2026-000001 整改" in soon
    assert ">四.3 投诉举报处理<" not in html  # a clock is never named by its clause alone


def test_rows_carry_titles_and_repeated_tasks_of_a_day_are_one_line(client, signed_letter, officer, staff):
    """Three checks a day: one line a day ("安全检查 ×3") linking to that day's open tasks in the
    window; the month's audit keeps a line of its own; the clause row shows the titles."""
    from obligations.work.occurrences import occurrence_complete
    from tests.cases.support import at

    now = at(2026, 11, 3, 12)
    obligations_materialize(now=now)
    check = Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 3, 16))
    occurrence_complete(occurrence=check, user=staff, now=now, evidence_count=1)
    html = page_at(client, officer, "alpha", now)
    row = html[html.index('data-clause="三.2"'):]
    row = row[:row.index("</tr>")]
    assert "安全检查" in row and "平台每日开展" not in row
    soon = section(html, "due-soon-list")
    today, tomorrow = soon.split("</li>")[:2]
    assert "三.2 安全检查" in today and "×" not in today and "到期 11-04 00:00" in today  # 08:00 late, 16:00 done
    assert "三.2 安全检查" in tomorrow and "×3" in tomorrow
    assert ('href="/platforms/alpha/occurrences/?due_soon=on&amp;obligation=%E4%B8%89.2&amp;date_from=2026-11-04&amp;'
            'date_to=2026-11-04" data-figure="line" data-count="3"') in tomorrow
    assert soon.count("三.2 安全检查") == 8  # 3 to 10 November: a line a day, not 24 lines
    assert "三.3 服务数据合规性审计" not in soon  # due 1 December: not within the week
    html = page_at(client, officer, "alpha", at(2026, 11, 26, 12))
    soon = section(html, "due-soon-list")
    assert "三.3 服务数据合规性审计" in soon and "到期 12-01 00:00" in soon


def test_overdue_card_is_red_only_when_something_is_overdue(client, signed_letter, officer):
    from tests.cases.support import at

    obligations_materialize(now=at(2026, 11, 2, 9, 30))
    calm = page_at(client, officer, "alpha", at(2026, 11, 2, 9, 30))  # signed at 09:00: nothing late yet
    card = calm[calm.rindex("<a", 0, calm.index('id="overdue-count"')):calm.index('data-figure="overdue"')]
    assert "border-danger" not in card and "text-danger" not in card
    late = page_at(client, officer, "alpha", at(2026, 11, 2, 17))  # the 16:00 check is late
    card = late[late.rindex("<a", 0, late.index('id="overdue-count"')):late.index('data-figure="overdue"') + 60]
    assert "border-danger" in card and "text-danger" in card


def test_the_rate_says_what_it_is_of(client, signed_letter, officer, staff):
    from obligations.work.occurrences import occurrence_complete
    from tests.cases.support import at

    now = at(2026, 11, 2, 12)
    obligations_materialize(now=now)
    occurrence_complete(occurrence=Occurrence.objects.get(obligation__key="三.2", due_at=at(2026, 11, 2, 16)),
                        user=staff, now=now, evidence_count=1)
    html = page_at(client, officer, "alpha", now)
    assert 'title="完成率 = (已完成 + 逾期完成) ÷ (已完成 + 逾期完成 + 未完成)"' in html
    caption = html[html.index('id="rate-caption"'):]
    assert "已判定" in caption[:caption.index("</p>")] and "待办和已豁免" in caption[:caption.index("</p>")]
    row = html[html.index('data-clause="三.2"'):]
    assert 'data-figure="m-rate" title="完成 1 ÷ 已判定 1">100%' in row[:row.index("</tr>")]


def test_heat_map_has_days_months_a_legend_and_each_days_figures_in_words(client, filled, officer):
    html = page_at(client, officer, filled.slug, datetime(2026, 11, 15, 12, tzinfo=SH))
    svg = html[html.index('<svg class="heatmap"'):html.index("</svg>", html.index('<svg class="heatmap"'))]
    for day in ("周一", "周三", "周日"):
        assert f">{day}</text>" in svg
    assert ">9月</text>" in svg or ">8月</text>" in svg
    assert ">10月</text>" in svg and ">11月</text>" in svg
    for key in ("b1", "b2", "b3", "b4", "pending", "none"):
        assert f'<pattern id="hm-{key}"' in svg
    legend = html[html.index('id="heatmap-legend"'):]
    legend = legend[:legend.index("</ul>")]
    assert legend.count("<svg") == 6 and "≥95%" in legend and "&lt;50%" in legend and "无任务" in legend
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert len(titles) == 90
    assert "11-14 周六:应完成" in svg and "未完成" in titles[-2] and "完成率" in "".join(titles)
    fills = re.findall(r'fill="url\(#hm-(\w+)\)" class="heat-', svg)
    assert len(fills) == 90 and len(set(fills)) >= 4  # several bands, each a pattern too


def test_response_times_say_when_there_are_none(client, signed_letter, officer):
    html = page_at(client, officer, "alpha", datetime(2026, 11, 15, 12, tzinfo=SH))
    table = html[html.index('id="response-times"'):html.index("</table>", html.index('id="response-times"'))]
    assert 'id="response-times-empty"' in table and "没有" in table


def test_dates_carry_the_year_when_it_is_not_this_one(client, signed_letter, officer):
    from tests.cases.support import at

    now = at(2026, 12, 28, 12)
    obligations_materialize(now=now)
    html = page_at(client, officer, "alpha", now)
    soon = section(html, "due-soon-list")
    assert "到期 2027-01-01 00:00" in soon  # the December audit, due as 2027 begins
    assert "2027-01-01 周五" in soon and "12-28 周一" in soon  # this year's days without it
    assert "本季度 <span class=\"small text-muted\">10-01 – 12-31</span>" in html


@pytest.mark.parametrize("now", [datetime(2026, 11, 15, 12, tzinfo=SH), datetime(2026, 10, 1, 0, 0, tzinfo=SH),
                                 datetime(2026, 9, 30, 23, 59, tzinfo=SH), datetime(2027, 1, 2, 8, tzinfo=SH)])
def test_the_page_charts_from_one_query_equal_the_separate_ones(filled, now):
    with CaptureQueriesContext(connection) as ctx:
        cells, months = dashboard.heatmap_and_trend(filled, now=now, tz=SH)
    assert len(ctx.captured_queries) == 1
    assert cells == dashboard.heatmap(filled, now=now, tz=SH)
    assert months == dashboard.trend(filled, now=now, tz=SH)
