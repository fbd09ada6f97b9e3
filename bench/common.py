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


def make_platforms(start, count, now):
    """`count` platforms, each with an officer and the demo letter signed at `now`."""
    from django.contrib.auth import get_user_model

    from obligations.demo import demo_values
    from obligations.letters.services import letter_create, letter_sign
    from obligations.models import Membership, Platform, Role

    User = get_user_model()
    for i in range(start, start + count):
        platform = Platform.objects.create(slug=f"p{i:05d}", name=f"平台{i}")
        user = User.objects.create(username=f"officer{i:05d}")
        Membership.objects.create(user=user, platform=platform, role=Role.OFFICER)
        letter = letter_create(platform=platform, values=demo_values(now.date()), user=user, now=now)
        letter_sign(letter=letter, user=user, now=now)
