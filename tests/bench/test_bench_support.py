"""What the benchmarks stand on: platforms copied by SQL schedule exactly as one made by
the services, and the load bench's bare view stays out of the production URLs."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F
from django.urls import Resolver404, resolve

from obligations.models import Membership, Obligation, Occurrence, Platform
from obligations.work.sweeps import obligations_materialize
from tests.conftest import SIGNED_AT

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
_environ = dict(os.environ)
import common  # noqa: E402 - bench/common.py, not a package

# common sets the benches' defaults (a scratch database URL among them): not for the
# processes later tests start.
os.environ.clear()
os.environ.update(_environ)


@pytest.mark.postgres
@pytest.mark.django_db
def test_platforms_copied_by_sql_schedule_like_the_one_made_by_the_services():
    common.make_platforms(0, 1, SIGNED_AT)
    assert common.clone_platforms(1, 3) == 3
    obligations_materialize(now=SIGNED_AT, horizon=timedelta(days=30))
    per_platform = {
        p.slug: (p.obligations.count(), list(Occurrence.objects.filter(platform=p).values_list(
            "obligation__key", "period_start", "sequence", "opens_at", "due_at", "close_at").order_by(
            "obligation__key", "period_start", "sequence")))
        for p in Platform.objects.order_by("slug")
    }
    assert list(per_platform) == ["p00000", "p00001", "p00002", "p00003"]
    first = per_platform["p00000"]
    assert first[0] > 0 and len(first[1]) > 0
    assert all(copy == first for copy in per_platform.values())
    roles = sorted(Membership.objects.filter(platform__slug="p00000").values_list("role", "user__username"))
    assert sorted(Membership.objects.filter(platform__slug="p00003").values_list("role", "user__username")) == [
        (role, name.replace("00000", "00003")) for role, name in roles]
    # Each copy's obligations hang on its own letter's clauses, and its rows on them.
    assert not Obligation.objects.exclude(clause__letter__platform_id=F("platform_id")).exists()
    assert not Occurrence.objects.exclude(platform_id=F("obligation__platform_id")).exists()
    assert not Occurrence.objects.exclude(clause_id=F("obligation__clause_id")).exists()


def test_the_bare_view_of_the_load_bench_is_not_a_production_url():
    with pytest.raises(Resolver404):
        resolve("/bench/bare/")
    assert resolve("/bench/bare/", urlconf="load_urls").func.__name__ == "bare"
