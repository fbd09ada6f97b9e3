"""Every URL × method × role has an expected outcome, generated from the URLconf: a new
URL without a row here fails. Roles: the platform's officer, staff, supervisor and
auditor, an officer of another platform (the stranger) and an anonymous visitor.

Outcomes: o = allowed (any answer below 500 that is not a refusal: the page, a redirect
after an action, a form error), d = 403, h = 404 (not a member: existence not revealed),
l = sent to sign in, n = 405 (method not allowed), p = public (allowed without sign-in).
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from obligations.cases.services import case_open
from obligations.letters.services import letter_amend
from obligations.models import CalendarFeed, ExportJob, Membership, Obligation, Occurrence, Platform, Role
from obligations.oversight.export_jobs import export_run
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from obligations.trust.invitations import invitation_create
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, make_user
from tests.oversight.export_support import exports_root  # noqa: F401 (a fixture)

ROLES = ("officer", "staff", "supervisor", "auditor", "stranger", "anonymous")
SKIP_NAMESPACES = {"admin"}
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


@pytest.fixture
def world(signed_letter, officer, staff, exports_root):  # noqa: F811
    platform = signed_letter.platform
    platform.public_intake = True
    platform.save()
    now = timezone.now()
    people = {"officer": officer, "staff": staff, "supervisor": make_user("sue", platform, Role.SUPERVISOR),
              "auditor": make_user("ann", platform, Role.AUDITOR)}
    beta = Platform.objects.create(slug="beta", name="Beta")
    people["stranger"] = make_user("erin", beta, Role.OFFICER)
    run_sweeps(now=now)
    occ = (Occurrence.objects.filter(platform=platform, obligation__key="三.2", opens_at__lte=now, state="missed")
           .order_by("-due_at").first())
    done = (Occurrence.objects.filter(platform=platform, obligation__key="三.2", opens_at__lte=now, state="missed")
            .exclude(pk=occ.pk).first())
    completion_with_evidence(occurrence=done, user=staff, note="ok", now=now,
                             files=[SimpleUploadedFile("r.pdf", PDF_BYTES, content_type="application/pdf")])
    case, _ = case_open(platform=platform, kind="complaint", description="无法登录", received_at=now - timedelta(hours=1),
                        now=now, assignee=staff)
    draft = letter_amend(letter=signed_letter, user=officer, now=now)
    review, _ = review_open(platform=platform, year=2026, quarter=3, now=now)
    feed = CalendarFeed.objects.create(user=officer)
    export = ExportJob.objects.create(platform=platform, kind=ExportJob.Kind.REVIEW_PDF, params={"review": review.pk},
                                      requested_by=officer, requested_at=now)
    assert export_run(export.pk).state == ExportJob.State.DONE
    args = {
        "slug": platform.slug, "occurrence": occ.pk, "evidence": done.evidence.get().pk, "case": case.pk,
        "letter": draft.pk, "clause": draft.clauses.get(number="三.2").pk, "review": review.pk,
        "obligation": Obligation.objects.get(platform=platform, key="三.2").pk,
        "member": Membership.objects.get(user=staff, platform=platform).pk, "token": feed.token, "index": 0,
        "invitation": invitation_create(platform=platform, email="i@example.com", role=Role.STAFF, actor=officer,
                                        now=now)[0].pk,
        "export": export.pk,
    }
    return people, args


# name -> which objects fill its URL arguments (slug, pk, …)
PK = {
    "occurrence-detail": "occurrence", "occurrence-complete": "occurrence", "occurrence-evidence-add": "occurrence",
    "occurrence-reopen": "occurrence", "occurrence-waive": "occurrence", "evidence-download": "evidence",
    "obligation-assign": "obligation", "letter-edit": "letter", "case-detail": "case", "case-close": "case",
    "member-role": "member", "member-name": "member", "member-remove": "member", "review-detail": "review", "review-explain": "review",
    "review-rectify": "review", "review-finding": "review", "review-sign": "review", "review-refuse": "review",
    "letter-version": "letter", "clause-editor": "letter", "clause-add": "letter", "letter-preview": "letter",
    "letter-first-period": "letter", "letter-changes": "letter", "letter-discard": "letter", "clause-row": "clause", "clause-edit": "clause",
    "clause-remove": "clause", "clause-restore": "clause", "obligation-spec-new": "clause",
    "obligation-spec-edit": "clause", "obligation-spec-remove": "clause",
    "export-detail": "export", "export-retry": "export", "export-download": "export",
    "invitation-revoke": "invitation",
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


def observe(name, method, people, args):
    url = url_for(name, args)
    seen = {}
    # Refused roles first: an allowed POST (discard a draft, remove a member) changes what
    # the next request finds.
    for role in reversed(ROLES):
        client = Client()
        if role != "anonymous":
            client.force_login(people[role])
        response = client.get(url) if method == "GET" else client.post(url, {})
        seen[role] = outcome(response)
    return "".join(seen[role] for role in ROLES)


# GET, POST outcomes per role: officer, staff, supervisor, auditor, stranger, anonymous.
EXPECTED = {
    "audit-log": ("oddohl", "nnnnnl"),
    "calendar-days": ("dddddl", "dddddl"),
    "calendar-feed": ("oooool", "oooool"),
    "calendar-feed-ics": ("oooooo", "nnnnnn"),
    "case-board": ("oooool", "nnnnnl"),
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
    "platform-members": ("odddhl", "nnnnnl"),
    "platform-new": ("dddddl", "dddddl"),
    "platform-overview": ("oooool", "nnnnnl"),
    "public-complaint": ("oooooo", "oooooo"),
    "public-status": ("oooooo", "oooooo"),
    "review-detail": ("odoohl", "nnnnnl"),
    "review-explain": ("nnnnnl", "odddhl"),
    "review-finding": ("nnnnnl", "ddodhl"),
    "retention": ("odoohl", "odddhl"),
    "review-list": ("odoohl", "nnnnnl"),
    "review-rectify": ("nnnnnl", "ododhl"),
    "review-refuse": ("nnnnnl", "ddodhl"),
    "review-sign": ("nnnnnl", "ddodhl"),
    # The second factor's pages (a force_login session counts as past the factor, no app enrolled).
    "second-factor": ("oooool", "nnnnnl"),
    "second-factor-codes": ("oooool", "oooool"),
    "second-factor-enrol": ("oooool", "oooool"),
    "second-factor-verify": ("oooool", "oooool"),
}


@pytest.mark.parametrize("name", sorted(url_names()))
def test_access(world, name):
    people, args = world
    seen = (observe(name, "GET", people, args), observe(name, "POST", people, args))
    assert name in EXPECTED, f"{name} has no row in EXPECTED: it answered {seen}"
    assert seen == EXPECTED[name]


def test_every_url_has_a_row():
    assert set(EXPECTED) == url_names()
