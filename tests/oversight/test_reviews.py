"""The quarterly review: exceptions explained before closing, quorum, refusal, frozen figures, the 四.1 task completed at closing, rectifications, findings."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from obligations.errors import DomainError
from obligations.models import Occurrence
from obligations.models.evidence import evidence_storage
from obligations.oversight.review_snapshot import review_snapshot
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
from obligations.work.evidence import completion_with_evidence
from obligations.work.occurrences import occurrence_reopen
from tests.oversight.conftest import AFTER_Q4, explain_all, pdf
from tests.oversight.export_support import flat, pdf_text


def test_the_review_opens_when_the_quarter_ends_tied_to_its_task(quarter):
    assert (quarter.label, quarter.state) == ("2026Q4", "open")
    assert quarter.task.obligation.key == "四.1" and quarter.task.period_start == quarter.period_start
    assert reviews_open(now=AFTER_Q4 + timedelta(hours=1)) == 0  # once per quarter


def test_no_signature_while_an_exception_is_unexplained(quarter, group):
    with pytest.raises(DomainError, match="没有说明"):
        review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)


@pytest.mark.closing_report
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
    with evidence_storage().open(task.evidence.get().file.name, "rb") as f:  # this review's own, made at closing
        report = flat(pdf_text(f.read()))
    assert closed.seal in report and flat(closed.snapshot["exceptions"][0]["explanation"]) in report
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
    on_time = Occurrence.objects.filter(obligation__key="三.2", state="done").first()
    with pytest.raises(DomainError, match="不是本季度的异常"):
        review_explain(review=quarter, occurrence=on_time, text="x", user=officer, now=AFTER_Q4)
    assert review_explain(review=quarter, occurrence=occ, text="已说明", user=officer, now=AFTER_Q4).text == "已说明"
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


def test_reviews_open_in_one_query_each_platform_in_its_own_zone(signed_letter):
    """The sweep finds the platforms lacking last quarter's review in one query, whatever
    the number of platforms: each gets the quarter that has ended in its own zone, and a
    letter signed after that quarter ended gets none."""
    from datetime import UTC, datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from obligations.demo import demo_values
    from obligations.letters.services import letter_create, letter_sign
    from obligations.models import Platform, Review, Role
    from tests.conftest import make_user

    def signed(slug, zone, at):
        p = Platform.objects.create(slug=slug, name=slug, timezone=zone)
        officer = make_user(f"officer-{slug}", p, Role.OFFICER)
        letter_sign(letter=letter_create(platform=p, values=demo_values(at.date()), user=officer, now=at),
                    user=officer, now=at)
        return p

    alpha = signed_letter.platform
    la = signed("la", "America/Los_Angeles", datetime(2026, 9, 15, 20, tzinfo=UTC))
    late = signed("late", "Asia/Shanghai", datetime(2027, 1, 1, 1, tzinfo=UTC))  # 09:00 on 1 Jan in Shanghai

    def labels():
        return sorted(Review.objects.values_list("platform__slug", "year", "quarter"))

    # 11:00 on 1 January in Shanghai, still 31 December in Los Angeles.
    assert reviews_open(now=datetime(2027, 1, 1, 3, tzinfo=UTC)) == 2
    assert labels() == [(alpha.slug, 2026, 4), (la.slug, 2026, 3)]
    with CaptureQueriesContext(connection) as ctx:
        assert reviews_open(now=datetime(2027, 1, 1, 4, tzinfo=UTC)) == 0
    assert len(ctx.captured_queries) == 1
    # 01:00 on 1 January in Los Angeles: its fourth quarter has ended too.
    assert reviews_open(now=datetime(2027, 1, 1, 9, tzinfo=UTC)) == 1
    assert labels() == [(alpha.slug, 2026, 4), (la.slug, 2026, 3), (la.slug, 2026, 4)]
    with CaptureQueriesContext(connection) as ctx:
        assert reviews_open(now=datetime(2027, 1, 20, tzinfo=UTC)) == 0
    assert len(ctx.captured_queries) == 1 and not Review.objects.filter(platform=late).exists()
