"""Shared set-up for the benchmarks: a scratch PostgreSQL database, migrated and empty."""

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pledge_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
os.environ.setdefault("DEBUG", "false")  # no query log: it would slow the runs and cap the counts
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))  # a production-like run needs a real key


def setup_database():
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(dbname="postgres", user=cfg["USER"], host=cfg["HOST"], port=cfg["PORT"] or 5432,
                             password=cfg["PASSWORD"] or None)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    admin.close()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_platforms(start, count, now, supervisor=True):
    """`count` platforms as they really are: an officer, a staff member and (unless told
    otherwise) a supervisor, each with an email address, and the demo letter signed at `now`."""
    from django.contrib.auth import get_user_model

    from obligations.demo import demo_values
    from obligations.letters.services import letter_create, letter_sign
    from obligations.models import Membership, Platform, Role

    User = get_user_model()
    roles = [(Role.OFFICER, "officer"), (Role.STAFF, "staff")] + ([(Role.SUPERVISOR, "supervisor")] if supervisor else [])
    for i in range(start, start + count):
        platform = Platform.objects.create(slug=f"p{i:05d}", name=f"平台{i}")
        people = {}
        for role, name in roles:
            people[name] = User.objects.create(username=f"{name}{i:05d}", email=f"{name}{i:05d}@example.com")
            Membership.objects.create(user=people[name], platform=platform, role=role)
        letter = letter_create(platform=platform, values=demo_values(now.date()), user=people["officer"], now=now)
        letter_sign(letter=letter, user=people["officer"], now=now)


def celery_worker(processes=1, name="w"):
    """A real Celery worker on REDIS_URL, as a subprocess in its own process group."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT), "DB_CONN_MAX_AGE": "60"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "compliance", "worker", "-l", "WARNING", "-n", f"{name}@%h",
         "-c", str(processes), "--prefetch-multiplier=1", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def stop_workers(workers):
    import signal

    for w in workers:
        try:
            os.killpg(w.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for w in workers:
        try:
            w.wait(timeout=30)
        except Exception:  # noqa: BLE001
            os.killpg(w.pid, signal.SIGKILL)
