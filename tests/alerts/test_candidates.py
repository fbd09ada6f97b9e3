"""The candidates' moment in SQL says what moment() says: which messages are late."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from obligations.alerts import notifications
from obligations.models import Notification, Obligation
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)
K = Notification.Kind


def test_fresh_and_late_split_as_moment_says(team, settings):
    settings.PLEDGE_CATCH_UP_MINUTES = 45
    ob = Obligation.objects.get(key="三.2")
    ob.grace_minutes, ob.escalate_group_minutes = 20, 45
    ob.save()
    obligations_materialize(now=SIGNED_AT + 72 * H)
    for hours in (6.5, 7.6, 8, 9, 30):
        now = SIGNED_AT + hours * H
        occurrences_close_out(now=now)
        stale = now - timedelta(minutes=45)
        for kind, queryset in notifications.candidate_querysets(now=now).items():
            loaded = notifications._load(queryset)
            late = {o.pk for o in notifications._load(queryset.filter(moment__lt=stale))}
            assert late == {o.pk for o in loaded if notifications.moment(kind, o) < stale}, (hours, kind)


@pytest.mark.postgres
def test_each_kinds_candidates_can_be_read_through_its_partial_index(team):
    """The partial indexes hold the tasks not yet told (alerts/told.py); a query reads one only
    if PostgreSQL proves the query implies its predicate. With scans of the whole table priced
    out, each kind's candidates are read through its index: a quiet minute reads the few tasks
    still untold, not every task."""
    obligations_materialize(now=SIGNED_AT + 72 * H)
    indexes = {K.OPENED: "occurrence_unreminded_idx", K.DUE_SOON: "occurrence_unreminded_idx",
               K.ESCALATE_OFFICER: "occurrence_untold_idx", K.ESCALATE_GROUP: "occurrence_untold_idx"}
    for kind, queryset in notifications.candidate_querysets(now=SIGNED_AT + 30 * H).items():
        sql, params = queryset.only("pk").query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert indexes[kind] in plan, (kind, plan)
