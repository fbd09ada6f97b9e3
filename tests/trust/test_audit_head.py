"""The chain's head (record count and last hash) witnessed outside the database: printed in
the regulator report and the officers' digest (the sealed review: tests/oversight/test_seal.py),
and checked by `verify_audit --head N:HASH` when someone brings back the one they kept."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from obligations.alerts.notifications import notifications_digest
from obligations.letters.assignment import obligation_assign
from obligations.models import AuditEvent, Notification, Obligation
from obligations.oversight import regulator_documents
from obligations.oversight.regulator_report import regulator_report
from obligations.trust.audit import audit_record
from obligations.trust.audit_head import AuditHead, audit_head
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT
from tests.oversight.export_support import SH, flat, pdf_text
from tests.trust.owner_sql import owner_execute


def verify(*args):
    out = io.StringIO()
    call_command("verify_audit", *args, "--language", "en", stdout=out)
    return out.getvalue()


def test_the_head_is_the_record_count_and_the_last_hash_in_one_query(signed_letter, django_assert_num_queries):
    last = AuditEvent.objects.order_by("id").last()
    with django_assert_num_queries(1):
        head = audit_head()
    assert head == AuditHead(2, last.hash) and str(head) == f"2:{last.hash}"


def test_the_regulator_report_prints_the_head_in_its_pdf_and_docx(signed_letter):
    report = regulator_report(signed_letter.platform, start=date(2026, 10, 1), end=date(2026, 12, 31),
                              now=datetime(2027, 1, 5, 10, tzinfo=SH))
    head = audit_head()
    assert report["audit_head"] == {"count": head.count, "hash": head.hash}
    assert flat(f"审计链链头(记录数:哈希):{head}") in flat(pdf_text(regulator_documents.regulator_pdf(report)))
    docx = Document(io.BytesIO(regulator_documents.regulator_docx(report)))
    assert any(str(head) in p.text for p in docx.paragraphs)


def test_the_officers_digest_carries_the_head_of_the_day(signed_letter, officer, staff):
    obligations_materialize(now=SIGNED_AT)
    obligation_assign(obligation=Obligation.objects.get(key="三.2"), assignees=[officer, staff], user=officer,
                      now=SIGNED_AT)
    head = audit_head()
    assert notifications_digest(now=SIGNED_AT + timedelta(hours=23)) == 2
    digests = {n.recipient.username: n.body for n in Notification.objects.filter(kind="digest")}
    assert f"今日审计链链头(记录数:哈希,请留存以备核对):{head}" in digests["alice"]
    assert str(head) not in digests["bob"]  # staff: their tasks only


def test_a_head_in_the_wrong_form_is_refused(signed_letter):
    with pytest.raises(CommandError, match="链头格式"):  # in the site's language
        call_command("verify_audit", "--head", "2:abc", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_head_that_no_longer_matches_is_reported(signed_letter, platform):
    kept = audit_head()  # printed in a report that left the platform
    for i in range(3):
        audit_record(at=SIGNED_AT + timedelta(minutes=i), action="test.step", platform=platform)
    assert verify("--head", str(kept)).startswith("OK 5 records")
    [(second, _hash)] = AuditEvent.objects.order_by("id").values_list("id", "hash")[1:2]
    # The record the head names rewritten (its HMAC cannot be recomputed without the key, so any hash will do):
    owner_execute("UPDATE obligations_auditevent SET hash = repeat('e', 64) WHERE id = %s", [second])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--head", str(kept), stdout=out)
    assert f"审计链的第 2 条记录(#{second})已不是保存的链头 {kept.hash[:12]}…" in out.getvalue()
    # Or the chain cut below it, anchor and all: still reported.
    owner_execute("DELETE FROM obligations_auditevent WHERE id >= %s", [second])
    with pytest.raises(CommandError):
        call_command("verify_audit", "--head", str(kept), stdout=out)
    assert "审计链已不足 2 条记录" in out.getvalue()
