"""bin/backup and bin/restore: a small installation (a sealed quarterly review, its evidence, an export, the
audit anchor) backed up, restored into a new database and folder, and verified there with verify_audit and
verify_review; a tampered backup refused before anything is restored."""

import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from compliance.backup import Refused, verify
from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Occurrence, Review
from obligations.oversight.reviews import review_sign
from obligations.tasks import run_sweeps
from obligations.work.evidence import completion_with_evidence
from tests import dbroles
from tests.oversight.conftest import AFTER_Q4, explain_all, pdf

REPO = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run(*args, env):
    return subprocess.run([str(a) for a in args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def installation(database: str, **paths) -> dict:
    """The environment of the installation on `database`: the app's role, the owner for migrate and backup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PLEDGE_EVIDENCE", "PLEDGE_EXPORTS"))
           and k not in ("PLEDGE_AUDIT_ANCHOR", "PLEDGE_VAR_DIR")}
    env.update(DATABASE_URL=dbroles.database_url(name=database), PLEDGE_LOCAL_ENV="",
               DATABASE_OWNER_URL=dbroles.database_url(settings.DATABASE_OWNER, name=database))
    return env | {k: str(v) for k, v in paths.items()}


@pytest.fixture
def empty_databases():
    made = []

    def make(suffix):
        name = f"test_{settings.DATABASE_OWNER['NAME']}_{suffix}"
        admin = dbroles.owner_server_connection()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        made.append(name)
        return name

    yield make
    admin = dbroles.owner_server_connection()
    with admin.cursor() as cur:
        for name in made:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def tables(database: str) -> int:
    admin = dbroles._connect(settings.DATABASE_OWNER, database)
    with admin, admin.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        count = cur.fetchone()[0]
    admin.close()
    return count


@pytest.fixture
def sealed_quarter(platform, officer, staff, group):
    """The last days of 2026's fourth quarter under a letter signed on 28 December (few tasks, so the test is
    quick): one check done with a file, the rest missed and explained, the review signed and sealed."""
    signed = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
    letter = letter_create(platform=platform, values=demo_values(signed.date()), user=officer, now=signed)
    letter_sign(letter=letter, user=officer, now=signed, first_period=Letter.FirstPeriod.CURRENT)
    run_sweeps(now=signed)
    check = Occurrence.objects.filter(obligation__key="三.2").order_by("due_at").first()
    completion_with_evidence(occurrence=check, user=staff, note="ok", files=[pdf()], now=check.due_at)
    run_sweeps(now=AFTER_Q4)
    review = Review.objects.get(platform=platform, year=2026, quarter=4)
    explain_all(review, officer)
    platform.review_quorum = 1
    platform.save()
    return review_sign(review=review, user=group[0], password="pw-sue", now=AFTER_Q4)


def test_a_backup_restores_into_a_new_installation_that_verifies(sealed_quarter, tmp_path, empty_databases):
    exports = tmp_path / "exports"
    (exports / "2027").mkdir(parents=True)
    (exports / "2027" / "report.pdf").write_bytes(b"%PDF-1.4 report")
    source = installation(dbroles.connection.settings_dict["NAME"], PLEDGE_EVIDENCE_ROOT=settings.EVIDENCE_ROOT,
                          PLEDGE_EXPORTS_ROOT=exports, PLEDGE_AUDIT_ANCHOR=settings.PLEDGE_AUDIT_ANCHOR,
                          PLEDGE_VAR_DIR=tmp_path / "var")

    backup = tmp_path / "backup"
    made = run(REPO / "bin" / "backup", backup, env=source)
    assert made.returncode == 0, made.stdout + made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    evidence = [name for name in manifest["files"] if name.startswith("evidence/")]
    assert {"database.dump", "audit-anchor.json", "exports/2027/report.pdf"} <= set(manifest["files"]) and evidence

    # A new installation: an empty database, a new folder.
    fresh = tmp_path / "restored"
    target = installation(empty_databases("restored"), PLEDGE_VAR_DIR=fresh)
    restored = run(REPO / "bin" / "restore", backup, env=target)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    # bin/restore ends with verify_audit on the new installation: the chain intact and anchored.
    assert "完好" in restored.stdout and "锚点 #" in restored.stdout  # in the site's language, zh-hans
    for name in evidence:
        assert (fresh / name).read_bytes() == (backup / name).read_bytes()
    assert (fresh / "exports" / "2027" / "report.pdf").read_bytes() == b"%PDF-1.4 report"
    verified = run(os.sys.executable, "manage.py", "verify_review", "alpha", "2026Q4", "--language", "en", env=target)
    assert verified.returncode == 0 and "nothing changed" in verified.stdout, verified.stdout + verified.stderr

    # Tampered: one evidence file changed; then the manifest rewritten to match. Refused, nothing restored.
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    victim = tampered / evidence[0]
    victim.write_bytes(victim.read_bytes() + b"%altered")
    empty = empty_databases("refused")
    target = installation(empty, PLEDGE_VAR_DIR=tmp_path / "refused")
    refused = run(REPO / "bin" / "restore", tampered, env=target)
    assert refused.returncode == 1 and f"{evidence[0]} changed" in refused.stderr and "tampered" in refused.stderr
    altered = json.loads((tampered / "manifest.json").read_text())
    altered["files"][evidence[0]] = hashlib.sha256(victim.read_bytes()).hexdigest()
    (tampered / "manifest.json").write_text(json.dumps(altered))
    with pytest.raises(Refused, match="manifest.json fails its key"):
        verify(tampered)  # what bin/restore checks first (the same key: SECRET_KEY is the test run's)
    assert tables(empty) == 0 and not (tmp_path / "refused" / "evidence").exists()
