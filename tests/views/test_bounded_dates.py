"""Dates and filters people give are bounded and cleaned; a stored value outside the bounds
never breaks a page (issue 22, item 1). A case received 0001-01-01 in Beijing is 1 BC in UTC,
which Python cannot hold: before, /cases/, the case page and the task list answered 500 for
every member ("year -1 is out of range") and the case could not be closed."""

import csv
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from obligations.cases.services import case_open
from obligations.models import AuditEvent, Case
from obligations.tasks import run_sweeps
from tests.conftest import SIGNED_AT

SH = ZoneInfo("Asia/Shanghai")
BOUND = "2000-01-01 至 2100-12-31"
EXTREMES = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]


@pytest.fixture
def officer_client(signed_letter, officer):
    run_sweeps(now=SIGNED_AT)
    client = Client()
    client.force_login(officer)
    return client


def test_a_case_received_outside_the_bounds_is_refused_with_the_range(officer_client, signed_letter):
    url = reverse("case-new", args=[signed_letter.platform.slug])
    for when in [f"{d}T00:00" for d in EXTREMES] + ["9999-12-31T23:59"]:
        response = officer_client.post(url, {"kind": "complaint", "severity": "ordinary", "channel": "phone",
                                             "received_at": when, "description": "电话投诉",
                                             "submission": uuid.uuid4().hex})
        assert response.status_code == 200, when
        assert BOUND in response.content.decode(), when
    assert not Case.objects.exists()


def test_a_filter_date_outside_the_bounds_is_refused_and_lists_nothing(officer_client, signed_letter):
    for page in ("occurrence-list", "audit-log"):
        url = reverse(page, args=[signed_letter.platform.slug])
        assert officer_client.get(url).context["page"].object_list  # there is something to list
        for field in ("date_from", "date_to"):
            for day in EXTREMES:
                response = officer_client.get(url, {field: day})
                assert response.status_code == 200, (page, field, day)
                assert BOUND in response.content.decode(), (page, field, day)
                assert not response.context["page"].object_list


def test_the_bound_is_said_in_the_users_language(officer_client, signed_letter, officer):
    from obligations.trust.preferences import language_choose

    language_choose(officer, "en")
    response = officer_client.get(reverse("audit-log", args=[signed_letter.platform.slug]), {"date_to": "9999-12-31"})
    assert "2000-01-01 and 2100-12-31" in response.content.decode()


def test_a_case_filter_with_nul_or_control_characters_is_refused_with_a_reason(officer_client, signed_letter, staff):
    case_open(platform=signed_letter.platform, kind="complaint", description="无法登录", now=SIGNED_AT,
              received_at=SIGNED_AT - timedelta(hours=1), assignee=staff)
    assert officer_client.get(reverse("case-board")).context["count"] == 1
    for query in [{"kind": "complaint\x00"}, {"assignee": "\x00"}, {"assignee": "bob\x07"},
                  {"platform": "alpha\x1b"}, {"state": "nonsense"}]:
        response = officer_client.get(reverse("case-board"), query)
        assert response.status_code == 200, query
        assert 'id="filter-errors"' in response.content.decode() and response.context["count"] == 0, query
        assert officer_client.get(reverse("case-board"), {**query, "format": "csv"}).status_code == 200, query


def test_control_characters_in_the_task_and_audit_filters_are_refused(officer_client, signed_letter):
    slug = signed_letter.platform.slug
    tasks = officer_client.get(reverse("occurrence-list", args=[slug]), {"clause": "三.2\x00"})
    audit = officer_client.get(reverse("audit-log", args=[slug]), {"object_id": "1\x01"})
    assert tasks.status_code == audit.status_code == 200
    assert not tasks.context["page"].object_list and not audit.context["page"].object_list
    assert "控制字符" in audit.content.decode()


@pytest.fixture
def ancient_case(officer_client, signed_letter, staff):
    """A case received 0001-01-01 00:00 in Beijing, as the unbounded form let an officer write it:
    its received time and its clocks' starts are 1 BC in UTC."""
    case, _ = case_open(platform=signed_letter.platform, kind="complaint", description="日期有误",
                        received_at=datetime(1, 1, 1, tzinfo=SH), now=SIGNED_AT, assignee=staff)
    return case


def test_pages_show_a_stored_case_outside_the_bounds(officer_client, signed_letter, ancient_case, staff):
    slug = signed_letter.platform.slug
    board = officer_client.get(reverse("case-board"))
    assert board.status_code == 200
    assert ancient_case.number in board.content.decode() and "早于 0001-01-01" in board.content.decode()
    detail = officer_client.get(reverse("case-detail", args=[ancient_case.pk]))
    assert detail.status_code == 200 and ancient_case.number in detail.content.decode()
    rows = list(csv.reader(io.StringIO(officer_client.get(reverse("case-board"), {"format": "csv"})
                                       .content.decode("utf-8-sig"))))
    received = rows[0].index("受理时间")
    assert [r for r in rows if r[1] == ancient_case.number][0][received] == "早于 0001-01-01(超出范围)"
    tasks = officer_client.get(reverse("occurrence-list", args=[slug]))
    assert tasks.status_code == 200
    assert any(o.case_id == ancient_case.pk for o in tasks.context["page"].object_list)
    export = officer_client.get(reverse("occurrence-list", args=[slug]), {"format": "csv"})
    assert export.status_code == 200 and "早于 0001-01-01(超出范围)" in export.content.decode("utf-8-sig")
    for page in ("my-tasks", "home", "notifications"):
        assert officer_client.get(reverse(page)).status_code == 200
    clock = ancient_case.clocks.first()
    assert officer_client.get(reverse("occurrence-detail", args=[clock.pk])).status_code == 200
    assignee = Client()
    assignee.force_login(staff)
    assert assignee.get(reverse("my-tasks")).status_code == 200  # the assignee's own list, the clocks among its rows


def test_a_stored_case_outside_the_bounds_can_still_be_closed(officer_client, ancient_case):
    waivers = {f"waive-{clock.pk}": "受理时间录入有误" for clock in ancient_case.clocks.filter(state="open")}
    response = officer_client.post(reverse("case-close", args=[ancient_case.pk]), {"note": "录入有误,办结", **waivers})
    assert response.status_code == 302
    assert Case.objects.get(pk=ancient_case.pk).state == Case.State.CLOSED
    assert AuditEvent.objects.filter(action="case.close", object_id=str(ancient_case.pk)).exists()
    with connection.cursor() as cursor:  # the stored time is left as it was, not the nearest one Python reads
        cursor.execute("SELECT received_at::text FROM obligations_case WHERE id = %s", [ancient_case.pk])
        assert cursor.fetchone()[0].endswith(" BC")
