"""bin/backup DIR and bin/restore DIR: an installation's database and files, and a fresh one rebuilt from them.

A backup holds the database (pg_dump as the tables' owner, custom format), the audit anchor, the evidence and
the exports, and manifest.json: the SHA-256 of every file, keyed with the audit key (PLEDGE_AUDIT_KEY), so
a file changed, added or removed, or a manifest rewritten to match, is refused before anything is restored.

Consistency: the anchor is copied first, then the database dumped (one snapshot): the dump holds the
anchored record and perhaps later ones, which verify_audit accepts (an anchor only ever moves forward).
The files are copied after the dump, so every file the dump names is there (files added meanwhile are
extra, and harmless)."""

import argparse
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import django

FORMAT = 1
DUMP = "database.dump"
ANCHOR = "audit-anchor.json"
FOLDERS = {"evidence": "EVIDENCE_ROOT", "exports": "EXPORTS_ROOT"}


class Refused(Exception):
    """The backup or the target is not what a restore may use; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha256(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


def _mac(body: dict) -> str:
    from django.conf import settings

    text = json.dumps(body, sort_keys=True).encode()
    return hmac.new(settings.PLEDGE_AUDIT_KEY.encode(), text, hashlib.sha256).hexdigest()


def _owner():
    """The tables' owner's connection settings (DATABASE_OWNER_URL, else DATABASE_URL)."""
    from django.conf import settings

    cfg = settings.DATABASE_OWNER or settings.DATABASES["default"]
    if "postgresql" not in cfg["ENGINE"]:
        raise Refused("bin/backup and bin/restore work on PostgreSQL (DATABASE_URL); on SQLite copy var/ instead.")
    return cfg


def _pg(tool: str, cfg: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPASSWORD": cfg.get("PASSWORD") or ""}
    command = [tool, "-h", cfg.get("HOST") or "127.0.0.1", "-p", str(cfg.get("PORT") or 5432),
               "-U", cfg["USER"], *args]
    return subprocess.run(command, env=env, capture_output=True, text=True)


def backup(target: Path) -> dict:
    from django.conf import settings

    from obligations.trust.audit import database_label

    cfg = _owner()
    if target.exists() and any(target.iterdir()):
        raise Refused(f"{target} is not empty: back up into a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    if settings.STORAGES["evidence"]["BACKEND"] != "django.core.files.storage.FileSystemStorage":
        print(f"evidence is kept in {settings.STORAGES['evidence']['BACKEND']}, not in this backup: "
              "back that storage up with its own tools at the same time", file=sys.stderr)
    anchor = Path(settings.PLEDGE_AUDIT_ANCHOR)
    if anchor.exists():
        shutil.copy2(anchor, target / ANCHOR)
    dumped = _pg("pg_dump", cfg, "--format=custom", "--no-owner", "-d", cfg["NAME"], "-f", str(target / DUMP))
    if dumped.returncode:
        raise Refused(f"pg_dump failed: {dumped.stderr.strip()}")
    for folder, setting in FOLDERS.items():
        source = Path(getattr(settings, setting))
        if source.is_dir():
            shutil.copytree(source, target / folder)
    body = {"format": FORMAT, "database": database_label(), "files": _files(target)}
    manifest = {**body, "mac": _mac(body)}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def verify(source: Path) -> dict:
    """The manifest, once every file's hash and the manifest's own key hold; Refused naming what differs."""
    try:
        manifest = json.loads((source / "manifest.json").read_text())
        body = {k: manifest[k] for k in ("format", "database", "files")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Refused(f"{source} is no Pledge backup: manifest.json is missing or unreadable ({exc}).") from None
    if not hmac.compare_digest(_mac(body), str(manifest.get("mac", ""))):
        raise Refused(f"{source}: manifest.json fails its key: it was altered, or the audit key "
                      "(PLEDGE_AUDIT_KEY / SECRET_KEY) is not the one it was made with. Nothing restored.")
    found, listed = _files(source), body["files"]
    problems = [f"{name} changed" for name in sorted(set(found) & set(listed)) if found[name] != listed[name]]
    problems += [f"{name} missing" for name in sorted(set(listed) - set(found))]
    problems += [f"{name} not in the manifest" for name in sorted(set(found) - set(listed))]
    if problems:
        raise Refused(f"{source} is tampered or damaged, nothing restored: " + "; ".join(problems))
    return manifest


def restore(source: Path) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DatabaseError, connection

    from obligations.trust.audit import anchor_adopt

    manifest = verify(source)
    cfg = _owner()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            tables = cursor.fetchone()[0]
    except DatabaseError as exc:
        raise Refused(f"database {cfg['NAME']} cannot be reached ({exc}): create it first (createdb).") from None
    if tables:
        raise Refused(f"database {cfg['NAME']} is not empty: restore into a new, empty database.")
    for setting in FOLDERS.values():
        destination = Path(getattr(settings, setting))
        if destination.exists() and any(destination.iterdir()):
            raise Refused(f"{destination} is not empty: restore into a new folder (PLEDGE_VAR_DIR).")
    if Path(settings.PLEDGE_AUDIT_ANCHOR).exists():
        raise Refused(f"{settings.PLEDGE_AUDIT_ANCHOR} exists: restore into a new folder (PLEDGE_VAR_DIR).")
    connection.close()
    # Owned by the restoring owner; the app role's grants come from migrate below (it may not exist yet).
    restored = _pg("pg_restore", cfg, "--no-owner", "--no-privileges", "--exit-on-error", "-d", cfg["NAME"], str(source / DUMP))
    if restored.returncode:
        raise Refused(f"pg_restore failed: {restored.stderr.strip()}")
    for folder, setting in FOLDERS.items():
        if (source / folder).is_dir():
            shutil.copytree(source / folder, Path(getattr(settings, setting)), dirs_exist_ok=True)
    if (source / ANCHOR).exists():
        anchor_adopt(source / ANCHOR, manifest["database"])
    # The grants of the app's role (it may be named otherwise here), as migrate gives them.
    call_command("migrate", "--no-input", verbosity=0)
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bin/backup | bin/restore")
    parser.add_argument("action", choices=["backup", "restore", "verify"])
    parser.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
    django.setup()
    try:
        manifest = {"backup": backup, "restore": restore, "verify": verify}[args.action](args.dir)
    except (Refused, ValueError) as exc:
        print(f"{args.action} refused: {exc}", file=sys.stderr)
        return 1
    print(f"{args.action} {args.dir}: {manifest['database']}, {len(manifest['files'])} files hashed in manifest.json")
    if args.action == "restore":
        from django.core.management import CommandError, call_command

        try:
            call_command("verify_audit")
        except CommandError as exc:
            print(f"restored, but verify_audit fails: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
