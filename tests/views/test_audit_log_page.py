"""The audit-log page: officers and auditors read their platform's trail, filtered and
paged, under the chain's verification status."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

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


def in_language(client, user, language, query=""):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(URL + query)


def test_each_record_reads_as_a_sentence_in_the_readers_language_with_its_details_on_demand(signed_letter, people,
                                                                                              client):
    version = signed_letter.version
    zh = in_language(client, people["auditor"], "zh-hans").content.decode()
    sign = AuditEvent.objects.get(action="letter.sign").pk
    row = re.search(rf'<tr data-id="{sign}".*?</tr>', zh, re.S).group(0)
    assert f"签署了承诺书(第 {version} 版)" in row
    assert "<details" in row and "<dt>动作代码</dt>" in row and "<dd lang=\"zxx\">letter.sign</dd>" in row  # a code, marked as one
    assert '"version"' not in zh  # no raw JSON on the page
    login = re.search(r'<tr data-id="\d+".*?</tr>', zh, re.S).group(0)  # the newest: this sign-in
    assert "aud 登录" in login and "data-label=\"时间(北京时间)\"" in login
    en = in_language(client, people["auditor"], "en").content.decode()
    row = re.search(rf'<tr data-id="{sign}".*?</tr>', en, re.S).group(0)
    assert f"signed the letter (version {version})" in row and "<dt>Action code</dt>" in row
    assert "签署" not in row


def options(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_the_filters_offer_actions_and_object_types_in_the_readers_language(signed_letter, people, client):
    open_case(signed_letter.platform)
    zh = options(in_language(client, people["auditor"], "zh-hans").content.decode(), "object_type")
    assert zh["Case"] == "案件" and zh["Letter"] == "承诺书"
    actions = options(in_language(client, people["auditor"], "zh-hans").content.decode(), "action")
    assert actions["letter.sign"] == "签署承诺书" and actions["case.open"] == "受理案件"
    en = options(in_language(client, people["auditor"], "en").content.decode(), "object_type")
    assert en["Case"] == "Case" and en["Letter"] == "Commitment letter"
    actions = options(in_language(client, people["auditor"], "en").content.decode(), "action")
    assert actions["letter.sign"] == "Letter signed" and actions["auth.login"] == "Sign in"


def csv_of(response):
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # a spreadsheet reads the Chinese
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_holds_the_filtered_trail_with_sentences_raw_fields_and_local_times(signed_letter, people, client):
    platform = signed_letter.platform
    at = SIGNED_AT + timedelta(days=3, seconds=5)  # 2026-11-05 01:00:05 UTC, 09:00:05 in Shanghai
    later = audit_record(at=at, action="case.close", obj=open_case(platform), actor=people["staff"],
                         platform=platform, data={"waived": [1, 2]})
    rows = csv_of(in_language(client, people["auditor"], "zh-hans", "?date_from=2026-11-05&date_to=2026-11-05&format=csv"))
    assert rows[0] == ["#", "时间(北京时间)", "操作人", "记录", "动作代码", "对象类型", "对象编号", "详情", "哈希"]
    staff = people["staff"].username
    assert rows[1:] == [[str(later.pk), "2026-11-05 09:00:05", staff, f"{staff} 办结了案件 #{later.object_id}",
                         "case.close", "Case", later.object_id, '{"waived": [1, 2]}', later.hash]]
    rows = csv_of(in_language(client, people["auditor"], "en", "?action=letter.sign&format=csv"))
    sign = AuditEvent.objects.get(action="letter.sign")
    assert rows[0][:4] == ["#", "Time, Beijing time (UTC+8)", "User", "Record"]
    assert [r[0] for r in rows[1:]] == [str(sign.pk)] and "signed the letter" in rows[1][3]
    codes = csv_of(in_language(client, people["auditor"], "en", f"?actor={people['staff'].pk}&format=csv-codes"))
    assert codes[0] == ["id", "at", "actor", "sentence", "action", "object_type", "object_id", "data", "hash"]
    assert codes[1][:2] == [str(later.pk), "2026-11-05T09:00:05+08:00"] and len(codes) == 2


def test_a_csv_asked_with_a_filter_it_cannot_read_answers_with_the_page_and_the_reason(signed_letter, people, client):
    response = in_language(client, people["auditor"], "zh-hans", "?date_from=2026-11-06&date_to=2026-11-05&format=csv")
    assert response["Content-Type"].startswith("text/html")
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_the_page_links_the_csv_of_its_filters(signed_letter, people, client):
    html = in_language(client, people["auditor"], "zh-hans", "?action=letter.sign&page=1").content.decode()
    link = re.search(r'id="export-csv" href="([^"]+)"', html).group(1)
    assert unescape(link) == "?action=letter.sign&format=csv"  # the page number left out
