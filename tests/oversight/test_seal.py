"""The seal of a closed review and verify_review."""


import io
import json
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from openpyxl import load_workbook

from obligations.models import AuditEvent, Evidence, Occurrence, Review
from obligations.oversight.report_documents import review_pdf, review_xlsx
from obligations.oversight.reviews import (
    review_sign,
)
from obligations.oversight.seal import KEYED, LEGACY, seal_algorithm, seal_differences, seal_of
from obligations.trust.audit import audit_record
from tests.conftest import PDF_BYTES, evidence_settings, rows_for_the_class
from tests.oversight.conftest import AFTER_Q4, explain_all, pdf, quarter_world
from tests.oversight.export_support import flat, pdf_text
from tests.oversight.review_sample import closed_review, sample_snapshot
from tests.trust.owner_sql import owner_execute


def test_verify_review_names_a_changed_a_removed_and_an_added_file(quarter, group, officer, staff, capsys):
    from django.core.management import CommandError, call_command

    from obligations.models.evidence import evidence_storage
    from obligations.work.evidence import evidence_add

    explain_all(quarter, officer)
    quarter.platform.review_quorum = 1
    quarter.platform.save()
    closed = review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)
    call_command("verify_review", "alpha", "2026Q4", "--language", "en")
    assert "nothing changed" in capsys.readouterr().out
    first, second = Evidence.objects.filter(pk__in=[e["id"] for e in closed.snapshot["evidence"]])[:2]
    storage = evidence_storage()
    with open(storage.path(first.file.name), "wb") as f:
        f.write(PDF_BYTES + b"%tampered\n")
    storage.delete(second.file.name)
    added = evidence_add(occurrence=Occurrence.objects.get(pk=closed.snapshot["evidence"][2]["occurrence"]),
                         user=staff, files=[pdf("extra.pdf")], now=AFTER_Q4)[0]
    with pytest.raises(CommandError, match="3 difference"):
        call_command("verify_review", "alpha", "2026Q4", "--language", "en")
    out = capsys.readouterr().out
    assert f"evidence {first.pk} changed" in out and f"evidence {second.pk} removed" in out
    assert f"evidence {added.pk} added" in out



def seal_quarter(quarter, group, officer):
    explain_all(quarter, officer)
    quarter.platform.review_quorum = 1
    quarter.platform.save()
    return review_sign(review=quarter, user=group[0], password="pw-sue", now=AFTER_Q4)


@pytest.fixture
def sealed(quarter, group, officer):
    return seal_quarter(quarter, group, officer)


def close_record(review):
    return AuditEvent.objects.get(action="review.close", object_id=str(review.pk))


@pytest.fixture(scope="class")
def once(django_db_setup, django_db_blocker, tmp_path_factory):
    """One sealed review for the tests of a class that only read it (its report rendered on first use)."""
    folder = tmp_path_factory.mktemp("evidence")
    with rows_for_the_class(django_db_blocker, folder):
        world = quarter_world()
        review = seal_quarter(world.quarter, world.group, world.officer)
        yield SimpleNamespace(folder=folder, review=review.pk, officer=world.officer.pk, report=[])


