"""Every URL × method × role has an expected outcome, generated from the URLconf: a new
URL without a row here fails. Django's own pages (sign-in, password, language, the admin) are
walked from the URLconf too, for every role and method: never a 500. One world for the module
(tests/world_support.py): the whole table runs in well under a minute. Roles: the platform's officer, staff, supervisor and
auditor, an officer of another platform (the stranger) and an anonymous visitor.

Outcomes: o = allowed (any answer below 500 that is not a refusal: the page, a redirect
after an action, a form error), d = 403, h = 404 (not a member: existence not revealed),
l = sent to sign in, n = 405 (method not allowed), p = public (allowed without sign-in).
"""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from obligations.trust.heartbeat import worker_beat
from tests.world_support import ROLES, evidence_root_of_the_module, module_world_fixture

# The API (namespace "api") answers bearer tokens, not sessions: its own table is tests/api/test_access.py.
SKIP_NAMESPACES = {"admin", "api"}
# Django's own auth and i18n pages are not ours to table; everything under obligations.urls is.
SKIP_NAMES = {"login", "logout", "password_change", "password_change_done", "password_reset",
              "password_reset_done", "password_reset_confirm", "password_reset_complete", "set_language"}


def url_names():
    names = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace not in SKIP_NAMESPACES:
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names - SKIP_NAMES


world = module_world_fixture()
_evidence_root = evidence_root_of_the_module()


# name -> which objects fill its URL arguments (slug, pk, …)
PK = {
    "occurrence-detail": "occurrence", "occurrence-complete": "occurrence", "occurrence-evidence-add": "occurrence",
    "occurrence-reopen": "occurrence", "occurrence-waive": "occurrence", "evidence-download": "evidence",
    "obligation-assign": "obligation", "letter-edit": "letter", "case-detail": "case", "case-close": "case",
    "case-assign": "case",
    "member-role": "member", "member-name": "member", "member-remove": "member", "review-detail": "review", "review-explain": "review",
    "review-exceptions": "review",
    "review-rectify": "review", "review-finding": "review", "review-sign": "review", "review-refuse": "review",
    "letter-version": "letter", "clause-editor": "letter", "clause-add": "letter", "letter-preview": "letter",
    "letter-first-period": "letter", "letter-changes": "letter", "letter-discard": "letter", "clause-row": "clause", "clause-edit": "clause",
    "clause-remove": "clause", "clause-restore": "clause", "obligation-spec-new": "clause",
    "obligation-spec-edit": "clause", "obligation-spec-remove": "clause",
    "export-detail": "export", "export-retry": "export", "export-download": "export",
    "invitation-revoke": "invitation", "webhook-enable": "webhook", "webhook-delete": "webhook",
    "webhook-retry": "delivery", "api-token-revoke": "api_token",
    "robot-edit": "robot", "robot-test": "robot", "robot-remove": "robot",
}


def url_for(name, args):
    pattern = next(p for p in get_resolver().reverse_dict.getlist(name))
    params = pattern[0][0][1]
    kwargs = {}
    for param in params:
        if param == "slug":
            kwargs["slug"] = args["slug"]
        elif param == "pk":
            kwargs["pk"] = args[PK[name]]
        else:
            kwargs[param] = args[param]
    return reverse(name, kwargs=kwargs)


def outcome(response):
    code = response.status_code
    assert code < 500, f"server error {code}"
    if code in (302, 301) and "/accounts/login/" in response.headers.get("Location", ""):
        return "l"
    return {403: "d", 404: "h", 405: "n"}.get(code, "o")


def observe(name, method, clients, args):
    url = url_for(name, args)
    seen = {}
    # Refused roles first: an allowed POST (discard a draft, remove a member) changes what
    # the next request finds.
    for role in reversed(ROLES):
        client = clients[role]
        response = client.get(url) if method == "GET" else client.post(url, {})
        seen[role] = outcome(response)
    return "".join(seen[role] for role in ROLES)


