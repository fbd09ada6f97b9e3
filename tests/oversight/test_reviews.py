"""The quarterly review: independent counts, exceptions explained before closing, quorum,
refusal, frozen figures, the seal, and the 四.1 task completed at closing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from obligations.errors import DomainError
from obligations.models import Case, Evidence, Occurrence, Review, Role
from obligations.oversight.review_snapshot import quarter_occurrences, review_snapshot
from obligations.oversight.reviews import (
    finding_add,
    rectification_open,
    review_explain,
    review_open,
    review_refuse,
    review_sign,
    reviews_open,
)
from obligations.oversight.seal import review_verify
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from obligations.work.occurrences import occurrence_reopen, occurrence_waive
from tests.cases.support import open_case
from tests.conftest import PDF_BYTES, make_user

AFTER_Q4 = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 January in Shanghai


@pytest.fixture
def group(platform):
    members = [make_user(name, platform, Role.SUPERVISOR) for name in ("sue", "sam")]
    for m in members:
        m.set_password("pw-" + m.username)
        m.save()
    return members


def pdf(name="record.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def quarter(signed_letter, staff, officer):
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


def test_the_review_opens_when_the_quarter_ends_tied_to_its_task(quarter):
    assert (quarter.label, quarter.state) == ("2026Q4", "open")
    assert quarter.task.obligation.key == "四.1" and quarter.task.period_start == quarter.period_start
    assert reviews_open(now=AFTER_Q4 + timedelta(hours=1)) == 0  # once per quarter


def test_figures_equal_independent_counts(quarter):
    snapshot = review_snapshot(quarter, now=AFTER_Q4)
    got = {r["key"]: {k: r[k] for k in ("due", "done", "done_late", "missed", "waived", "open")}
           for r in snapshot["obligations"]}
    assert got == independent_counts(quarter)
    complaints = next(c for c in snapshot["cases"] if c["kind"] == "complaint")
    assert (complaints["received"], complaints["responded_in_time"]) == (1, 1)
    assert len(snapshot["evidence"]) == Evidence.objects.filter(
        occurrence__in=quarter_occurrences(quarter)).count() == 4
    kinds = {e["kind"] for e in snapshot["exceptions"]}
    assert {"late", "waived", "missed", "breached"} <= kinds  # the complaint was never decided: breached


def test_review_queries_do_not_grow_with_tasks(quarter, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        review_snapshot(quarter, now=AFTER_Q4)


def explain_all(review, officer):
    for e in review_snapshot(review, now=AFTER_Q4)["exceptions"]:
        review_explain(review=review, occurrence=Occurrence.objects.get(pk=e["occurrence"]), text="已说明原因",
                       user=officer, now=AFTER_Q4)


def test_no_signature_while_an_exception_is_unexplained(quarter, group):
    with pytest.raises(DomainError, match="没有说明"):
        review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)


def test_closes_at_quorum_frozen_and_sealed(quarter, group, officer, staff):
    explain_all(quarter, officer)
    with pytest.raises(DomainError, match="密码不正确"):
        review_sign(review=quarter, user=group[0], password="wrong", now=AFTER_Q4)
    assert review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4).state == "open"
    closed = review_sign(review=quarter, user=group[1], password="pw-sam", now=AFTER_Q4)
    assert closed.state == "closed" and len(closed.seal) == 64
    assert closed.snapshot["seal"] == closed.seal and len(closed.snapshot["signatures"]) == 2
    task = Occurrence.objects.get(pk=closed.task_id)
    assert task.is_completed and task.evidence.count() == 1  # the report
    frozen = closed.snapshot["obligations"]
    # Reopening a task of that quarter later changes nothing frozen.
    done = Occurrence.objects.filter(obligation__key="三.2", state="done").first()
    occurrence_reopen(occurrence=done, user=officer, reason="复核", now=AFTER_Q4 + timedelta(days=1))
    closed.refresh_from_db()
    assert closed.snapshot["obligations"] == frozen
    intact, differences = review_verify(closed)
    assert intact and [d.change for d in differences] == ["changed"] and differences[0].what == "completion"
    with pytest.raises(DomainError, match="已签署关闭"):
        finding_add(review=closed, text="补充", severity="low", user=group[0], now=AFTER_Q4)


def test_quorum_set_per_platform(quarter, group, officer):
    quarter.platform.review_quorum = 1
    quarter.platform.save()
    explain_all(quarter, officer)
    assert review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4).state == "closed"


def test_a_refusal_voids_the_signatures_and_reopens_discussion(quarter, group, officer):
    explain_all(quarter, officer)
    review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)
    with pytest.raises(DomainError, match="理由"):
        review_refuse(review=quarter, user=group[1], reason=" ", now=AFTER_Q4)
    review_refuse(review=quarter, user=group[1], reason="整改措施不够具体", now=AFTER_Q4)
    review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)
    quarter.refresh_from_db()
    assert quarter.state == "open"  # sam still refuses
    assert review_sign(review=quarter, user=group[1], password="pw-sam", now=AFTER_Q4).state == "closed"


def test_roles(quarter, group, officer, staff):
    exception = review_snapshot(quarter, now=AFTER_Q4)["exceptions"][0]
    occ = Occurrence.objects.get(pk=exception["occurrence"])
    with pytest.raises(PermissionDenied):
        review_explain(review=quarter, occurrence=occ, text="x", user=group[0], now=AFTER_Q4)
    with pytest.raises(PermissionDenied):
        finding_add(review=quarter, text="x", severity="low", user=officer, now=AFTER_Q4)
    with pytest.raises(PermissionDenied):
        review_sign(review=quarter, user=staff, password="pw-bob", now=AFTER_Q4)


def test_a_rectification_is_a_task_and_carries_into_the_next_review(quarter, group, staff, officer):
    r = rectification_open(review=quarter, title="补齐巡检记录", owner=staff, due_date=date(2027, 1, 20),
                           user=group[0], now=AFTER_Q4)
    task = r.obligation.occurrences.get()
    assert task.due_at.astimezone(quarter.platform.tz).date() == date(2027, 1, 21)  # end of the due date
    assert r.obligation.assignees.get() == staff and r.obligation.evidence_required
    with pytest.raises(DomainError, match="晚于今天"):
        rectification_open(review=quarter, title="x", owner=staff, due_date=date(2027, 1, 1), user=officer,
                           now=AFTER_Q4)
    q1, _ = review_open(platform=quarter.platform, year=2027, quarter=1, now=AFTER_Q4)
    carried = review_snapshot(q1, now=AFTER_Q4)["rectifications"]
    assert [(c["title"], c["from_review"]) for c in carried] == [("补齐巡检记录", "2026Q4")]
    completion_with_evidence(occurrence=task, user=staff, note="已补齐", files=[pdf()], now=AFTER_Q4)
    assert review_snapshot(q1, now=AFTER_Q4)["rectifications"] == []


def test_findings_have_a_severity(quarter, group):
    finding_add(review=quarter, text="客服排班存在空档", severity="high", user=group[0], now=AFTER_Q4)
    with pytest.raises(DomainError, match="严重程度"):
        finding_add(review=quarter, text="x", severity="catastrophic", user=group[0], now=AFTER_Q4)
    assert review_snapshot(quarter, now=AFTER_Q4)["findings"][0]["severity"] == "high"


def test_complaint_case_is_counted_in_its_quarter(quarter):
    assert Case.objects.filter(platform=quarter.platform).count() == 1


def test_verify_review_names_a_changed_a_removed_and_an_added_file(quarter, group, officer, staff, capsys):
    from django.core.management import CommandError, call_command

    from obligations.models.evidence import evidence_storage
    from obligations.work.evidence import evidence_add

    explain_all(quarter, officer)
    quarter.platform.review_quorum = 1
    quarter.platform.save()
    closed = review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)
    call_command("verify_review", "alpha", "2026Q4")
    assert "nothing changed" in capsys.readouterr().out
    first, second = Evidence.objects.filter(pk__in=[e["id"] for e in closed.snapshot["evidence"]])[:2]
    storage = evidence_storage()
    with open(storage.path(first.file.name), "wb") as f:
        f.write(PDF_BYTES + b"%tampered\n")
    storage.delete(second.file.name)
    added = evidence_add(occurrence=Occurrence.objects.get(pk=closed.snapshot["evidence"][2]["occurrence"]),
                         user=staff, files=[pdf("extra.pdf")], now=AFTER_Q4)[0]
    with pytest.raises(CommandError, match="3 difference"):
        call_command("verify_review", "alpha", "2026Q4")
    out = capsys.readouterr().out
    assert f"evidence {first.pk} changed" in out and f"evidence {second.pk} removed" in out
    assert f"evidence {added.pk} added" in out
