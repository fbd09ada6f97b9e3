"""A quarter's review figures equal independent counts, in a constant number of queries."""




from obligations.models import Case, Evidence
from obligations.oversight.review_snapshot import quarter_occurrences, review_snapshot
from tests.oversight.conftest import AFTER_Q4, independent_counts


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


def test_complaint_case_is_counted_in_its_quarter(quarter):
    assert Case.objects.filter(platform=quarter.platform).count() == 1
