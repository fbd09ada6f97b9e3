"""Shared set-up for the benchmarks: a scratch PostgreSQL database, migrated and empty,
and platforms with the demo letter signed (through the services, or copied by SQL when
there are thousands of them)."""

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pledge_bench")
if os.environ.get("DATABASE_OWNER_URL"):
    # A bench makes, fills and drops a scratch database, with the owner's upkeep (ANALYZE,
    # CHECKPOINT, bulk copies with the triggers off): it connects as the tables' owner, on
    # DATABASE_URL's database and no other, since that one is dropped.
    if urlsplit(os.environ["DATABASE_OWNER_URL"]).path != urlsplit(os.environ["DATABASE_URL"]).path:
        sys.exit("DATABASE_OWNER_URL must name the bench's database, DATABASE_URL's (default pledge_bench): "
                 "it is dropped and made again.")
    os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
os.environ.setdefault("DEBUG", "false")  # no query log: it would slow the runs and cap the counts
os.environ.setdefault("PLEDGE_STATIC_MANIFEST", "false")  # pages without a collectstatic first
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))  # a production-like run needs a real key
# Files of a run of its own (the audit anchor, evidence): the checkout's var/ holds another key's anchor.
os.environ.setdefault("PLEDGE_VAR_DIR", tempfile.mkdtemp(prefix="pledge-bench-"))
# Mail is built and handed to a backend that drops it: the console's would print every message.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")


def sizes_argument(parser: argparse.ArgumentParser, default: str, help: str) -> None:
    parser.add_argument("--sizes", default=default, type=lambda s: [int(x) for x in s.split(",") if x],
                        help=f"comma-separated platform counts (default {default}); {help}")


def admin_connection():
    """A connection to the server's `postgres` database, to create and drop scratch ones."""
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(dbname="postgres", user=cfg["USER"], host=cfg["HOST"], port=cfg["PORT"] or 5432,
                             password=cfg["PASSWORD"] or None)
    admin.autocommit = True
    return admin, cfg["NAME"]


def setup_database():
    admin, name = admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
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


def _columns(table, *skip):
    from django.db import connection

    with connection.cursor() as cur:
        return [c.name for c in connection.introspection.get_table_description(cur, table) if c.name not in skip]


def clone_platforms(start, count):
    """Platforms p{start} … p{start+count-1}, each a copy of p00000 (made by make_platforms):
    its members, signed letter, clauses and obligations, copied by SQL in a few statements.
    The services take about 0.2 s a platform, half an hour for 10,000; this takes seconds.
    The audit trail is not copied. Returns the number of platforms."""
    from django.db import connection, transaction

    from obligations.models import Clause, Letter, Membership, Obligation, Platform

    template = Platform.objects.get(slug="p00000")
    letter = Letter.objects.select_related("signed_by").get(platform=template, state="signed")
    members = list(Membership.objects.filter(platform=template).select_related("user"))
    last = start + count - 1
    platform_cols = _columns("obligations_platform", "id", "slug", "name")
    user_cols = _columns("auth_user", "id", "username", "email")
    letter_cols = _columns("obligations_letter", "id", "platform_id", "signed_by_id", "amends_id")
    clause_cols = _columns("obligations_clause", "id", "letter_id")
    obligation_cols = _columns("obligations_obligation", "id", "clause_id", "platform_id")
    number = "lpad(g::text, 5, '0')"

    def names(columns):
        return ", ".join(f'"{c}"' for c in columns)

    def cols(columns, prefix):
        return ", ".join(f'{prefix}."{c}"' for c in columns)

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""INSERT INTO obligations_platform (slug, name, {names(platform_cols)})
                        SELECT 'p' || {number}, '平台' || g, {cols(platform_cols, 't')}
                        FROM obligations_platform t, generate_series(%s, %s) g WHERE t.id = %s""",
                    [start, last, template.pk])
        # Each member of the template (officer00000, …) becomes officer{n}, … with the same role.
        for member in members:
            prefix = member.user.username.removesuffix("00000")
            cur.execute(f"""INSERT INTO auth_user (username, email, {names(user_cols)})
                            SELECT %s || {number}, replace(t.email, '00000', {number}), {cols(user_cols, 't')}
                            FROM auth_user t, generate_series(%s, %s) g WHERE t.id = %s""",
                        [prefix, start, last, member.user_id])
            cur.execute(f"""INSERT INTO obligations_membership (role, user_id, platform_id, full_name, post)
                            SELECT %s, u.id, p.id, '', '' FROM generate_series(%s, %s) g
                            JOIN obligations_platform p ON p.slug = 'p' || {number}
                            JOIN auth_user u ON u.username = %s || {number}""",
                        [member.role, start, last, prefix])
        signer = letter.signed_by.username.removesuffix("00000") if letter.signed_by else ""
        cur.execute("DROP TABLE IF EXISTS bench_clone")
        cur.execute(f"""CREATE TEMP TABLE bench_clone ON COMMIT DROP AS
                        SELECT p.id AS platform_id, u.id AS user_id
                        FROM generate_series(%s, %s) g
                        JOIN obligations_platform p ON p.slug = 'p' || {number}
                        LEFT JOIN auth_user u ON u.username = %s || {number}""", [start, last, signer])
        cur.execute(f"""INSERT INTO obligations_letter (platform_id, signed_by_id, {names(letter_cols)})
                        SELECT n.platform_id, n.user_id, {cols(letter_cols, 't')}
                        FROM bench_clone n, obligations_letter t WHERE t.id = %s""", [letter.pk])
        cur.execute(f"""INSERT INTO obligations_clause (letter_id, {names(clause_cols)})
                        SELECT l.id, {cols(clause_cols, 't')}
                        FROM bench_clone n JOIN obligations_letter l ON l.platform_id = n.platform_id,
                             obligations_clause t WHERE t.letter_id = %s""", [letter.pk])
        cur.execute(f"""INSERT INTO obligations_obligation (clause_id, platform_id, {names(obligation_cols)})
                        SELECT c.id, n.platform_id, {cols(obligation_cols, 't')}
                        FROM bench_clone n JOIN obligations_letter l ON l.platform_id = n.platform_id
                        JOIN obligations_clause c ON c.letter_id = l.id
                        JOIN obligations_clause tc ON tc.letter_id = %s AND tc.number = c.number
                        JOIN obligations_obligation t ON t.clause_id = tc.id""", [letter.pk])
    copy = Platform.objects.get(slug=f"p{last:05d}")
    for model in (Clause, Obligation):
        field = "letter__platform" if model is Clause else "platform"
        assert model.objects.filter(**{field: copy}).count() == model.objects.filter(**{field: template}).count()
    return count


def platforms(count, now):
    """Grow the scratch database to `count` platforms: the first through the services, the
    rest copied from it by SQL on PostgreSQL (through the services elsewhere). Returns how
    many were added."""
    from django.db import connection

    from obligations.models import Platform

    have = Platform.objects.filter(slug__startswith="p").count()
    if count <= have:
        return 0
    if connection.vendor != "postgresql":
        make_platforms(have, count - have, now)
    else:
        if have == 0:
            make_platforms(0, 1, now)
        if count > max(have, 1):
            clone_platforms(max(have, 1), count - max(have, 1))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # as autovacuum would soon: the plans depend on the sizes
    return count - have


def pg_settings_line():
    """The server settings that move insert and query timings, for the record."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                    "('server_version', 'shared_buffers', 'synchronous_commit', 'max_wal_size', 'work_mem')")
        return ", ".join(f"{k}={v}" for k, v in cur.fetchall())


