"""A quarter lived through, for the review tests: fixtures and helpers."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from obligations.models import Occurrence, Review, Role
from obligations.oversight.review_snapshot import exceptions
from obligations.oversight.reviews import review_explain_many
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from obligations.work.occurrences import occurrence_waive
from tests.cases.support import open_case
from tests.conftest import PDF_BYTES, make_officer, make_platform, make_staff, make_user, sign_demo_letter

AFTER_Q4 = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 January in Shanghai


def make_group(platform):
    members = [make_user(name, platform, Role.SUPERVISOR) for name in ("sue", "sam")]
    for m in members:
        m.set_password("pw-" + m.username)
        m.save()
    return members


@pytest.fixture
def group(platform):
    return make_group(platform)


def pdf(name="record.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def quarter(signed_letter, staff, officer):
    return live_quarter(signed_letter, staff, officer)


def quarter_world() -> SimpleNamespace:
    """What the fixtures platform, officer, staff, quarter and group make, in that order, for
    rows made once per class (tests/conftest.py rows_for_the_class)."""
    platform = make_platform()
    officer = make_officer(platform)
    letter = sign_demo_letter(platform, officer)
    staff = make_staff(platform)
    quarter = live_quarter(letter, staff, officer)
    return SimpleNamespace(platform=platform, officer=officer, staff=staff, quarter=quarter,
                           group=make_group(platform))


def live_quarter(signed_letter, staff, officer):
    """Q4 2026 lived through: some checks done, one late, one waived, the rest missed;
    a complaint answered in time."""
    run_sweeps(now=datetime(2026, 12, 31, 15, 0, tzinfo=UTC))
    checks = list(Occurrence.objects.filter(obligation__key="三.2").order_by("due_at")[:6])
    for occ in checks[:3]:
        completion_with_evidence(occurrence=occ, user=staff, note="ok", files=[pdf()], now=occ.due_at - timedelta(hours=1))
    completion_with_evidence(occurrence=checks[3], user=staff, note="迟了", files=[pdf()],
                             now=checks[3].due_at + timedelta(minutes=30))
    occurrence_waive(occurrence=checks[4], user=officer, reason="系统停机维护", now=checks[4].due_at)
    case = open_case(signed_letter.platform)
    respond = case.clocks.get(sequence=1)
    from obligations.work.occurrences import occurrence_complete
    occurrence_complete(occurrence=respond, user=staff, note="已回复", now=case.received_at + timedelta(hours=2))
    run_sweeps(now=AFTER_Q4)
    return Review.objects.get(platform=signed_letter.platform, year=2026, quarter=4)


def independent_counts(review):
    rows = {}
    for occ in Occurrence.objects.filter(platform=review.platform, case__isnull=True,
                                         due_at__gt=review.period_start, due_at__lte=review.period_end):
        if occ.pk == review.task_id:
            continue
        row = rows.setdefault(occ.obligation.key, {"due": 0, "done": 0, "done_late": 0, "missed": 0, "waived": 0,
                                                   "open": 0})
        row["due"] += 1
        row[occ.state] += 1
    return rows


def explain_all(review, officer):
    review_explain_many(review=review, occurrence_ids=[e["occurrence"] for e in exceptions(review)], text="已说明原因",
                        user=officer, now=AFTER_Q4)
