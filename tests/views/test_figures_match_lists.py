"""Every figure of the dashboard and of My tasks equals the length of the list it links to,
for a week of tasks with due times on the edges: exactly now, exactly seven days on, and local
midnight, in the platform's own zone (the site's is Shanghai; a Tokyo platform's day ends an
hour earlier)."""

import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from obligations.cases.services import case_open
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.oversight.test_dashboard import drilled_count, figures_of
from tests.work.state_support import put_in_state

SECTIONS = ("today", "overdue", "tomorrow", "week", "month", "quarter")


@pytest.fixture(params=["Asia/Shanghai", "Asia/Tokyo"])
def week(request, platform, officer, staff):
    """Signed at local midnight on Monday 9 November; now Monday 16 November 16:00 local: a
    check due exactly now, one exactly seven days on (23 November 16:00), and one at every
    local midnight. The week before in random states; ahead, some done early or waived."""
    tz = ZoneInfo(request.param)
    platform.timezone = request.param
    platform.save()
    signed = datetime(2026, 11, 9, tzinfo=tz)
    now = datetime(2026, 11, 16, 16, tzinfo=tz)
    letter = letter_create(platform=platform, values=demo_values(signed.date()), user=officer, now=signed)
    letter_sign(letter=letter, user=officer, now=signed, first_period=Letter.FirstPeriod.CURRENT)
    obligations_materialize(now=now, horizon=timedelta(days=10))
    checks = Occurrence.objects.filter(platform=platform, obligation__key="三.2")
    edges = {"now": now, "end": now + timedelta(days=7), "midnight": datetime(2026, 11, 17, tzinfo=tz),
             "last midnight": datetime(2026, 11, 23, tzinfo=tz), "past midnight": datetime(2026, 11, 16, tzinfo=tz)}
    for name, at in edges.items():
        assert checks.filter(due_at=at).exists(), name
    rng = random.Random(request.param)
    keep_open = set(checks.filter(due_at__in=[*list(edges.values())[:4], edges["midnight"] + timedelta(hours=8)])
                    .values_list("pk", flat=True))
    early = checks.get(due_at=datetime(2026, 11, 22, tzinfo=tz)).pk
    keep_open.add(early)
    by_state = {}
    for pk, due in Occurrence.objects.filter(platform=platform).values_list("pk", "due_at"):
        if pk in keep_open:
            continue
        choices = ["done", "done_late", "missed", "waived", "open"] if due < now else ["open", "open", "done", "waived"]
        by_state.setdefault(rng.choice(choices), []).append(pk)
    for state, pks in by_state.items():
        if state != "open":
            put_in_state(pks, state)
    # An early check-off on the midnight before the window's end: done, so on no due-soon list.
    put_in_state([early], "done")
    case_open(platform=platform, kind="complaint", description="投诉", received_at=now - timedelta(hours=30),
              severity="ordinary", now=now - timedelta(hours=30))
    return platform, tz, now, edges


def line_counts(html, list_id):
    """A list's lines and what each counts: a drill-down line its data-count, a single task or clock one."""
    start = html.index(f'id="{list_id}"')
    body = html[start:html.index("</ul>", start)]
    lines = re.findall(r'<li class="list-group-item px-0 task-line[^"]*"[^>]*>(.*?)</li>', body, re.S)
    return [int(m.group(1)) if (m := re.search(r'data-count="(\d+)"', line)) else 1 for line in lines]


def test_every_dashboard_figure_equals_its_list_and_the_lines_add_up(client, officer, week):
    platform, tz, now, edges = week
    with time_machine.travel(now, tick=False):
        client.force_login(officer)
        html = client.get(reverse("dashboard", args=[platform.slug])).content.decode()
        found = figures_of(html)
        assert {"overdue", "due-soon", "line", "heat", "m-open"} <= {f["figure"] for f in found}
        for f in found:
            assert drilled_count(client, f["href"]) == f["count"], f
        figure = {f["figure"]: f["count"] for f in found}
        expected_soon = Occurrence.objects.filter(platform=platform, state="open", due_at__gte=now,
                                                  due_at__lte=now + timedelta(days=7))
        assert figure["due-soon"] == expected_soon.count() == sum(line_counts(html, "due-soon-list"))
        assert expected_soon.filter(due_at__in=[edges["now"], edges["end"], edges["midnight"]]).count() == 3
        assert figure["overdue"] == sum(line_counts(html, "overdue-list"))  # a week: no line left off
        assert figure["overdue"] == Occurrence.objects.filter(platform=platform, state__in=Occurrence.TODO_STATES,
                                                              due_at__lt=now).count()
        soon = html[html.index('id="due-soon-list"'):]
        last = soon[:soon.index("</ul>")].split("<li")[-1]
        assert 'data-day="2026-11-23"' in last  # the end instant's day, its times after 16:00 left out


def task_page_figures(html):
    figures = {}
    for key in SECTIONS:
        card = re.search(rf'data-count="{key}">(\d+)<', html)
        heading = re.search(rf'data-heading-count="{key}">(\d+)<', html)
        done = re.search(rf'data-done-count="{key}" data-count="(\d+)"', html)
        waived = re.search(rf'data-waived-count="{key}" data-count="(\d+)"', html)
        figures[key] = (int(card.group(1)) if card else None, int(heading.group(1)),
                        int(done.group(1)) if done else 0, int(waived.group(1)) if waived else 0)
    return figures


def section_states(client, key):
    """Every row of a section, over all its pages: each row's state."""
    states, page = [], 1
    while True:
        html = client.get(reverse("my-tasks"), {"section": key, "page": page}).content.decode()
        states += re.findall(r'<li class="list-group-item task-row" id="occ-(\d+)" data-obligation="[^"]*" '
                             r'data-state="(\w+)"', html)
        if f'page={page + 1}"' not in html:
            return states
        page += 1


def test_every_my_tasks_figure_equals_its_list_in_the_platforms_days(client, staff, week):
    platform, tz, now, edges = week
    with time_machine.travel(now, tick=False):
        client.force_login(staff)
        figures = task_page_figures(client.get(reverse("my-tasks")).content.decode())
        lists = {key: section_states(client, key) for key in SECTIONS}
    for key, (card, heading, done, waived) in figures.items():
        states = [state for _pk, state in lists[key]]
        assert card == heading == sum(s in Occurrence.TODO_STATES for s in states), key
        assert done == sum(s in Occurrence.DONE_STATES for s in states) and waived == states.count("waived"), key
        assert len(states) == len(set(lists[key])), key  # no row twice
    where = {int(pk): key for key, rows in lists.items() for pk, _state in rows}
    due = dict(Occurrence.objects.filter(platform=platform, obligation__key="三.2").values_list("due_at", "pk"))
    assert where[due[edges["now"]]] == "today" and where[due[edges["midnight"]]] == "today"  # 24:00 closes today
    assert where.get(due[edges["past midnight"]]) in (None, "overdue")  # yesterday's 24:00: not today's
    assert where[due[edges["midnight"] + timedelta(hours=8)]] == "tomorrow"
