"""The API's own access table, as test_access_matrix.py's is the pages': every endpoint × a token of each scope,
of another platform, and none. Outcomes: o = allowed (any answer below 500 that is not a refusal), u = 401,
d = 403, h = 404. Through Django's test client: the HTTP client's own tests are test_api.py's."""

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from obligations.models import Case, Occurrence, Role
from obligations.trust.api_tokens import token_create
from tests.world_support import evidence_root_of_the_module, module_world_fixture

world = module_world_fixture()
_evidence_root = evidence_root_of_the_module()

CALLERS = ("read", "complete", "cases", "stranger", "none")
# endpoint name, method -> outcomes for CALLERS
EXPECTED = {
    ("occurrence-list", "GET"): "oddhu",
    ("occurrence-detail", "GET"): "oodhu",
    ("occurrence-complete", "POST"): "dodhu",
    ("case-create", "POST"): "ddohu",
    ("case-detail", "GET"): "odohu",
    ("case-step", "POST"): "ddohu",
    ("figures", "GET"): "oddhu",
}


def endpoint_names():
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    return {p.name for p in api.url_patterns if isinstance(p, URLPattern)} - {"schema", "docs", "guide", "not-found"}


@pytest.fixture
def callers(world, db):
    people, args, _clients = world
    now, officer = timezone.now(), people["officer"]
    platform = Occurrence.objects.get(pk=args["occurrence"]).platform
    tokens = {scope: token_create(platform=platform, user=officer, name=scope, scopes=[scope],
                                  expires_at=now + timezone.timedelta(days=1), now=now)[1]
              for scope in ("read", "complete", "cases")}
    stranger = people["stranger"]
    beta = stranger.memberships.get(role=Role.OFFICER).platform
    tokens["stranger"] = token_create(platform=beta, user=stranger, name="beta", scopes=["read", "complete", "cases"],
                                      expires_at=now + timezone.timedelta(days=1), now=now)[1]
    tokens["none"] = None
    return args, tokens


def url_of(name, args):
    kwargs = {"occurrence-list": {"slug": args["slug"]}, "figures": {"slug": args["slug"]},
              "case-create": {"slug": args["slug"]}, "occurrence-detail": {"pk": args["occurrence"]},
              "occurrence-complete": {"pk": args["occurrence"]}, "case-detail": {"pk": args["case"]},
              "case-step": {"pk": args["case"], "step": "respond"}}[name]
    return reverse(f"api:{name}", kwargs=kwargs)


def outcome(response):
    assert response.status_code < 500, response.content[:500]
    return {401: "u", 403: "d", 404: "h"}.get(response.status_code, "o")


@pytest.mark.parametrize("name,method", sorted(EXPECTED))
def test_api_access(callers, name, method):
    args, tokens = callers
    seen = ""
    for caller in CALLERS:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[caller]}" if tokens[caller] else "")
        url = url_of(name, args)
        # Refusals only change nothing; the allowed POST comes last (complete is in the order of CALLERS).
        response = client.get(url) if method == "GET" else client.post(url, {"note": "ok"},
                                                                        HTTP_IDEMPOTENCY_KEY="matrix-1")
        seen += outcome(response)
    assert seen == EXPECTED[(name, method)]
    assert Case.objects.filter(submission_key="api:matrix-1").count() <= 1


def test_every_endpoint_has_a_row():
    assert {name for name, _method in EXPECTED} == endpoint_names()
