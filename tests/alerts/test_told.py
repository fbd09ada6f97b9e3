"""A task's told bits (alerts/told.py): a claim keeps only what nobody told yet, and sets it."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from obligations.alerts import told
from obligations.models import Notification, Occurrence
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT

K = Notification.Kind
SOURCE = "SELECT %s AS kind, id AS occurrence_id FROM obligations_occurrence WHERE id = ANY(%s)"


def claim(kind, ids):
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            return told.claim(cursor, SOURCE, [str(kind), list(ids)])
        finally:
            told.drop(cursor)


@pytest.mark.postgres
def test_a_claim_keeps_what_nobody_told_and_each_kind_has_its_own_bit(team):
    obligations_materialize(now=SIGNED_AT + timedelta(hours=2))
    ids = list(Occurrence.objects.order_by("id").values_list("id", flat=True)[:3])
    assert len(ids) == 3
    assert claim(K.OPENED, ids[:2]) == 2
    assert claim(K.OPENED, ids) == 1  # the first two were told already: only the third is this claim's
    assert claim(K.OPENED, ids) == 0
    assert claim(K.ESCALATE_OFFICER, ids[:1]) == 1  # another kind of the same task is still untold
    bits = dict(Occurrence.objects.filter(id__in=ids).values_list("id", "told"))
    assert bits == {ids[0]: told.BITS[K.OPENED] | told.BITS[K.ESCALATE_OFFICER],
                    ids[1]: told.BITS[K.OPENED], ids[2]: told.BITS[K.OPENED]}


@pytest.mark.postgres
def test_a_claim_rolled_back_leaves_the_task_untold(team):
    obligations_materialize(now=SIGNED_AT + timedelta(hours=2))
    pk = Occurrence.objects.order_by("id").values_list("id", flat=True)[0]
    with pytest.raises(RuntimeError), transaction.atomic(), connection.cursor() as cursor:
        assert told.claim(cursor, SOURCE, [str(K.DUE_SOON), [pk]]) == 1
        raise RuntimeError("the message was never written")  # e.g. a kill before the commit
    assert Occurrence.objects.get(pk=pk).told == 0
    assert claim(K.DUE_SOON, [pk]) == 1