def copy_history(first, last, columns):
    """Platforms p{first} … p{last} (copies of p00000 by clone_platforms) get p00000's
    occurrences, obligation by obligation (matched on the key), `columns` copied as they are.
    Returns the number of rows written.

    Written as the sweep would have written them over the year: month by month of opening
    time, every platform's rows of a month interleaved, so that a platform's history lies
    spread through the table as in production (one row a page), not packed in a few pages.

    Built for speed (the former copy, one INSERT … SELECT from the table into itself, made
    900 rows/s at 1,000 platforms), each way stated: the template rows are read once into a
    temporary table (merge-joined against the table being written, the template's 1,160 rows
    re-read once per copy took 12 s for 200 platforms, past the new invisible index entries);
    the table's triggers (guards, foreign keys) are off for the copy (the rows point to what
    exists, and history is written below the app's guards); its secondary indexes are dropped
    and made again afterwards from their own definitions (maintained row by row they made the
    copy about 5 times slower: 32 s against 6.7 s for 230,000 rows). The indexes are thus as
    fresh as after a REINDEX: an index grown by a year of sweeps is somewhat larger."""
    from django.db import connection, transaction

    table = "obligations_occurrence"
    names = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute(f"""CREATE TEMP TABLE bench_year ON COMMIT DROP AS
                        SELECT tb.key, {", ".join(f"o.{c}" for c in columns)}
                        FROM {table} o JOIN obligations_obligation tb ON tb.id = o.obligation_id
                        JOIN obligations_platform tp ON tp.id = tb.platform_id AND tp.slug = 'p00000'
                        WHERE o.case_id IS NULL""")  # nosec B608 - the bench's constants
        cur.execute("""CREATE TEMP TABLE bench_into ON COMMIT DROP AS
                       SELECT nb.id, nb.platform_id, nb.clause_id, nb.key FROM obligations_obligation nb
                       JOIN obligations_platform np ON np.id = nb.platform_id AND np.slug BETWEEN %s AND %s""",
                    [f"p{first:05d}", f"p{last:05d}"])
        cur.execute("ANALYZE bench_year; ANALYZE bench_into")
        cur.execute("""SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                       JOIN pg_class c ON c.oid = i.indexrelid
                       WHERE i.indrelid = %s::regclass
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""",
                    [table])
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SELECT DISTINCT date_trunc('month', opens_at) m FROM bench_year ORDER BY m")
        written = 0
        for (month,) in cur.fetchall():
            cur.execute(f"""INSERT INTO {table} (obligation_id, platform_id, clause_id, {names})
                            SELECT n.id, n.platform_id, n.clause_id, {", ".join(f"y.{c}" for c in columns)}
                            FROM bench_year y JOIN bench_into n ON n.key = y.key
                            WHERE date_trunc('month', y.opens_at) = %s
                            ORDER BY y.opens_at, n.platform_id""", [month])  # nosec B608 - constants
            written += cur.rowcount
        for _, definition in indexes:
            cur.execute(definition)
        from obligations.alerts.wake import wake_now

        wake_now(cur)  # written below the triggers, which would have woken the planner
    return written