class TestOneSealedReview:
    """These tests only read the sealed review: it is sealed once for the class, and its
    report (a PDF of the quarter's 190 exceptions) rendered once."""

    @pytest.fixture
    def sealed(self, once, db, _evidence_root, settings):
        for name, value in evidence_settings(settings, once.folder).items():
            setattr(settings, name, value)
        return Review.objects.get(pk=once.review)

    @pytest.fixture
    def officer(self, once, db):
        return get_user_model().objects.get(pk=once.officer)

    @pytest.fixture
    def report_text(self, once, sealed):
        if not once.report:
            once.report.append(flat(pdf_text(review_pdf(sealed.snapshot))))
        return once.report[0]

    def test_the_seal_is_keyed_and_the_sealed_review_witnesses_the_chain_head(self, sealed, report_text):
        snapshot, record = sealed.snapshot, close_record(sealed)
        assert snapshot["seal_algorithm"] == KEYED and record.data == {"seal": sealed.seal, "algorithm": KEYED}
        assert sealed.seal != seal_of({k: v for k, v in snapshot.items() if k != "seal_algorithm"})  # not plain SHA-256
        before = AuditEvent.objects.filter(id__lt=record.pk).order_by("id")
        assert snapshot["audit_head"] == {"count": before.count(), "hash": before.last().hash}
        head = f'{snapshot["audit_head"]["count"]}:{snapshot["audit_head"]["hash"]}'
        assert head in report_text
        summary = load_workbook(io.BytesIO(review_xlsx(snapshot))).worksheets[0]
        assert ["审计链链头", head] in [[c.value for c in row][:2] for row in summary.iter_rows()]
        assert seal_differences(sealed) == []

    def test_pages_and_reports_name_the_keyed_seal_and_who_can_recompute_it(self, sealed, report_text, officer,
                                                                           client):
        from datetime import date

        from django.urls import reverse
        from docx import Document

        from obligations.oversight.regulator_documents import regulator_docx
        from obligations.oversight.regulator_report import regulator_report

        client.force_login(officer)
        page = client.get(reverse("review-detail", args=[sealed.pk])).content.decode()
        assert "封签(HMAC-SHA256)" in page and "封签(SHA-256)" not in page
        assert "只有持有该密钥者才能重新计算" in page and "python manage.py verify_review" in page
        assert flat("封签(HMAC-SHA256)") in report_text and flat("python manage.py verify_review") in report_text
        summary = load_workbook(io.BytesIO(review_xlsx(sealed.snapshot))).worksheets[0]
        assert ["封签(HMAC-SHA256)", sealed.seal] in [[c.value for c in row][:2] for row in summary.iter_rows()]
        report = regulator_report(sealed.platform, start=date(2026, 10, 1), end=date(2026, 12, 31), now=AFTER_Q4)
        paragraphs = [p.text for p in Document(io.BytesIO(regulator_docx(report))).paragraphs]
        assert f"封签(HMAC-SHA256):{sealed.seal}" in paragraphs
        assert any("verify_review" in p for p in paragraphs)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_snapshot_rewritten_with_its_seal_recomputed_is_named(sealed, settings, capsys):
    from django.core.management import CommandError, call_command

    original = sealed.seal
    forged = {**sealed.snapshot, "exceptions": []}  # the quarter's exceptions gone from the record
    plain = {k: v for k, v in forged.items() if k != "seal_algorithm"}  # "sealed" with the public SHA-256
    with override_settings(PLEDGE_AUDIT_KEY="a guessed key"):
        guessed = seal_of(forged)  # or an HMAC without the key
    for snapshot, seal in ((plain, seal_of(plain)), (forged, guessed)):
        owner_execute("UPDATE obligations_review SET snapshot = %s, seal = %s WHERE id = %s",
                      [json.dumps({**snapshot, "seal": seal}), seal, sealed.pk])
        with pytest.raises(CommandError):
            call_command("verify_review", "alpha", "2026Q4", "--language", "en")
        out = capsys.readouterr().out
        assert "DOES NOT hold" in out
        assert f"seal {sealed.pk} changed: sealed {original} at closing (record #{close_record(sealed).pk}), " \
               f"{seal} now" in out


def test_a_review_sealed_before_the_key_is_checked_as_sealed_and_against_its_record(platform, officer):
    """Sealed with plain SHA-256 (its snapshot names no algorithm), as before migration 0014:
    the seal printed in its reports stays valid, and its review.close record holds it."""
    def sealed_as_before(**changes):
        snapshot = {**sample_snapshot(platform={"slug": platform.slug, "name": platform.name}, **changes),
                    "completions": []}
        return {**snapshot, "seal": seal_of(snapshot)}

    legacy = closed_review(platform, sealed_as_before())
    assert seal_algorithm(legacy.snapshot) == LEGACY
    assert flat("封签(SHA-256)") in flat(pdf_text(review_pdf(legacy.snapshot)))  # named as it was sealed
    assert [d.detail for d in seal_differences(legacy)] == ["没有完好的 review.close 记录持有该封签"]
    audit_record(at=AFTER_Q4, action="review.close", obj=legacy, actor=officer, platform=platform,
                 data={"seal": legacy.seal})
    assert seal_differences(legacy) == []
    rewritten = closed_review(platform, sealed_as_before(findings=[]), quarter=3)  # a rewrite, SHA-256 recomputed
    audit_record(at=AFTER_Q4, action="review.close", obj=rewritten, actor=officer, platform=platform,
                 data={"seal": legacy.seal})
    [difference] = seal_differences(rewritten)
    assert (difference.what, difference.change) == ("seal", "changed") and legacy.seal in difference.detail
