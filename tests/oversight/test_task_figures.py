"""A period's tasks per obligation as the version in force named them, with what the
schedule still owes the period."""

from datetime import timedelta

from obligations.letters.drafting import obligation_spec_save
from obligations.letters.in_force import letter_in_force
from obligations.letters.services import letter_amend, letter_sign
from obligations.models import Occurrence
from obligations.oversight.task_figures import FIGURES, obligation_figures
from obligations.work.sweeps import obligations_materialize, unraised_slots
from tests.conftest import SIGNED_AT

AMENDED = SIGNED_AT + timedelta(days=10)


def test_a_renamed_obligation_has_a_row_per_wording_and_the_unraised_tasks_count(signed_letter, officer):
    platform = signed_letter.platform
    obligations_materialize(now=SIGNED_AT)
    draft = letter_amend(letter=signed_letter, user=officer, now=AMENDED)
    checks = draft.clauses.get(number="三.2")
    obligation_spec_save(clause=checks, spec={**checks.specs[0], "title": "安全巡检"}, index=0, user=officer,
                         now=AMENDED)
    letter_sign(letter=draft, user=officer, now=AMENDED)
    obligations_materialize(now=AMENDED)
    since, until = SIGNED_AT, SIGNED_AT + timedelta(days=60)
    in_force = letter_in_force(platform, since=since, until=until)
    tasks = Occurrence.objects.filter(platform=platform, due_at__gt=since, due_at__lte=until)
    pending = unraised_slots(platform, after=since, until=until)
    rows = obligation_figures(tasks, in_force=in_force, pending=pending)

    checks = [r for r in rows if r["key"] == "三.2"]
    assert [r["title"] for r in checks] == ["安全检查", "安全巡检"]  # before the amendment, after it
    assert checks[0]["due"] == tasks.filter(obligation__key="三.2", due_at__lte=AMENDED).count()
    assert sum(r["due"] for r in checks) == tasks.filter(obligation__key="三.2").count() + sum(
        1 for ob, _slot in pending if ob.key == "三.2")
    assert all(r["due"] == sum(r[name] for name in FIGURES) for r in rows)
    assert sum(r["pending"] for r in rows) == len(pending) > 0
    assert sum(r["due"] - r["pending"] for r in rows) == tasks.count()
    assert [r["key"] for r in rows].index("三.2") < [r["key"] for r in rows].index("四.4")  # clause order
