"""The seal of a closed review and verify_review."""


import pytest

from obligations.models import Evidence, Occurrence
from obligations.oversight.reviews import (
    review_sign,
)
from tests.conftest import PDF_BYTES
from tests.oversight.conftest import AFTER_Q4, explain_all, pdf


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

