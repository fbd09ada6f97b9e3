"""The audit-log page: officers and auditors read their platform's trail, filtered and
paged, under the chain's verification status."""

import re
from datetime import timedelta

import pytest
from django.db import connection

from obligations.models import AuditEvent, Platform, Role
from obligations.trust.audit import audit_record
from tests.cases.support import open_case
from tests.conftest import SIGNED_AT, anchor_as_committed, make_user
from tests.dbroles import guard_lifted

URL = "/platforms/alpha/audit/"


@pytest.fixture
def people(platform, officer, staff):
    other = Platform.objects.create(slug="beta", name="Beta")
    return {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
            "auditor": make_user("aud", platform, Role.AUDITOR), "stranger": make_user("charlie", other, Role.OFFICER),
            "other": other}


def page(client, user, query=""):
    client.force_login(user)
    return client.get(URL + query)


def ids(response):
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', response.content.decode())]


@pytest.mark.parametrize("role,status", [("officer", 200), ("auditor", 200), ("staff", 403), ("supervisor", 403),
                                         ("stranger", 404)])
def test_officers_and_auditors_only(people, client, role, status):
    assert page(client, people[role]).status_code == status


def test_the_menu_links_it_for_officers_and_auditors(signed_letter, people, client):
    for role, shown in (("officer", True), ("auditor", True), ("staff", False), ("supervisor", False)):
        client.force_login(people[role])
        assert (URL in client.get("/tasks/").content.decode()) is shown, role


def test_the_platforms_trail_newest_first_with_its_members_sign_ins(signed_letter, people, client):
    audit_record(at=SIGNED_AT, action="test.elsewhere", platform=people["other"])
    anchor_as_committed()
    response = page(client, people["auditor"])  # this sign-in is in the trail too
    own = list(AuditEvent.objects.filter(platform__slug="alpha").values_list("pk", flat=True))
    sign_in = AuditEvent.objects.get(action="auth.login", actor=people["auditor"]).pk
    assert ids(response) == sorted(own + [sign_in], reverse=True)
    client.force_login(people["stranger"])  # the sign-in of another platform's member: not here
    stranger = AuditEvent.objects.get(action="auth.login", actor=people["stranger"]).pk
    assert stranger not in ids(page(client, people["officer"]))
    text = response.content.decode()
    assert 'id="chain-status" data-ok="1"' in text and "审计链完整" in text


def test_filters_by_date_actor_action_and_object(signed_letter, people, client):
    platform, officer = signed_letter.platform, people["officer"]
    case = open_case(platform)  # received 2 Nov 10:00, recorded a minute later
    later = audit_record(at=SIGNED_AT + timedelta(days=3), action="test.later", obj=case, actor=people["staff"],
                         platform=platform)
    response = page(client, people["auditor"], "?date_from=2026-11-05&date_to=2026-11-05")
    assert ids(response) == [later.pk]
    response = page(client, people["auditor"], f"?actor={people['staff'].pk}")
    assert ids(response) == [later.pk]
    response = page(client, people["auditor"], f"?object_type=Case&object_id={case.pk}")
    assert set(ids(response)) == {later.pk, AuditEvent.objects.get(action="case.open").pk}
    response = page(client, people["auditor"], "?action=letter.sign")
    assert ids(response) == [AuditEvent.objects.get(action="letter.sign").pk]
    assert ids(page(client, officer, f"?actor={officer.pk}&action=letter.create")) == [
        AuditEvent.objects.get(action="letter.create").pk]
    bad = page(client, people["auditor"], "?date_from=2026-11-06&date_to=2026-11-05")
    assert "开始日期不能晚于结束日期" in bad.content.decode()


def test_fifty_a_page(signed_letter, people, client):
    for i in range(60):
        audit_record(at=SIGNED_AT + timedelta(minutes=i), action="test.many", platform=signed_letter.platform)
    first = page(client, people["officer"], "?action=test.many")
    assert len(ids(first)) == 50 and "1 / 2" in first.content.decode()
    second = page(client, people["officer"], "?action=test.many&page=2")
    assert len(ids(second)) == 10 and max(ids(second)) < min(ids(first))


@pytest.mark.django_db(transaction=True)  # the owner lifts the guard on a connection of its own
def test_a_broken_chain_is_named_at_the_top(signed_letter, people, client):
    victim = AuditEvent.objects.get(action="letter.create")
    with guard_lifted(), connection.cursor() as cur:
        cur.execute("UPDATE obligations_auditevent SET actor_id = NULL WHERE id = %s", [victim.pk])
    text = page(client, people["officer"]).content.decode()
    assert f'id="chain-status" data-ok="0" data-broken="{victim.pk}"' in text
    assert f"记录 #{victim.pk} 的内容与其哈希不符" in text
    assert f'<tr data-id="{victim.pk}" class="table-danger">' in text


def test_times_are_the_platforms_local_time_and_the_column_names_it(people, client, platform):
    platform.timezone = "Asia/Tokyo"
    platform.save()
    at = SIGNED_AT.replace(second=5)  # 01:00:05 UTC, 10:00:05 in Tokyo (09:00:05 in Shanghai)
    record = audit_record(at=at, action="test.tokyo", obj=platform, actor=people["officer"], platform=platform, data={})
    html = page(client, people["officer"]).content.decode()
    row = re.search(rf'<tr data-id="{record.pk}".*?</tr>', html, re.S).group(0)
    local = at.astimezone(platform.tz).strftime("%Y-%m-%d %H:%M:%S")
    assert local in row and local.endswith("10:00:05")
    assert "时间(UTC+9)" in html
