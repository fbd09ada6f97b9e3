import pytest
from django.db import connection

from obligations.models import AuditEvent
from obligations.trust.audit import audit_verify


def test_every_state_change_is_chained_and_tampering_shows(signed_letter):
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[:2] == ["letter.create", "letter.sign"]
    assert audit_verify() is None
    victim = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cur:  # below the model, which refuses to save twice
        cur.execute("UPDATE obligations_auditevent SET action = 'letter.delete' WHERE id = %s", [victim.pk])
    assert audit_verify() == victim.pk


def test_audit_rows_refuse_to_change(signed_letter):
    event = AuditEvent.objects.first()
    event.action = "x"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
