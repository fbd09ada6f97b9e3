"""A table of bad inputs per form and filter (issue 22, item 8): dates out of range, huge sizes,
bad encodings, control characters and NUL, HTML. Whatever is sent: no 500, and no half-written
record — a refused form writes nothing, an accepted one writes the whole record. One world for
the module (tests/world_support.py), each test in a savepoint of it."""

import uuid

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from obligations.models import AuditEvent, Case, ExportJob, Notification, Occurrence, Rectification
from tests.world_support import evidence_root_of_the_module, module_world_fixture

world = module_world_fixture()
_evidence_root = evidence_root_of_the_module()

HUGE = "9" * 400
MARKUP = "<script>alert(1)</script>"
BAD_DATES = ["0001-01-01", "9999-12-31", "2101-01-01", "2026-02-30", HUGE, "2026-11-02\x00"]
BAD_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59", "2026-11-02T25:00"]
BAD_TEXT = ["a\x00b", "\x1b[31m\x07\x7f\u202e", MARKUP, "x" * 70_000]
BAD_IDS = ["-1", "abc", HUGE]
# For a filter, each field gets a value of each kind: out of range, too large, a NUL and controls, markup.
BAD_FILTER_VALUES = ["9999-12-31", HUGE, "a\x00b\x1b\x85", MARKUP]


