"""One world for a module of tests that each only look at it, or change it and are undone:
a platform with its signed letter, an amended draft, tasks, evidence, a case, a review, a feed, an
export, each role's user and an officer of another platform; a client signed in per role. Made
once per module inside a transaction rolled back at the module's end; each test runs in a
savepoint of it (pytest-django's `db`), so what one test writes the next does not see.

    world = module_world_fixture()
    _evidence_root = evidence_root_of_the_module()

    def test_x(world, db): people, args, clients = world
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone, translation

from obligations.cases.services import case_open
from obligations.demo import demo_values
from obligations.letters.services import letter_amend, letter_create, letter_sign
from obligations.models import (
    CalendarFeed,
    Delivery,
    ExportJob,
    Letter,
    Membership,
    Notification,
    Obligation,
    Occurrence,
    Platform,
    Robot,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
)
from obligations.oversight.export_jobs import export_run
from obligations.oversight.reviews import review_open
from obligations.tasks import run_sweeps
from obligations.trust.api_tokens import token_create
from obligations.trust.invitations import invitation_create
from obligations.work.evidence import completion_with_evidence
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user

ROLES = ("officer", "staff", "supervisor", "auditor", "stranger", "anonymous")


@contextmanager
def module_world(tmp):
    """The objects every row of the table reaches, made once for the module inside a transaction
    that is rolled back at its end; each test runs in a savepoint of it (pytest-django's `db`),
    so an allowed POST (discard a draft, remove a member) is undone before the next test."""
    storages = {**settings.STORAGES,
                "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                             "OPTIONS": {"location": str(tmp / "evidence")}},
                "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                            "OPTIONS": {"location": str(tmp / "exports")}}}
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], STORAGES=storages,
                           PLEDGE_AUDIT_ANCHOR=tmp / "audit-anchor.json", EVIDENCE_ROOT=tmp / "evidence"), \
            transaction.atomic():
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)


def _build_world():
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台", public_intake=True)
    officer, staff = make_user("alice", platform, Role.OFFICER), make_user("bob", platform, Role.STAFF)
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    signed_letter = letter_sign(letter=letter, user=officer, now=SIGNED_AT, first_period=Letter.FirstPeriod.CURRENT)
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
    webhook = WebhookEndpoint.objects.create(platform=platform, url="https://hooks.example.cn/pledge", events=["case.opened"],
                                             description="运维系统", created_by=officer, created_at=now)
    delivery = WebhookDelivery.objects.create(endpoint=webhook, platform=platform, event="case.opened", subject_id=case.pk,
                                              payload={}, status="failed", attempts=8, last_status_code=500,
                                              last_error="HTTP 500", created_at=now, next_attempt_at=now)
    args = {
        "slug": platform.slug, "webhook": webhook.pk, "delivery": delivery.pk, "occurrence": occ.pk, "evidence": done.evidence.get().pk, "case": case.pk,
        "letter": draft.pk, "clause": draft.clauses.get(number="三.2").pk, "review": review.pk,
        "obligation": Obligation.objects.get(platform=platform, key="三.2").pk,
        "member": Membership.objects.get(user=staff, platform=platform).pk, "token": feed.token, "index": 0,
        "invitation": invitation_create(platform=platform, email="i@example.com", role=Role.STAFF, actor=officer,
                                        now=now)[0].pk,
        "export": export.pk,
        "api_token": token_create(platform=platform, user=officer, name="监控系统", scopes=["read"],
                                  expires_at=now + timedelta(days=30), now=now)[0].pk,
        "robot": Robot.objects.create(platform=platform, kind="dingtalk", name="值班群", token="b0d9a6e1c2f34a5b",
                                      secret="SEC0123456789", topics=["reminders"], created_at=now).pk,
    }
    # A group's message that failed, as the channels page lists it.
    told = Notification.objects.create(recipient=staff, kind="opened", occurrence=occ, subject="任务已开始", body="",
                                       created_at=now, sent_at=now)
    Delivery.objects.create(notification=told,
                            channel="robot", robot_id=args["robot"], reason="opened:1", platform=platform,
                            started_at=now, failed_at=now, error="HTTP 500")
    return people, args, signed_in(people)


def module_world_fixture():
    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        with django_db_blocker.unblock(), module_world(tmp_path_factory.mktemp("world")) as built:
            yield built

    return world


def evidence_root_of_the_module():
    @pytest.fixture(autouse=True)
    def _evidence_root(settings):
        """Replaces conftest's per-test folder: the module's world keeps its evidence and anchor in its own."""
        translation.activate(settings.LANGUAGE_CODE)

    return _evidence_root



def signed_in(people):
    """A client per role, signed in once for the module (its sessions belong to the module's world)."""
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anonymous":
            clients[role].force_login(people[role])
    return clients
