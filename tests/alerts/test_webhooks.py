"""Each event a platform's webhooks may hear of is recorded once per endpoint: a case opened, a
review sealed and a file found changed in the transaction of the change; tasks missed and case
clocks breached by the sweep that finds them (run twice, it writes nothing more). Payloads carry
ids, UTC and local times with the zone named, and a link; signatures verify."""

import json
import time
from datetime import timedelta

import pytest

from obligations.alerts.evidence_notices import evidence_mismatch_notices
from obligations.alerts.webhooks import E, body_of, signature_header, verify, webhooks_plan
from obligations.cases.services import case_open
from obligations.models import Evidence, Occurrence, Platform, Review, WebhookDelivery, WebhookEndpoint, WebhookEvent
from obligations.oversight.reviews import review_open, review_sign
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from obligations.work.sweeps import occurrences_close_out
from tests.conftest import PDF_BYTES, SIGNED_AT, make_user
from tests.work.test_evidence import pdf

LATER = SIGNED_AT + timedelta(days=3)


def endpoint(platform, user, events=tuple(WebhookEvent.values), **fields):
    # Nothing is sent in these tests: the sweeps' sends find no address to reach (port 9, refused).
    return WebhookEndpoint.objects.create(platform=platform, url="http://127.0.0.1:9/hook", events=list(events),
                                          created_by=user, created_at=SIGNED_AT - timedelta(hours=1), **fields)


@pytest.fixture
def hooked(team, platform, settings):
    settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE = True
    return endpoint(platform, team["officer"])


def rows(event):
    return list(WebhookDelivery.objects.filter(event=event).order_by("subject_id"))


def test_missed_tasks_and_breached_clocks_are_recorded_once_by_the_sweep(hooked, team, platform):
    run_sweeps(now=SIGNED_AT)
    case, _ = case_open(platform=platform, kind="complaint", description="无法登录", received_at=SIGNED_AT,
                        now=SIGNED_AT, user=team["officer"])
    run_sweeps(now=LATER)  # the close-out marks tasks and the case's 24-hour clock missed; the sweep records them
    missed = Occurrence.objects.filter(platform=platform, missed_at__isnull=False)
    tasks = sorted(missed.filter(case__isnull=True).values_list("pk", flat=True))
    clocks = sorted(missed.filter(case=case).values_list("pk", flat=True))
    assert tasks and clocks
    assert [r.subject_id for r in rows(E.TASK_MISSED)] == tasks
    assert [r.subject_id for r in rows(E.CLOCK_BREACHED)] == clocks
    before = WebhookDelivery.objects.count()
    assert webhooks_plan(now=LATER) == 0 and webhooks_plan(now=LATER + timedelta(minutes=1)) == 0
    run_sweeps(now=LATER + timedelta(minutes=2))
    assert WebhookDelivery.objects.count() == before  # no duplicate, however often it runs

    breach = rows(E.CLOCK_BREACHED)[0].payload
    assert breach["event"] == "clock.breached" and breach["data"]["case"]["number"] == case.number
    assert breach["data"]["step"] == "respond" and breach["link"].endswith(f"/cases/{case.pk}/")
    task = next(r.payload for r in rows(E.TASK_MISSED))
    occ = Occurrence.objects.get(pk=task["data"]["task"]["id"])
    assert task["data"]["task"]["due_at"] == {"utc": occ.due_at.isoformat().replace("+00:00", "Z"),
                                              "local": occ.due_at.astimezone(platform.tz).isoformat(),
                                              "zone": "Asia/Shanghai"}
    assert task["platform"]["slug"] == "alpha" and task["link"].endswith(f"/occurrences/{occ.pk}/")
    assert "description" not in json.dumps(breach) and "无法登录" not in json.dumps(breach)  # no complainant's words


def test_a_case_opened_is_recorded_in_its_transaction_once(hooked, team, platform):
    case, _ = case_open(platform=platform, kind="complaint", description="无法登录", received_at=SIGNED_AT,
                        now=SIGNED_AT, user=team["officer"], submission_key="k1")
    again, created = case_open(platform=platform, kind="complaint", description="无法登录", received_at=SIGNED_AT,
                               now=SIGNED_AT, user=team["officer"], submission_key="k1")
    assert again == case and not created
    [row] = rows(E.CASE_OPENED)
    assert row.subject_id == case.pk and row.status == "pending" and row.next_attempt_at == SIGNED_AT
    data = row.payload["data"]
    assert data["case"]["number"] == case.number and [c["step"] for c in data["clocks"]] == ["respond", "decide"]
    assert data["case"]["received_at"]["local"] == "2026-11-02T09:00:00+08:00"


