"""Real Celery workers, beats and Redis servers as subprocesses, for the fault tests:
each in its own process group, so a test can kill -9 the whole of it."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from tests.dbroles import database_url

REPO = Path(__file__).resolve().parent.parent.parent
CELERY_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")


def clear_queues(url: str) -> None:
    """Drop queued and unacknowledged Celery messages of earlier runs on this Redis db."""
    client = redis.Redis.from_url(url)
    client.delete(*CELERY_KEYS)
    for key in client.scan_iter("_kombu.binding.*"):
        client.delete(key)


class Proc:
    def __init__(self, args, env, name):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"pledge-{name}-", suffix=".log", delete=False)
        self.popen = subprocess.Popen(args, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)

    def kill9(self):
        """kill -9 of the process and all its children (the prefork pool)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=10)

    def stop(self, timeout=15):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
            except ProcessLookupError:
                pass
        # The pool's children too, whatever became of the parent.
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


def stop_all(processes, timeout=15):
    """Stop several at once: the signals first, then the waits."""
    for proc in processes:
        if proc.popen.poll() is None:
            try:
                os.killpg(proc.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for proc in processes:
        proc.stop(timeout=timeout)


def app_env(redis_url: str, **extra) -> dict:
    # As a deployment runs them: the app's role on the test database, no owner's credentials.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "DATABASE_OWNER_URL"}
    env.update(DATABASE_URL=database_url(), REDIS_URL=redis_url, PYTHONPATH=str(REPO),
               DJANGO_SETTINGS_MODULE="compliance.settings", PLEDGE_BROKER_VISIBILITY_TIMEOUT="4",
               PLEDGE_BROKER_RESTORE_INTERVAL="1", PLEDGE_BROKER_RESTORE_THROTTLE="1",
               PLEDGE_BROKER_RESTORE_MUTEX_EXPIRE="3",
               EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DB_CONN_MAX_AGE="60")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def worker(redis_url: str, name="w1", concurrency=2, **extra) -> Proc:
    args = [sys.executable, "-m", "celery", "-A", "compliance", "worker", "-l", "INFO", "-n", f"{name}@%h",
            "-c", str(concurrency), "--prefetch-multiplier=1", "--without-gossip", "--without-mingle",
            "--without-heartbeat"]
    return Proc(args, app_env(redis_url, **extra), name)


def beat(redis_url: str, name="beat", scale=0.05, **extra) -> Proc:
    schedule = Path(tempfile.mkdtemp(prefix="pledge-beat-")) / "schedule"
    args = [sys.executable, "-m", "celery", "-A", "compliance", "beat", "-l", "INFO", "--schedule", str(schedule),
            "--max-interval", "1"]
    return Proc(args, app_env(redis_url, PLEDGE_BEAT_SCALE=scale, **extra), name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port (CI's shared one stays up)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="pledge-redis-")
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: self.ping(), timeout, "redis-server to answer")
        return self

    def ping(self):
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