def refused_or_whole(response, before, after, what):
    """No 500; a refusal (anything but a redirect) wrote nothing."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code != 302:
        assert after == before, f"{what}: refused ({response.status_code}) yet wrote rows: {before} -> {after}"


def counts():
    return (Case.objects.count(), Occurrence.objects.count(), ExportJob.objects.count(),
            Rectification.objects.count(), AuditEvent.objects.count(), Notification.objects.count())


def no_raw_markup(response, what):
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert MARKUP not in response.content.decode(errors="replace"), f"{what}: HTML sent back unescaped"


FILTERS = {  # url name: the filter's fields
    "occurrence-list": ["date_from", "date_to", "clause", "state", "person", "obligation", "overdue", "page", "format"],
    "audit-log": ["date_from", "date_to", "actor", "action", "object_type", "object_id", "page"],
    "case-board": ["platform", "kind", "state", "severity", "assignee", "unassigned", "breached", "code", "format"],
    "my-tasks": ["section", "page", "scope"],
    "dashboard": ["period", "page"],
    "export-list": ["page"],
    "review-list": ["page"],
    "notifications": ["page"],
    "webhook-deliveries": ["status", "page"],
}


def filter_url(name, args):
    return reverse(name, args=[args["slug"]]) if name in {"occurrence-list", "audit-log", "dashboard", "export-list",
                                                          "review-list", "webhook-deliveries"} else reverse(name)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_takes_any_value_without_a_500(world, db, name):
    _people, args, clients = world
    url = filter_url(name, args)
    for field in FILTERS[name]:
        for value in BAD_FILTER_VALUES:
            response = clients["officer"].get(url, {field: value})
            assert response.status_code < 500, (name, field, value)
            no_raw_markup(response, (name, field))


def test_a_date_or_time_out_of_range_in_a_form_is_refused_and_writes_nothing(world, db):
    people, args, clients = world
    officer = clients["officer"]
    case_new = reverse("case-new", args=[args["slug"]])
    valid = {"kind": "complaint", "severity": "ordinary", "channel": "phone", "received_at": "2026-11-02T10:00",
             "description": "电话投诉"}
    for value in BAD_TIMES + BAD_DATES:
        before = counts()
        response = officer.post(case_new, {**valid, "received_at": value, "submission": uuid.uuid4().hex})
        assert response.status_code == 200, value  # the form again, with the reason
        refused_or_whole(response, before, counts(), ("case-new", value))
    for kind in ("regulator_pdf", "evidence_zip"):
        for field in ("start", "end"):
            for value in BAD_DATES:
                before = counts()
                response = officer.post(reverse("export-start", args=[args["slug"]]),
                                        {"kind": kind, "start": "2026-10-01", "end": "2026-10-31", field: value})
                refused_or_whole(response, before, counts(), ("export-start", kind, field, value))
                assert response.status_code == 400, (kind, field, value)
    for value in BAD_DATES:
        before = counts()
        response = clients["supervisor"].post(reverse("review-rectify", args=[args["review"]]),
                                              {"title": "补做巡检", "owner": people["staff"].pk, "due_date": value})
        refused_or_whole(response, before, counts(), ("review-rectify", value))
        assert counts()[3] == before[3], value


def test_text_fields_take_control_characters_huge_and_html_without_a_500_or_a_half_record(world, db):
    people, args, clients = world
    officer, staff = clients["officer"], clients["staff"]
    posts = [  # (client, url name, pk key or None, valid data, fields to spoil)
        (officer, "case-new", "slug", {"kind": "complaint", "severity": "ordinary", "channel": "phone",
                                       "received_at": "2026-11-02T10:00", "description": "电话投诉"},
         ["description", "reporter_name", "reporter_contact", "kind", "severity", "channel", "assignee"]),
        (staff, "case-close", "case", {"note": "已处理"}, ["note", "waive-1", f"waive-{HUGE}"]),
        (officer, "case-assign", "case", {"assignee": people["staff"].pk}, ["assignee"]),
        (staff, "occurrence-complete", "occurrence", {"note": "完成"}, ["note"]),
        (officer, "occurrence-waive", "occurrence", {"reason": "不适用"}, ["reason"]),
        (clients["supervisor"], "review-finding", "review", {"text": "发现", "severity": "low"}, ["text", "severity"]),
        (clients["supervisor"], "review-rectify", "review", {"title": "整改", "owner": people["staff"].pk,
                                                               "due_date": "2026-12-20"}, ["title", "owner"]),
        (officer, "export-start", "slug", {"kind": "regulator_pdf", "start": "2026-10-01", "end": "2026-10-31"},
         ["kind", "review"]),
        (officer, "retention", "slug", {}, ["disposal"]),
        (officer, "review-settings", "slug", {"quorum": "1"}, ["quorum"]),
    ]
    for client, name, key, valid, fields in posts:
        url = reverse(name, args=[args[key]])
        for field in fields:
            for value in BAD_TEXT + BAD_IDS:
                data = {**valid, field: value}
                if name == "case-new":
                    data["submission"] = uuid.uuid4().hex
                before = counts()
                response = client.post(url, data)
                refused_or_whole(response, before, counts(), (name, field, value[:20]))
                no_raw_markup(response, (name, field))


@override_settings(PLEDGE_PUBLIC_SUBMIT_LIMIT=1000, PLEDGE_PUBLIC_LOOKUP_LIMIT=1000)
def test_the_public_pages_take_anything_without_a_500(world, db):
    _people, args, _clients = world
    public = Client()
    complaint = reverse("public-complaint", args=[args["slug"]])
    status = reverse("public-status", args=[args["slug"]])
    valid = {"reporter_contact": "13800000000", "description": "无法退款", "consent": "on"}
    for field in ("description", "reporter_contact", "reporter_name", "submission", "consent"):
        for value in BAD_TEXT + BAD_IDS:
            before = counts()
            response = public.post(complaint, {"submission": uuid.uuid4().hex, **valid, field: value})
            what = ("public-complaint", field, value[:20])
            assert response.status_code < 500, what
            no_raw_markup(response, what)
            if response.status_code == 200:  # accepted (the page giving the number): the whole case, clocks and all
                case = Case.objects.order_by("-pk").first()
                assert counts()[0] == before[0] + 1 and case.clocks.exists() and case.public_ref in \
                    response.content.decode(), what
            else:  # refused (400, the form again): nothing written
                assert counts() == before, what
    for field in ("number", "contact"):
        for value in BAD_TEXT + BAD_IDS:
            response = public.post(status, {"number": "TS-2026-000001", "contact": "13800000000", field: value})
            assert response.status_code < 500, (field, value[:20])


@pytest.mark.parametrize("name", ["case-detail", "occurrence-detail", "review-detail", "evidence-download",
                                  "export-detail", "letter-version"])
def test_an_id_too_large_for_the_database_is_a_404(world, db, name):
    _people, _args, clients = world
    url = reverse(name, args=[1]).replace("/1/", f"/{HUGE[:25]}/")
    assert clients["officer"].get(url).status_code == 404


def test_bad_encodings_are_a_400_not_a_500(world, db):
    _people, args, clients = world
    officer = clients["officer"]
    case_new = reverse("case-new", args=[args["slug"]])
    before = counts()
    body = "kind=complaint&description=".encode() + "投诉".encode("gbk") + b"\xff\xfe&received_at=2026-11-02T10:00"
    for content_type in ("application/x-www-form-urlencoded; charset=gbk",
                         "application/x-www-form-urlencoded; charset=no-such-charset",
                         "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=",
                         "multipart/form-data"):
        response = officer.generic("POST", case_new, body, content_type=content_type)
        assert response.status_code < 500, content_type
    assert counts() == before
    for query in ("kind=%ff%fe", "assignee=%c0%af", "date_from=%00", "page=%ff"):
        assert officer.get(reverse("case-board"), QUERY_STRING=query).status_code < 500, query
        assert officer.get(reverse("occurrence-list", args=[args["slug"]]),
                           QUERY_STRING=query).status_code < 500, query
