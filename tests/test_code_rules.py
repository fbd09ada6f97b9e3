"""The code's own rules, checked in CI: ruff (pinned) with ruff.toml, no model change without its migration,
the English catalogue complete and compiled, and the installed packages consistent (`pip check`)."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "locale" / "en" / "LC_MESSAGES"


def run(*args, cwd=REPO, **env):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"}
    return subprocess.run(args, cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=300)


def pinned(name: str) -> str:
    text = (REPO / "requirements-dev.txt").read_text() + (REPO / "requirements.txt").read_text()
    return re.search(rf"^{re.escape(name)}==(\S+)$", text, re.M | re.I).group(1)


def test_ruff_finds_nothing_with_the_repository_config():
    version = run(sys.executable, "-m", "ruff", "--version")
    assert version.stdout.split()[-1] == pinned("ruff"), version.stdout + version.stderr
    result = run(sys.executable, "-m", "ruff", "check", "--config", str(REPO / "ruff.toml"), "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_every_model_change_has_its_migration():
    result = run(sys.executable, "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_english_catalogue_holds_every_message_of_the_code(tmp_path):
    """makemessages on a copy of the tree (the repository's catalogue left as it is): every message the
    code and templates mark has a non-empty English translation in locale/en, none fuzzy."""
    copy = tmp_path / "tree"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "var", "__pycache__", "tests",
                                                              "bench", "*.po", "*.mo", ".env.local"))
    result = run(sys.executable, "manage.py", "makemessages", "-l", "en", "-v0", cwd=copy, DEBUG="true",
                 PLEDGE_VAR_DIR=str(tmp_path / "var"), PLEDGE_LOCAL_ENV="")
    assert result.returncode == 0, result.stderr[-3000:]
    marked = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    english = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(CATALOGUE / "django.po"))}
    assert len(marked) > 500  # the scan found the code's messages
    untranslated = [e.msgid for e in marked if (e.msgctxt, e.msgid) not in english
                    or not english[(e.msgctxt, e.msgid)].translated()]
    assert not untranslated, f"{len(untranslated)} message(s) without English: {untranslated[:20]}"


@pytest.mark.parametrize("catalogue", [CATALOGUE, REPO / "locale" / "zh_Hans" / "LC_MESSAGES"])
def test_the_compiled_catalogue_is_the_catalogue(catalogue):
    """django.mo holds exactly the translations of django.po (msgfmt -o django.mo django.po after each edit):
    the English of our messages, and the Chinese of what Django and the apps we install leave in English."""
    source = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
              for e in polib.pofile(str(catalogue / "django.po")).translated_entries()}
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                for e in polib.mofile(str(catalogue / "django.mo")) if e.msgid}
    stale = {key for key in source.keys() | compiled.keys() if source.get(key) != compiled.get(key)}
    assert not stale, f"django.mo differs from django.po on {len(stale)} message(s): {sorted(stale)[:10]}"


def test_translation_functions_go_by_names_makemessages_reads():
    """makemessages finds a message by the function's name (_, gettext_lazy, pgettext …): one imported as
    another name (gettext_lazy as _l) is never collected, and its message is never translated."""
    renamed = []
    for path in (REPO / "obligations").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                renamed += [f"{path.relative_to(REPO)}: {a.name} as {a.asname}" for a in node.names
                            if a.asname not in (None, "_")]
    assert not renamed


def test_the_installed_packages_are_consistent():
    result = run(sys.executable, "-m", "pip", "check", "--disable-pip-version-check")
    assert result.returncode == 0, result.stdout + result.stderr