def test_a_review_sealed_is_recorded_once(hooked, team, platform):
    review, _ = review_open(platform=platform, year=2026, quarter=3, now=LATER)
    closed = review_sign(review=review, user=team["supervisor"], password="pw-sue", now=LATER)
    assert closed.state == Review.State.CLOSED
    [row] = rows(E.REVIEW_SEALED)
    assert row.subject_id == review.pk and row.payload["data"]["review"]["seal"] == closed.seal
    assert row.payload["data"]["review"]["label"] == "2026Q3"


def test_evidence_found_changed_is_recorded_once_per_file(hooked, team, platform, staff):
    run_sweeps(now=SIGNED_AT)
    occ = Occurrence.objects.filter(obligation__key="三.2", opens_at__lte=SIGNED_AT).order_by("due_at").first()
    completion_with_evidence(occurrence=occ, user=staff, note="", now=SIGNED_AT, files=[pdf("check.pdf", PDF_BYTES)])
    evidence = Evidence.objects.get()
    for _ in range(2):
        evidence_mismatch_notices(evidence, found="ab" * 32, by=staff, now=LATER)
    [row] = rows(E.EVIDENCE_MISMATCH)
    assert row.payload["data"]["evidence"] == {
        "id": evidence.pk, "task": occ.pk, "name": "check.pdf", "sha256": evidence.sha256, "found_sha256": "ab" * 32,
        "missing": False, "uploaded_at": row.payload["data"]["evidence"]["uploaded_at"]}


def test_only_enabled_endpoints_that_chose_the_event_hear_of_it(team, platform, settings):
    officer = team["officer"]
    cases_only = endpoint(platform, officer, events=[E.CASE_OPENED])
    endpoint(platform, officer, events=[E.CASE_OPENED], enabled=False)
    endpoint(platform, officer, events=[E.TASK_MISSED])
    other = Platform.objects.create(slug="beta", name="Beta")
    endpoint(other, make_user("otto", other, "officer"))
    case_open(platform=platform, kind="complaint", description="x", received_at=SIGNED_AT, now=SIGNED_AT, user=officer)
    assert [r.endpoint for r in WebhookDelivery.objects.all()] == [cases_only]


def test_an_endpoint_hears_of_no_task_missed_before_it_was_made(team, platform):
    run_sweeps(now=SIGNED_AT)
    occurrences_close_out(now=LATER)
    late = endpoint(platform, team["officer"], events=[E.TASK_MISSED])
    late.created_at = LATER + timedelta(seconds=1)
    late.save()
    assert webhooks_plan(now=LATER + timedelta(minutes=1)) == 0


def test_a_signature_verifies_only_for_its_body_secret_and_a_recent_time(hooked):
    row = WebhookDelivery(pk=7, payload={"event": "case.opened"})
    body, now = body_of(row), int(time.time())
    assert json.loads(body) == {"id": 7, "event": "case.opened"}
    header = signature_header(hooked.secret, now, body)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert verify(hooked.secret, header, body, now=now + 10)
    assert not verify(hooked.secret, header, body + b" ", now=now)  # another body
    assert not verify("whsec_other", header, body, now=now)  # another secret
    assert not verify(hooked.secret, header, body, now=now + 301)  # replayed later
    assert not verify(hooked.secret, "", body, now=now)


def test_the_docs_example_verifies_what_pledge_signs(hooked):
    """docs/webhooks.md's receiver code, run as it stands, against a body and header Pledge makes."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(code, scope)  # noqa: S102 - the repository's own documentation
    body, now = body_of(WebhookDelivery(pk=3, payload={"event": "review.sealed"})), int(time.time())
    header = signature_header(hooked.secret, now, body)
    assert scope["verified"](hooked.secret, header, body)
    assert not scope["verified"](hooked.secret, header, body.replace(b"3", b"4"))
    assert not scope["verified"](hooked.secret, signature_header(hooked.secret, now - 600, body), body)