# GET, POST outcomes per role: officer, staff, supervisor, auditor, stranger, anonymous.
EXPECTED = {
    "api-tokens": ("odddhl", "odddhl"),
    "api-token-revoke": ("nnnnnl", "odddhl"),
    "audit-log": ("oddohl", "nnnnnl"),
    "calendar-days": ("dddddl", "dddddl"),
    "calendar-feed": ("oooool", "oooool"),
    "calendar-feed-ics": ("oooooo", "nnnnnn"),
    "case-board": ("oooool", "nnnnnl"),
    "case-assign": ("nnnnnl", "odddhl"),
    "case-close": ("nnnnnl", "ooddhl"),
    "case-detail": ("oooohl", "nnnnnl"),
    "case-new": ("ooddhl", "ooddhl"),
    "clause-add": ("nnnnnl", "odddhl"),
    "clause-edit": ("odddhl", "odddhl"),
    "clause-editor": ("odddhl", "nnnnnl"),
    "clause-remove": ("nnnnnl", "odddhl"),
    "clause-restore": ("nnnnnl", "odddhl"),
    "clause-row": ("odddhl", "nnnnnl"),
    "dashboard": ("odoohl", "nnnnnl"),
    "evidence-download": ("oooohl", "nnnnnl"),
    "healthz": ("oooooo", "nnnnnn"),
    # Officers and auditors export; the supervisory group its review's report (the job here).
    "export-detail": ("odoohl", "nnnnnl"),
    "export-download": ("odoohl", "nnnnnl"),
    "export-list": ("odoohl", "nnnnnl"),
    "export-retry": ("nnnnnl", "odoohl"),
    "export-start": ("nnnnnl", "oddohl"),
    "home": ("oooool", "nnnnnl"),
    "letter-changes": ("oooohl", "nnnnnl"),
    "letter-detail": ("oooohl", "nnnnnl"),
    "letter-discard": ("nnnnnl", "odddhl"),
    "letter-edit": ("odddhl", "odddhl"),
    "letter-first-period": ("nnnnnl", "odddhl"),
    "letter-intake": ("odddhl", "odddhl"),
    "letter-preview": ("oooohl", "nnnnnl"),
    "letter-start": ("nnnnnl", "odddhl"),
    "letter-version": ("oooohl", "nnnnnl"),
    "letter-versions": ("oooohl", "nnnnnl"),
    # The token of another kind (a calendar feed's) opens no invitation: 404 for everyone.
    "invitation": ("hhhhhh", "hhhhhh"),
    "invitation-revoke": ("nnnnnl", "odddhl"),
    "member-invite": ("nnnnnl", "odddhl"),
    "member-remove": ("nnnnnl", "odddhl"),
    "member-role": ("nnnnnl", "odddhl"),
    "member-name": ("nnnnnl", "odddhl"),
    "my-channels": ("oooool", "oooool"),
    "my-tasks": ("oooool", "nnnnnl"),
    "notifications": ("oooool", "nnnnnl"),
    "notifications-read": ("nnnnnl", "oooool"),
    "obligation-assign": ("nnnnnl", "odddhl"),
    "obligation-list": ("oooohl", "nnnnnl"),
    "obligation-spec-edit": ("odddhl", "odddhl"),
    "obligation-spec-new": ("odddhl", "odddhl"),
    "obligation-spec-remove": ("nnnnnl", "odddhl"),
    "occurrence-complete": ("ooddhl", "ooddhl"),
    "occurrence-detail": ("oooohl", "nnnnnl"),
    "occurrence-evidence-add": ("nnnnnl", "ooddhl"),
    "occurrence-list": ("odoohl", "nnnnnl"),
    "occurrence-reopen": ("nnnnnl", "odddhl"),
    "occurrence-waive": ("nnnnnl", "odddhl"),
    "platform-channels": ("odddhl", "odddhl"),
    "platform-members": ("odddhl", "nnnnnl"),
    "platform-new": ("dddddl", "dddddl"),
    "platform-overview": ("oooool", "nnnnnl"),
    "public-complaint": ("oooooo", "oooooo"),
    "public-status": ("oooooo", "oooooo"),
    "review-detail": ("odoohl", "nnnnnl"),
    "robot-edit": ("odddhl", "odddhl"),
    "robot-remove": ("nnnnnl", "odddhl"),
    "robot-test": ("nnnnnl", "odddhl"),
    "review-exceptions": ("odoohl", "nnnnnl"),
    "review-explain": ("nnnnnl", "odddhl"),
    "review-finding": ("nnnnnl", "ddodhl"),
    "retention": ("odoohl", "odddhl"),
    "review-list": ("odoohl", "nnnnnl"),
    "review-rectify": ("nnnnnl", "ododhl"),
    "review-refuse": ("nnnnnl", "ddodhl"),
    "review-sign": ("nnnnnl", "ddodhl"),
    "review-settings": ("nnnnnl", "odddhl"),
    # A platform's webhooks: its officer's alone.
    "webhook-list": ("odddhl", "odddhl"),
    "webhook-enable": ("nnnnnl", "odddhl"),
    "webhook-delete": ("nnnnnl", "odddhl"),
    "webhook-deliveries": ("odddhl", "nnnnnl"),
    "webhook-retry": ("nnnnnl", "odddhl"),
    # The second factor's pages (a force_login session counts as past the factor, no app enrolled).
    "second-factor": ("oooool", "nnnnnl"),
    "second-factor-codes": ("oooool", "oooool"),
    "second-factor-enrol": ("oooool", "oooool"),
    "second-factor-verify": ("oooool", "oooool"),
}


