"""Bad input to the API, as tests/test_bad_inputs.py sends the pages': whatever is sent, no 500 and nothing
half-written; a refusal is a 4xx JSON answer naming what was wrong."""

import pytest
from django.test import Client
from django.utils import timezone

from obligations.models import Case, Occurrence
from obligations.trust.api_tokens import token_create
from tests.test_bad_inputs import BAD_FILTER_VALUES, BAD_TEXT, HUGE
from tests.world_support import evidence_root_of_the_module, module_world_fixture

world = module_world_fixture()
_evidence_root = evidence_root_of_the_module()


@pytest.fixture
def api(world, db):
    people, args, _clients = world
    platform = Occurrence.objects.get(pk=args["occurrence"]).platform
    now = timezone.now()
    _token, secret = token_create(platform=platform, user=people["officer"], name="bad", scopes=["read", "cases"],
                                  expires_at=now + timezone.timedelta(days=1), now=now)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), args


def refused(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json" and response.json()["detail"]
    return response.json()


@pytest.mark.parametrize("name", ["state", "obligation", "clause", "due_from", "due_to", "page_size", "cursor",
                                  "period"])
def test_every_filter_takes_any_value_without_a_500(api, name):
    client, args = api
    path = (f"/api/v1/platforms/{args['slug']}/figures/" if name == "period"
            else f"/api/v1/platforms/{args['slug']}/occurrences/")
    for value in BAD_FILTER_VALUES + ["2026-02-30", "-1"]:
        answer = client.get(path, {name: value})
        assert answer.status_code < 500, (name, value)
        if answer.status_code != 200:
            assert name in refused(answer)["fields"]


@pytest.mark.parametrize("field,values", [
    ("description", BAD_TEXT[:1] + ["", " ", "x" * 70_000]),
    ("received_at", ["0001-01-01T00:00", "9999-12-31T23:59", "2101-01-01T00:00+08:00", "2026-11-02T25:00", HUGE]),
    ("kind", ["rumour", HUGE]), ("severity", ["\x00"]), ("reporter_contact", ["a\x00b", "x" * 200]),
])
def test_a_bad_case_is_refused_and_opens_nothing(api, field, values):
    client, args = api
    before = Case.objects.count()
    for i, value in enumerate(values):
        body = {"kind": "complaint", "description": "客服未回复", field: value}
        answer = client.post(f"/api/v1/platforms/{args['slug']}/cases/", body, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"bad-{field}-{i}")
        assert field in refused(answer).get("fields", {field: 1}), (field, value)
    assert Case.objects.count() == before


@pytest.mark.parametrize("key", ["", " ", "x" * 61, "键", "a b", "a\x00b"])
def test_an_unusable_idempotency_key_is_refused(api, key):
    client, args = api
    answer = client.post(f"/api/v1/platforms/{args['slug']}/cases/", {"kind": "complaint", "description": "x"},
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert refused(answer)["code"] == "idempotency_key_required"


def test_a_body_that_is_no_json_is_a_400(api):
    client, args = api
    answer = client.post(f"/api/v1/platforms/{args['slug']}/cases/", b"{not json", content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k")
    assert refused(answer)["code"] == "parse_error" or answer.status_code == 400
