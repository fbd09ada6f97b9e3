"""Heartbeats: a row per sweep, moved forward only, and one silence alert per silence."""

from datetime import UTC, datetime, timedelta

import pytest

from obligations.models import SweepRun
from obligations.trust.heartbeat import heartbeat, heartbeat_record, last_run, silence_claim

pytestmark = pytest.mark.django_db
T = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_a_run_is_recorded_and_never_moved_backwards():
    assert last_run() is None
    assert heartbeat_record("close_out", started_at=T, finished_at=T + 2 * S, result={"missed": 3})
    row = SweepRun.objects.get(name="close_out")
    assert (row.runs, row.duration_ms, row.result) == (1, 2000, {"missed": 3})
    # A slower run that started earlier but reports later changes nothing.
    assert not heartbeat_record("close_out", started_at=T - 60 * S, finished_at=T + S)
    assert heartbeat_record("close_out", started_at=T + 60 * S, finished_at=T + 61 * S)
    row.refresh_from_db()
    assert (row.runs, row.finished_at) == (2, T + 61 * S)
    assert last_run() == T + 61 * S


def test_the_block_is_timed_and_recorded_only_when_it_succeeds():
    with heartbeat("plan") as figures:
        figures["planned"] = 5
    assert SweepRun.objects.get(name="plan").result == {"planned": 5}
    with pytest.raises(ZeroDivisionError), heartbeat("send"):
        1 / 0  # noqa: B018
    assert not SweepRun.objects.filter(name="send").exists()


def test_each_sweep_logs_one_line_with_its_figures(caplog):
    with caplog.at_level("INFO", logger="obligations.sweeps"), heartbeat("close_out") as figures:
        figures["missed"] = 7
    lines = [r.getMessage() for r in caplog.records if r.name == "obligations.sweeps"]
    assert len(lines) == 1 and lines[0].startswith("sweep close_out: missed=7 in ")


def test_one_alert_per_silence():
    heartbeat_record("close_out", started_at=T, finished_at=T)
    heartbeat_record("plan", started_at=T, finished_at=T)
    limit = timedelta(minutes=5)
    assert not silence_claim(now=T + timedelta(minutes=4), max_age=limit)  # not silent yet
    assert silence_claim(now=T + timedelta(minutes=6), max_age=limit)
    assert not silence_claim(now=T + timedelta(minutes=7), max_age=limit)  # told once already
    heartbeat_record("close_out", started_at=T + timedelta(minutes=8), finished_at=T + timedelta(minutes=8))
    assert not silence_claim(now=T + timedelta(minutes=9), max_age=limit)  # alive again
    assert silence_claim(now=T + timedelta(minutes=20), max_age=limit)  # a new silence: told again