@pytest.mark.parametrize("name", sorted(url_names()))
def test_access(world, db, name):
    _people, args, clients = world
    if name == "healthz":  # /healthz answers 200 only with a worker seen lately (health.py): one was, just now
        now = timezone.now()
        worker_beat("matrix-worker", pid=1, started_at=now, now=now)
    seen = (observe(name, "GET", clients, args), observe(name, "POST", clients, args))
    assert name in EXPECTED, f"{name} has no row in EXPECTED: it answered {seen}"
    assert seen == EXPECTED[name]


def test_every_url_has_a_row():
    assert set(EXPECTED) == url_names()


# Django's own pages, with arguments that reach their views (a reset link that is no longer valid).
OWN_ARGS = {"password_reset_confirm": {"uidb64": "MQ", "token": "set-password"}}


def own_urls():
    """Every URL of Django's own pages and of the admin that needs no object: walked from the URLconf."""
    urls = {name: reverse(name, kwargs=OWN_ARGS.get(name)) for name in SKIP_NAMES}

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name and prefix:
                try:
                    urls[prefix + p.name] = reverse(prefix + p.name)
                except NoReverseMatch:  # needs an object (a change page): the admin's tests hold those
                    pass

    walk(get_resolver().url_patterns, "")
    return urls


def test_djangos_own_pages_and_the_admin_never_answer_500(world, db):
    people, _args, clients = world
    urls = own_urls()
    assert "admin:index" in urls and "password_reset_confirm" in urls
    for role in ("officer", "stranger", "anonymous"):  # the pages tell apart only signed in or not, and staff
        for name in sorted(SKIP_NAMES):
            for method in ("GET", "POST"):
                client = Client()  # a fresh one: signing out must not reach the module's signed-in clients
                if role != "anonymous":
                    client.force_login(people[role])
                response = client.get(urls[name]) if method == "GET" else client.post(urls[name], {})
                assert response.status_code < 500, (role, name, method, response.status_code)
    # The admin's pages: nobody of a platform is staff, so each sends them to a sign-in (the admin's own, or
    # the site's for a visitor not signed in). The admin tells people apart by is_staff only.
    for role in ("officer", "anonymous"):
        for name, url in sorted(urls.items()):
            if not name.startswith("admin:") or name in ("admin:login", "admin:logout"):
                continue
            response = clients[role].get(url)
            assert response.status_code == 302, (role, name, response.status_code)
            assert response["Location"].startswith(("/admin/login/", "/accounts/login/")), (role, name)
