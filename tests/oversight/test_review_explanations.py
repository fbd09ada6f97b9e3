"""Explaining many exceptions at once: one explanation, a row and an audit record per
exception, all of them or none; the rules of a single explanation kept (who, a sealed review)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from obligations.errors import DomainError
from obligations.models import AuditEvent, Occurrence, Review, ReviewExplanation
from obligations.oversight.audit_reading import sentence
from obligations.oversight.review_snapshot import exceptions
from obligations.oversight.reviews import review_explain, review_explain_many
from tests.oversight.conftest import AFTER_Q4


def missed_checks(review):
    return [e["occurrence"] for e in exceptions(review) if e["kind"] == "missed"]


def test_one_explanation_for_many_writes_a_row_each_and_one_audit_record_naming_them(quarter, officer):
    ids = missed_checks(quarter)[:12]
    before = AuditEvent.objects.count()
    saved = review_explain_many(review=quarter, occurrence_ids=ids + ids[:3], text="  值班调整,漏检  ", user=officer,
                                now=AFTER_Q4)
    assert sorted(e.occurrence_id for e in saved) == sorted(ids)  # each once, though ticked twice
    [record] = AuditEvent.objects.order_by("id")[before:]
    assert record.action == "review.explain_many" and record.data["occurrences"] == sorted(ids)
    assert (record.actor_id, record.object_id) == (officer.pk, str(quarter.pk))
    with translation.override("zh-hans"):
        assert sentence(record, "alice") == "alice 以同一说明说明了 12 项异常"
    explained = {e["occurrence"]: e for e in exceptions(quarter)}
    assert all(explained[pk]["explanation"] == "值班调整,漏检" and explained[pk]["explained_by"] == "alice"
               for pk in ids)
    assert sum(1 for e in explained.values() if not e["explanation"]) == len(explained) - len(ids)


def test_a_second_explanation_of_the_same_exceptions_is_the_one_shown(quarter, officer):
    ids = missed_checks(quarter)[:2]
    review_explain_many(review=quarter, occurrence_ids=ids, text="初稿", user=officer, now=AFTER_Q4)
    review_explain_many(review=quarter, occurrence_ids=ids, text="更正后的说明", user=officer,
                        now=AFTER_Q4 + timedelta(minutes=1))
    shown = {e["occurrence"]: e["explanation"] for e in exceptions(quarter)}
    assert [shown[pk] for pk in ids] == ["更正后的说明"] * 2
    assert ReviewExplanation.objects.filter(review=quarter).count() == 4  # nothing overwritten


def test_all_or_none_when_one_ticked_task_is_not_an_exception_of_the_quarter(quarter, officer):
    ids = missed_checks(quarter)[:5]
    on_time = Occurrence.objects.filter(platform=quarter.platform, state="done").first()
    with pytest.raises(DomainError, match="有 1 项不是本季度的异常"):
        review_explain_many(review=quarter, occurrence_ids=[*ids, on_time.pk], text="说明", user=officer, now=AFTER_Q4)
    assert not ReviewExplanation.objects.exists()
    assert not AuditEvent.objects.filter(action="review.explain").exists()


@pytest.mark.parametrize("ids,text,message", [([], "说明", "请勾选"), (None, "  ", "请填写说明")])
def test_nothing_ticked_or_no_text_is_refused(quarter, officer, ids, text, message):
    with pytest.raises(DomainError, match=message):
        review_explain_many(review=quarter, occurrence_ids=missed_checks(quarter)[:3] if ids is None else ids,
                            text=text, user=officer, now=AFTER_Q4)
    assert not ReviewExplanation.objects.exists()


def test_only_the_officer_explains(quarter, group, staff):
    ids = missed_checks(quarter)[:3]
    for user in (group[0], staff):
        with pytest.raises(PermissionDenied):
            review_explain_many(review=quarter, occurrence_ids=ids, text="说明", user=user, now=AFTER_Q4)
    assert not ReviewExplanation.objects.exists()


def test_a_sealed_review_refuses(quarter, officer):
    ids = missed_checks(quarter)[:3]
    # Closed as closing does it: state, snapshot, seal and time in one change (the database refuses less).
    Review.objects.filter(pk=quarter.pk).update(state=Review.State.CLOSED, snapshot={"exceptions": []}, seal="0" * 64,
                                                closed_at=AFTER_Q4)
    with pytest.raises(DomainError, match="已签署关闭"):
        review_explain_many(review=quarter, occurrence_ids=ids, text="说明", user=officer, now=AFTER_Q4)
    with pytest.raises(DomainError, match="已签署关闭"):
        review_explain(review=quarter, occurrence=Occurrence.objects.get(pk=ids[0]), text="说明", user=officer,
                       now=AFTER_Q4)
    assert not ReviewExplanation.objects.exists()
