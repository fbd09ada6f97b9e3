"""The candidates' moment in SQL says what moment() says: which messages are late."""

from datetime import timedelta

from obligations.alerts import notifications
from obligations.models import Obligation
from obligations.work.sweeps import obligations_materialize, occurrences_close_out
from tests.conftest import SIGNED_AT

H = timedelta(hours=1)


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
