"""A deployment that is safe by default: no start on a weak key, a clean check --deploy
with the documented production settings, a Content-Security-Policy, Chinese error pages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tests.dbroles import database_url

REPO = Path(__file__).resolve().parent.parent
PRODUCTION = {  # README's production settings
    "DEBUG": "false", "SECRET_KEY": "p" * 20 + "q" * 20 + "r-s-t-u-v-w-x-y-z-0123456789", "ALLOWED_HOSTS": "pledge.example.cn",
    "PLEDGE_SSL_REDIRECT": "true", "PLEDGE_HSTS_SECONDS": "31536000", "PLEDGE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "PLEDGE_HSTS_PRELOAD": "true", "PLEDGE_SECURE_COOKIES": "true", "PLEDGE_BEHIND_TLS_PROXY": "true",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "PLEDGE_SITE_URL": "https://pledge.example.cn",
}


def manage(*args, **env):
    # The app's environment: the test database as the app's role (when there is one), no owner's credentials.
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DATABASE_OWNER_URL")}
    if connection.vendor == "postgresql":
        base["DATABASE_URL"] = database_url()
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_the_embedded_default_sets_up_as_bin_run_does(tmp_path):
    """bin/run on a laptop: its local settings file (DEBUG on, a random key of the checkout) written once,
    then SQLite under var/, migrate, the demo letter signed and its schedule raised, and the banner's
    createsuperuser line: manage.py commands with nothing in the environment but that file."""
    local = tmp_path / "local.env"
    written = []
    for _ in range(2):  # once made, kept
        subprocess.run(["bash", "-c", '. bin/python-env && ensure_local_env "$0"', local], cwd=REPO, check=True)
        written.append(local.read_text())
    text = written[0]
    assert written[1] == text
    key = next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("SECRET_KEY="))
    assert "DEBUG=true" in text and len(key) >= 50 and local.stat().st_mode & 0o077 == 0
    embedded = {k: v for k, v in os.environ.items()
                if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL")}
    env = {**embedded, "PLEDGE_LOCAL_ENV": str(local), "PLEDGE_VAR_DIR": str(tmp_path), "PLEDGE_STATIC_MANIFEST": "true",
           "DJANGO_SUPERUSER_PASSWORD": "a long pass phrase 4 admin"}
    for args in (["migrate", "--no-input", "-v0"], ["demo"], ["createsuperuser", "--no-input", "--username", "root",
                                                               "--email", "root@example.cn"]):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
        if args[0] == "demo":
            assert "officer" in result.stdout
    assert list(tmp_path.glob("*.sqlite3"))
    shown = subprocess.run([sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; "
                            "print(settings.DEBUG, settings.SECRET_KEY)"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.stdout.split()[-2:] == ["True", key]


def test_check_deploy_is_clean_with_the_documented_production_settings(db):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.postgres
def test_check_deploy_warns_of_an_app_connected_as_the_tables_owner(db, settings):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                    DATABASE_URL=database_url(settings.DATABASE_OWNER))
    assert result.returncode != 0 and "pledge.W002" in result.stderr and "pledge.W003" in result.stderr


def test_check_deploy_warns_of_a_site_url_readers_cannot_open():
    for url in ("http://127.0.0.1:8000", "http://pledge.example.cn"):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **(PRODUCTION | {"PLEDGE_SITE_URL": url}))
        assert result.returncode != 0 and "pledge.W001" in result.stdout + result.stderr


@pytest.mark.parametrize("url", ["pledge.example.cn", "ftp://pledge.example.cn", "https://pledge.example.cn/app"])
def test_no_start_on_a_site_url_that_is_not_an_address(url):
    result = manage("check", **(PRODUCTION | {"PLEDGE_SITE_URL": url}))
    assert result.returncode != 0 and "PLEDGE_SITE_URL" in result.stderr


@pytest.mark.parametrize("key", [None, "dev-only-insecure-key-change-me-in-production", "change-me", "short-key"])
def test_no_start_without_a_strong_key_when_debug_is_off(key):
    env = {"DEBUG": "false"} | ({"SECRET_KEY": key} if key else {})
    result = manage("check", **env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked(settings):
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                    SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_every_page_carries_the_csp(client, officer):
    client.force_login(officer)
    header = client.get(reverse("my-tasks")).headers["Content-Security-Policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header.split("style-src-attr")[0]
    assert "frame-ancestors 'none'" in header


def test_no_inline_script_or_handler_in_any_template():
    import re

    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+=", text), template


@pytest.mark.parametrize("url,status,text", [("/no-such-page/", 404, "页面不存在"), ("/calendar/", 403, "无权访问")])
def test_error_pages_are_chinese_with_the_navigation(client, officer, url, status, text):
    client.force_login(officer)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == status and text in html and 'class="navbar' in html


def test_too_many_files_is_a_chinese_400(officer, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(officer)
    client.get(reverse("password_change"))  # a form page: the CSRF cookie, so the check reads the body
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(5)]
    response = client.post(reverse("my-tasks"), {"files": files})
    assert response.status_code == 400 and "请求有误" in response.content.decode()
