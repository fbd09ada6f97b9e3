"""bin/supervise, which bin/run starts the web app, the worker and beat with: a worker or beat
that dies is started again (the app goes on); the web app stopping stops everything."""

import os
import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_dead_worker_is_started_again_and_the_web_app_stopping_stops_all(tmp_path):
    web, worker, beat = tmp_path / "web", tmp_path / "worker", tmp_path / "beat"
    supervisor = subprocess.Popen(
        [str(REPO / "bin" / "supervise"),
         f"web=sh -c 'echo $$ >> {web}; exec sleep 60'",
         f"worker=sh -c 'echo $$ >> {worker}; sleep 0.2; exit 3'",  # dies at once, every time
         f"beat=sh -c 'echo $$ >> {beat}; exec sleep 60'"],
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        t = time.monotonic()
        assert wait_for(lambda: len(lines(worker)) >= 3, 15), lines(worker)  # started, then again after 1 s and 2 s
        restarted_in = time.monotonic() - t
        assert supervisor.poll() is None and len(lines(web)) == 1 and len(lines(beat)) == 1  # the app goes on
        os.kill(int(lines(web)[0]), signal.SIGTERM)  # the web app stops ...
        supervisor.wait(timeout=15)  # ... and so does everything
        beat_pid = int(lines(beat)[0])
        assert wait_for(lambda: not os.path.exists(f"/proc/{beat_pid}"), 5)
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    said = supervisor.stderr.read()
    print(f"\n[supervise] the worker died {len(lines(worker))} times and was started again each time (3 starts in "
          f"{restarted_in:.1f} s); web stopped: supervise exited {supervisor.returncode}")
    assert "worker stopped (exit 3)" in said and "starting it again in 2 s" in said
    assert "web stopped" in said and supervisor.returncode != 0
