"""The REST API through a real HTTP client (urllib) against the live server: tokens and scopes, tenancy,
401/403/404/429 as docs/api.md lists them, the check-off with a file stored as the browser's path stores it,
cases opened once whatever the retries (two at once too), the dashboard's figures, and the schema."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from obligations.cases import services as case_services
from obligations.models import ApiToken, AuditEvent, Case, Evidence, Occurrence
from obligations.oversight.dashboard import dashboard_page
from obligations.trust.api_tokens import token_revoke
from obligations.work.evidence import evidence_open
from tests.api.support import build_world, call
from tests.conftest import PDF_BYTES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def api(live_server):
    return lambda *args, **kwargs: call(live_server.url, *args, **kwargs)


def opened_tasks(platform, n=2):
    now = timezone.now()
    return list(Occurrence.objects.filter(platform=platform, state__in=Occurrence.TODO_STATES, opens_at__lte=now,
                                          obligation__key="三.2").order_by("due_at", "id")[:n])


def test_each_scope_opens_only_its_endpoints(world, api):
    occ = opened_tasks(world.platform, 1)[0]
    t = world.tokens
    assert api("GET", "/api/v1/platforms/alpha/occurrences/", t["read"]).status == 200
    assert api("GET", f"/api/v1/occurrences/{occ.pk}/", t["complete"]).status == 200  # it reads what it completes
    refused = api("POST", f"/api/v1/occurrences/{occ.pk}/complete/", t["read"], fields={"note": "x"})
    assert (refused.status, refused.code) == (403, "forbidden")
    assert "完成任务" in refused.body["detail"]
    assert api("GET", "/api/v1/platforms/alpha/occurrences/", t["complete"]).status == 403
    assert api("GET", "/api/v1/platforms/alpha/figures/", t["cases"]).status == 403
    assert api("POST", "/api/v1/platforms/alpha/cases/", t["read"], json_body={},
               headers={"Idempotency-Key": "k1"}).status == 403
    assert Occurrence.objects.get(pk=occ.pk).state in Occurrence.TODO_STATES  # nothing refused changed anything


def test_401_without_a_live_token_in_the_callers_language(world, api):
    path = "/api/v1/platforms/alpha/occurrences/"
    missing = api("GET", path)
    assert (missing.status, missing.code) == (401, "not_authenticated")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in missing.body["detail"] and missing.headers["Content-Language"] == "zh-hans"
    english = api("GET", path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.headers["Content-Language"] == "en" and "token" in english.body["detail"]
    assert api("GET", path, "plg_not-a-token").status == 401
    assert api("GET", path, headers={"Authorization": "Basic YWxpY2U6cHc="}).status == 401
    token_revoke(token=world.objects["read"], user=world.officer, now=timezone.now())
    revoked = api("GET", path, world.tokens["read"], headers={"Accept-Language": "en"})
    assert (revoked.status, revoked.code) == (401, "not_authenticated") and "revoked" in revoked.body["detail"]
    ApiToken.objects.filter(pk=world.objects["all"].pk).update(expires_at=timezone.now())
    assert "过期" in api("GET", path, world.tokens["all"]).body["detail"]


def test_a_token_reaches_its_own_platform_only(world, api):
    beta_task = Occurrence.objects.filter(platform=world.other).first()
    beta_case, _created = case_services.case_open(platform=world.other, kind=Case.Kind.COMPLAINT, description="x",
                                                  received_at=timezone.now(), now=timezone.now(), user=None,
                                                  channel=Case.Channel.PHONE)
    t = world.tokens["all"]
    for method, path in (("GET", "/api/v1/platforms/beta/occurrences/"), ("GET", "/api/v1/platforms/nowhere/figures/"),
                         ("GET", f"/api/v1/occurrences/{beta_task.pk}/"),
                         ("POST", f"/api/v1/occurrences/{beta_task.pk}/complete/"),
                         ("GET", f"/api/v1/cases/{beta_case.pk}/"), ("GET", "/api/v1/occurrences/999999999/"),
                         ("GET", "/api/v1/no-such-endpoint/")):
        answer = api(method, path, t, fields={"note": "x"} if method == "POST" else None)
        assert (answer.status, answer.code) == (404, "not_found"), (path, answer)
    assert Occurrence.objects.get(pk=beta_task.pk).state in Occurrence.TODO_STATES
    assert api("GET", "/api/v1/platforms/beta/occurrences/", world.tokens["beta"]).status == 200


def test_429_past_the_rate_with_retry_after(world, api, settings):
    settings.PLEDGE_API_RATE = 3
    path = "/api/v1/platforms/alpha/occurrences/?page_size=1"
    assert [api("GET", path, world.tokens["read"]).status for _ in range(3)] == [200, 200, 200]
    limited = api("GET", path, world.tokens["read"])
    assert (limited.status, limited.code) == (429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= settings.PLEDGE_API_RATE_WINDOW
    assert limited.body["retry_after"] == int(limited.headers["Retry-After"])
    assert api("GET", path, world.tokens["all"]).status == 200  # per token: another is not held up


def test_the_list_filters_pages_by_cursor_and_refuses_bad_filters(world, api):
    t = world.tokens["read"]
    expected = list(Occurrence.objects.filter(platform=world.platform, obligation__key="三.2")
                    .order_by("due_at", "id").values_list("pk", flat=True))
    seen, path = [], "/api/v1/platforms/alpha/occurrences/?obligation=三.2&page_size=7"
    while path:
        page = api("GET", path, t)
        assert page.status == 200 and len(page.body["results"]) <= 7
        assert {r["obligation"] for r in page.body["results"]} <= {"三.2"}
        seen += [r["id"] for r in page.body["results"]]
        following = page.body["next"]
        path = following[following.index("/api/"):] if following else None
    assert seen == expected and len(expected) > 7
    today = timezone.now().astimezone(world.platform.tz).date().isoformat()
    only_today = api("GET", f"/api/v1/platforms/alpha/occurrences/?due_from={today}&due_to={today}&state=open", t)
    assert only_today.body["results"] and all(r["state"] == "open" for r in only_today.body["results"])
    bad = api("GET", "/api/v1/platforms/alpha/occurrences/?state=finished&due_from=2026-13-01", t)
    assert (bad.status, bad.code) == (400, "invalid") and set(bad.body["fields"]) == {"state", "due_from"}
    english = api("GET", "/api/v1/platforms/alpha/occurrences/?due_from=2026-13-01", t, headers={"Accept-Language": "en"})
    assert "valid date" in english.body["fields"]["due_from"][0]
    assert api("GET", "/api/v1/platforms/alpha/occurrences/?stat=open", t).body["fields"] == {"stat": ["未知的查询参数。"]}
    assert api("GET", "/api/v1/platforms/alpha/occurrences/?due_from=2026-12-09&due_to=2026-12-01", t).status == 400
    assert api("GET", "/api/v1/platforms/alpha/occurrences/?cursor=garbage", t).body["fields"]["cursor"]


def test_a_check_off_stores_the_file_as_the_browsers_path_does(world, api):
    by_api, by_browser = opened_tasks(world.platform)
    report = PDF_BYTES + b"% scan 2026-12-07: 0 findings\n"
    done = api("POST", f"/api/v1/occurrences/{by_api.pk}/complete/", world.tokens["complete"],
               fields={"note": "每日安全检查:无异常"}, files=[("files", "scan.pdf", report, "application/pdf")])
    assert done.status == 201, done.body
    assert done.body["occurrence"]["state"] in ("done", "done_late") and done.body["occurrence"]["completed_by"] == "alice"
    browser = Client()
    browser.force_login(world.officer)
    page = browser.post(f"/occurrences/{by_browser.pk}/complete/",
                        {"note": "每日安全检查:无异常", "files": SimpleUploadedFile("scan.pdf", report, "application/pdf")})
    assert page.status_code == 302
    api_file, browser_file = Evidence.objects.get(occurrence=by_api), Evidence.objects.get(occurrence=by_browser)
    digest = hashlib.sha256(report).hexdigest()
    assert api_file.sha256 == browser_file.sha256 == digest == done.body["occurrence"]["evidence"][0]["sha256"]
    assert (api_file.size, api_file.content_type, api_file.keep_until) == (
        browser_file.size, browser_file.content_type, browser_file.keep_until)
    with evidence_open(api_file) as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest
    # The same audit record as the browser's, naming the token the API's came through.
    record = AuditEvent.objects.get(action="occurrence.complete", object_id=str(by_api.pk))
    token = world.objects["complete"]
    assert record.actor == world.officer and record.data["via"] == {"api_token": token.pk, "name": token.name,
                                                                    "prefix": token.prefix}
    assert "via" not in AuditEvent.objects.get(action="occurrence.complete", object_id=str(by_browser.pk)).data


def test_the_check_off_refusals_of_the_browser_as_4xx(world, api):
    t, occ = world.tokens["complete"], opened_tasks(world.platform, 1)[0]
    no_file = api("POST", f"/api/v1/occurrences/{occ.pk}/complete/", t, fields={"note": "x"})
    assert (no_file.status, no_file.code) == (400, "invalid") and "佐证材料" in no_file.body["fields"]["files"][0]
    bad_file = api("POST", f"/api/v1/occurrences/{occ.pk}/complete/", t,
                   files=[("files", "scan.pdf", b"MZ\x90\x00not a pdf", "application/pdf")])
    assert bad_file.status == 400 and "scan.pdf" in bad_file.body["detail"]
    assert Occurrence.objects.get(pk=occ.pk).state in Occurrence.TODO_STATES and not Evidence.objects.exists()
    files = [("files", "scan.pdf", PDF_BYTES, "application/pdf")]
    assert api("POST", f"/api/v1/occurrences/{occ.pk}/complete/", t, files=files).status == 201
    again = api("POST", f"/api/v1/occurrences/{occ.pk}/complete/", t, files=files, headers={"Accept-Language": "en"})
    assert (again.status, again.code) == (409, "already_done") and "alice" in again.body["detail"]
    future = Occurrence.objects.filter(platform=world.platform, opens_at__gt=timezone.now() + timedelta(hours=1),
                                       obligation__key="三.2").order_by("opens_at").first()
    early = api("POST", f"/api/v1/occurrences/{future.pk}/complete/", t, files=files)
    assert (early.status, early.code) == (409, "not_open")
    assert Evidence.objects.count() == 1


def test_two_concurrent_retries_open_one_case(world, api, monkeypatch):
    """Both requests pass the look-up for an earlier case before either inserts: the unique row decides."""
    both_looked = threading.Barrier(2, timeout=20)
    numbering = case_services._next_number

    def after_both_looked(*args, **kwargs):
        both_looked.wait()
        return numbering(*args, **kwargs)

    monkeypatch.setattr(case_services, "_next_number", after_both_looked)
    body = {"kind": "complaint", "description": "退款三天未到账", "channel": "in_app", "reporter_contact": "13800000000"}
    answers = []

    def send():
        answers.append(api("POST", "/api/v1/platforms/alpha/cases/", world.tokens["cases"], json_body=body,
                           headers={"Idempotency-Key": "cs-ticket-42"}))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status for a in answers) == [200, 201], [a.body for a in answers]
    assert answers[0].body["id"] == answers[1].body["id"]
    assert Case.objects.filter(platform=world.platform).count() == 1
    assert AuditEvent.objects.filter(action="case.open").count() == 1
    replay = next(a for a in answers if a.status == 200)
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_cases_open_once_show_their_clocks_and_take_a_response_and_a_decision(world, api):
    t = world.tokens["cases"]
    body = {"kind": "complaint", "description": "客服未回复", "channel": "phone", "severity": "serious"}
    missing = api("POST", "/api/v1/platforms/alpha/cases/", t, json_body=body)
    assert (missing.status, missing.code) == (400, "idempotency_key_required")
    opened = api("POST", "/api/v1/platforms/alpha/cases/", t, json_body=body, headers={"Idempotency-Key": "t-1"})
    assert opened.status == 201 and opened.body["number"].startswith("TS-")
    steps = [c["step"] for c in opened.body["clocks"]]
    assert "respond" in steps and "decide" in steps
    again = api("POST", "/api/v1/platforms/alpha/cases/", t, json_body=body, headers={"Idempotency-Key": "t-1"})
    assert (again.status, again.body["id"]) == (200, opened.body["id"])
    other = api("POST", "/api/v1/platforms/alpha/cases/", t, json_body={**body, "description": "另一件事"},
                headers={"Idempotency-Key": "t-1"})
    assert (other.status, other.code) == (409, "idempotency_key_reused")
    bad = api("POST", "/api/v1/platforms/alpha/cases/", t, json_body={"kind": "rumour", "description": "",
                                                                      "channel": "public"},
              headers={"Idempotency-Key": "t-2"})
    assert bad.status == 400 and set(bad.body["fields"]) == {"kind", "description", "channel"}
    assert Case.objects.count() == 1
    case_id = opened.body["id"]
    read = api("GET", f"/api/v1/cases/{case_id}/", world.tokens["read"])
    assert read.status == 200 and read.body["clocks"] == opened.body["clocks"]
    assert api("POST", f"/api/v1/cases/{case_id}/steps/respond/", t, fields={"note": "已电话联系"}).status == 201
    assert api("POST", f"/api/v1/cases/{case_id}/steps/respond/", t, fields={"note": "x"}).code == "already_done"
    no_decision = api("POST", f"/api/v1/cases/{case_id}/steps/decide/", t, fields={"note": " "})
    assert no_decision.status == 400 and no_decision.body["fields"]["note"]
    decided = api("POST", f"/api/v1/cases/{case_id}/steps/decide/", t, json_body={"note": "退款已补发"})
    assert decided.status == 201
    assert api("POST", f"/api/v1/cases/{case_id}/steps/recover/", t, fields={"note": "x"}).status == 404
    after = api("GET", f"/api/v1/cases/{case_id}/", t).body
    assert {c["step"]: c["state"] for c in after["clocks"]}["decide"] in ("done", "done_late")
    records = AuditEvent.objects.filter(action__in=["case.open", "occurrence.complete"])
    assert records.count() == 3 and all(r.data["via"]["api_token"] == world.objects["cases"].pk for r in records)


def test_figures_equal_the_dashboards_and_say_when_the_period_is_not_over(world, api):
    t, tz, now = world.tokens["read"], world.platform.tz, timezone.now()
    month = now.astimezone(tz)
    answer = api("GET", f"/api/v1/platforms/alpha/figures/?period={month:%Y-%m}", t)
    assert answer.status == 200
    page = dashboard_page(world.platform, now=timezone.now())
    assert [(c["clause"], c["due"], c["done"], c["missed"], c["open"], c["pending"]) for c in answer.body["clauses"]] == [
        (r.number, r.month.due, r.month.done, r.month.missed, r.month.open, r.month.pending) for r in page.rows]
    assert answer.body["running"] is True and "期间未结束" in answer.body["notice"]
    assert answer.body["now"] == {"overdue": page.overdue.count, "due_soon": page.due_soon.count,
                                  "open_cases": page.cases.count}
    quarter = (month.month - 1) // 3 + 1
    by_quarter = api("GET", f"/api/v1/platforms/alpha/figures/?period={month:%Y}-Q{quarter}", t).body
    assert [c["due"] for c in by_quarter["clauses"]] == [r.quarter.due for r in page.rows]
    past = api("GET", "/api/v1/platforms/alpha/figures/?period=2026-01", t, headers={"Accept-Language": "en"}).body
    assert past["running"] is False and past["notice"] == ""
    future = api("GET", f"/api/v1/platforms/alpha/figures/?period={month.year + 1}-01", t)
    assert (future.status, future.code) == (400, "period_not_begun")
    assert api("GET", "/api/v1/platforms/alpha/figures/?period=2026-13", t).body["fields"]["period"]


API_PATHS = {"/api/v1/platforms/{slug}/occurrences/", "/api/v1/occurrences/{id}/", "/api/v1/occurrences/{id}/complete/",
             "/api/v1/platforms/{slug}/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/steps/{step}/",
             "/api/v1/platforms/{slug}/figures/"}


def test_the_schema_validates_and_lists_exactly_the_endpoints(live_server, api):
    schema = api("GET", "/api/v1/schema/?format=json").body
    validate_schema(schema)  # drf-spectacular's own check against the OpenAPI 3 JSON schema
    assert set(schema["paths"]) == API_PATHS
    methods = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}
    assert methods["/api/v1/occurrences/{id}/complete/"] == {"post"} and methods["/api/v1/cases/{id}/"] == {"get"}
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    docs = call(live_server.url, "GET", "/api/v1/docs/", headers={"Accept": "text/html"})
    html = docs.body.decode()
    assert docs.status == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style>" not in html and "<script>" not in html and "cdn" not in html.lower()
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
