"""What an amendment changes against the signed version, clause by clause."""

from obligations.letters.diff import letter_diff
from obligations.letters.drafting import clause_add, clause_remove, clause_update, obligation_spec_save
from obligations.letters.services import letter_amend, letter_fill
from tests.conftest import SIGNED_AT

OWN_CHECK = {"key": "", "title": "数据备份", "kind": "calendar", "period": "weekly", "count": 1,
             "responsible_role": "staff", "evidence_description": "备份记录"}


def amend(signed_letter, officer):
    draft = letter_amend(letter=signed_letter, user=officer, now=SIGNED_AT)
    letter_fill(letter=draft, values={"checks_per_day": 2}, user=officer, now=SIGNED_AT)
    clause_update(clause=draft.clauses.get(number="三.4"), user=officer, now=SIGNED_AT,
                  text="平台设立{service_staff}名专职客服人员,7×24小时响应用户咨询。")
    own = clause_add(letter=draft, section="三", text="平台每周备份一次服务数据。", title="数据备份",
                     user=officer, now=SIGNED_AT)
    obligation_spec_save(clause=own, spec=OWN_CHECK, user=officer, now=SIGNED_AT)
    clause_remove(clause=draft.clauses.get(number="三.5"), reason="培训并入集团统一安排", user=officer, now=SIGNED_AT)
    draft.refresh_from_db()
    return draft


def test_an_amendment_lists_the_changed_clauses_and_obligations(signed_letter, officer):
    draft = amend(signed_letter, officer)
    changes = {c.number: c for c in letter_diff(signed_letter, draft) if c.changed}
    assert set(changes) == {"三.2", "三.4", "三.9", "三.5"}

    checks = changes["三.2"]
    assert checks.status == "changed" and "每日开展3次" in checks.before and "每日开展2次" in checks.after
    [ob] = checks.obligations
    assert (ob.key, ob.status, ob.fields) == ("三.2", "changed", {"count": (3, 2)})

    staff = changes["三.4"]
    assert staff.status == "changed" and "平均响应时长" in staff.before and "平均响应时长" not in staff.after
    assert staff.obligations == []  # the text changed, the obligation did not

    own = changes["三.9"]
    assert (own.status, own.before) == ("added", "") and "备份" in own.after
    assert [(o.key, o.status, o.title) for o in own.obligations] == [("三.9-1", "added", "数据备份")]

    training = changes["三.5"]
    assert (training.status, training.after) == ("removed", "") and "员工培训" in training.before
    assert [(o.key, o.status) for o in training.obligations] == [("三.5", "removed")]


def test_an_unchanged_amendment_changes_nothing(signed_letter, officer):
    draft = letter_amend(letter=signed_letter, user=officer, now=SIGNED_AT)
    changes = letter_diff(signed_letter, draft)
    assert len(changes) == signed_letter.clauses.count() and not any(c.changed for c in changes)


def test_a_new_clause_title_is_a_change(signed_letter, officer):
    draft = letter_amend(letter=signed_letter, user=officer, now=SIGNED_AT)
    clause = draft.clauses.get(number="四.4")
    clause_update(clause=clause, text=clause.source, title="定期报送", user=officer, now=SIGNED_AT)
    [change] = [c for c in letter_diff(signed_letter, draft) if c.changed]
    assert change.number == "四.4" and "定期报送" in change.after and "定期报送" not in change.before
