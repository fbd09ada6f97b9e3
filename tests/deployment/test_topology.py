"""The production topology without containers (README, "Production", step for step): a fresh database
migrated by its owner and used by the app's role, a Redis of its own, collectstatic, gunicorn with DEBUG
off and a strong key, a separate worker and beat. Each process has its own working and temporary folder;
the one folder they share is PLEDGE_VAR_DIR (the compose file's volume). Then a person over HTTP: sign-in
with the second factor, a page and its hashed static files, a check-off with evidence and its download, a
PDF the worker makes and the web serves, /healthz; beat stopped, /healthz says so."""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp

from tests import dbroles
from tests.deployment.http_user import Browser
from tests.faults.procs import Proc, RedisServer, free_port, stop_all, wait_for

REPO = Path(__file__).resolve().parent.parent.parent
MANAGE = str(REPO / "manage.py")
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Settings a test inherits and a deployment would not have (bin/test's, the test database's).
NOT_INHERITED = ("DATABASE_OWNER_URL", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "PLEDGE_VAR_DIR",
                 "PLEDGE_EVIDENCE_ROOT", "PLEDGE_EXPORTS_ROOT", "PLEDGE_AUDIT_ANCHOR", "STATIC_ROOT",
                 "PLEDGE_STATIC_MANIFEST", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER")

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class Service(Proc):
    """A process in a folder of its own (its cwd and TMPDIR), in its own process group."""

    def __init__(self, args, env, name, home: Path):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"pledge-{name}-", suffix=".log", delete=False)
        self.popen = subprocess.Popen(args, cwd=home, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)


def home(root: Path, name: str) -> Path:
    folder = root / name
    (folder / "tmp").mkdir(parents=True)
    return folder


def environment(folder: Path, **settings_) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in NOT_INHERITED}
    env.update(TMPDIR=str(folder / "tmp"), PYTHONPATH=str(REPO), PLEDGE_LOCAL_ENV="")
    env.update({k: str(v) for k, v in settings_.items()})
    return env


def manage(folder: Path, env: dict, *args):
    result = subprocess.run([sys.executable, MANAGE, *args], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


@pytest.fixture
def fresh_database():
    """A new, empty database on the test server (the owner makes it), and the app's role."""
    owner = settings.DATABASE_OWNER
    name = f"test_{owner['NAME']}_topology"
    runtime = settings.DATABASES["default"]
    dbroles.runtime_role_ensure(password=runtime["PASSWORD"])
    admin = dbroles.owner_server_connection()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield dbroles.database_url(owner, name=name), dbroles.database_url(runtime, name=name)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def services():
    started = []
    yield started
    stop_all([s for s in started if isinstance(s, Proc)], timeout=10)
    for service in started:
        if isinstance(service, RedisServer):
            service.kill()
    for service in started:  # shown when the test failed
        if isinstance(service, Proc):
            print(f"----- {service.name} -----\n{service.output()[-4000:]}")


def sign_in(browser: Browser, username: str, password: str) -> str:
    """Password, then the authenticator: enrolled from the secret the page shows at the first sign-in.
    Returns that secret (base32)."""
    browser.get("/accounts/login/")
    page = browser.post("/accounts/login/", {"username": username, "password": password, "next": "/"})
    assert "/accounts/second-factor/enrol/" in page.url, page.url
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    key = base64.b32decode(secret)
    page = browser.post(page.url, {"code": f"{totp(key):06d}", "next": "/"})
    assert page.status == 200 and "/accounts/second-factor/codes/" in page.url, (page.url, page.text[:2000])
    # Sign out and in again: the password, then a code of the app (the next step's: a code counts once).
    browser.post("/accounts/logout/", {})
    browser.get("/accounts/login/")
    page = browser.post("/accounts/login/", {"username": username, "password": password, "next": "/"})
    assert "/accounts/second-factor/verify/" in page.url, page.url
    page = browser.post(page.url, {"code": f"{totp(key, drift=1):06d}", "next": "/"})
    assert page.status == 200 and "/accounts/" not in page.url, (page.url, page.text[:2000])
    return secret


def test_the_production_topology_serves_a_person_end_to_end(fresh_database, services, tmp_path):
    owner_url, app_url = fresh_database
    began = time.monotonic()

    def reached(step):  # shown with the logs when the test fails: where the time went
        print(f"{time.monotonic() - began:6.1f} s  {step}")
    shared = tmp_path / "shared"  # PLEDGE_VAR_DIR: evidence, exports, the audit anchor, beat's schedule
    shared.mkdir()
    redis = RedisServer().start()
    services.append(redis)
    port = free_port()
    common = dict(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(64), DATABASE_URL=app_url, REDIS_URL=redis.url,
                  PLEDGE_VAR_DIR=shared, PLEDGE_SITE_URL=f"http://127.0.0.1:{port}", ALLOWED_HOSTS="127.0.0.1",
                  DJANGO_SETTINGS_MODULE="compliance.settings", PLEDGE_HEALTH_MAX_SWEEP_AGE=12,
                  EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                  EMAIL_FILE_PATH=shared / "mail", DB_CONN_MAX_AGE=60)

    # collectstatic into the web's own STATIC_ROOT (the image's, not the shared folder), while (1) the owner
    # migrates the new database and grants the app's role its rows, then the first data.
    web_home = home(tmp_path, "web")
    web_env = environment(web_home, **common, STATIC_ROOT=web_home / "static")
    collect = Service([sys.executable, MANAGE, "collectstatic", "--no-input", "-v0"], web_env, "collectstatic",
                      web_home)
    services.append(collect)
    ops = home(tmp_path, "ops")
    manage(ops, environment(ops, **common, DATABASE_OWNER_URL=owner_url), "migrate", "--no-input", "-v0")
    manage(ops, environment(ops, **common), "demo")
    assert collect.popen.wait(timeout=120) == 0, collect.output()
    assert (web_home / "static" / "staticfiles.json").exists()
    reached("migrated, demo platform; collectstatic")
    # gunicorn, a worker and beat.
    services.append(Service([sys.executable, "-m", "gunicorn", "compliance.wsgi", "-b", f"127.0.0.1:{port}", "-w",
                             "2", "--no-control-socket", "--access-logfile", "-"], web_env, "web", web_home))
    worker_home, beat_home = home(tmp_path, "worker"), home(tmp_path, "beat")
    services.append(Service([sys.executable, "-m", "celery", "-A", "compliance", "worker", "-l", "INFO", "-c", "2",
                             "-n", "topology@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                            environment(worker_home, **common), "worker", worker_home))
    beat = Service([sys.executable, "-m", "celery", "-A", "compliance", "beat", "-l", "INFO", "--max-interval", "1"],
                   environment(beat_home, **common, PLEDGE_BEAT_SCALE=0.1), "beat", beat_home)
    services.append(beat)
    browser = Browser(f"http://127.0.0.1:{port}")
    wait_for(lambda: browser.answers("/accounts/login/", 200), 60, "gunicorn to serve the sign-in page",
             interval=0.5)
    reached("gunicorn answers")

    # A person: signs in with the second factor, opens a page, which loads its hashed static files.
    sign_in(browser, "officer", "pledge-demo")
    reached("signed in twice with the second factor")
    page = browser.get("/tasks/?scope=all")
    assert page.status == 200 and "Content-Security-Policy" in page.headers
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        assert HASHED.search(asset), f"{asset} is not a hashed name"
        served = browser.get(asset)
        assert served.status == 200 and served.body and "max-age=315360000" in served.headers.get(
            "Cache-Control", ""), (asset, served.status, served.headers)

    # A check-off with evidence, and the evidence downloaded again.
    task = re.search(r'/occurrences/(\d+)/', page.text).group(1)
    done = browser.post_files(f"/occurrences/{task}/complete/", {"note": "已检查"},
                              [("files", "检查记录.pdf", "application/pdf", PDF)])
    assert done.status == 200 and f"/occurrences/{task}/" in done.url, (done.status, done.text[:2000])
    evidence = re.search(r'/evidence/(\d+)/download/', done.text).group(0)
    assert browser.get(evidence).body == PDF
    assert list((shared / "evidence").rglob("*.pdf"))  # in the shared folder
    reached("checked off with evidence")

    # A PDF report: the web queues it, the worker writes it to the shared folder, the web serves it.
    exports = browser.get("/platforms/demo/exports/")
    job = browser.post("/platforms/demo/exports/new/", {"kind": "regulator_pdf", "start": exports.field("start"),
                                                          "end": exports.field("end")})
    assert re.search(r"/exports/\d+/$", job.url), (job.url, job.text[:2000])
    wait_for(lambda: 'data-state="done"' in browser.get(job.url).text, 60, "the worker to make the PDF", interval=1)
    download = browser.get(job.url.rstrip("/") + "/download/")
    assert download.status == 200 and download.body.startswith(b"%PDF")
    assert hashlib.sha256(download.body).hexdigest() == download.headers["X-Content-SHA256"]
    reached("PDF made and downloaded")

    # /healthz: 200 while beat's sweeps run; beat stopped, 503 naming the scheduler.
    wait_for(lambda: browser.answers("/healthz", 200), 30, "/healthz to answer 200", interval=0.5)
    beat.stop()
    reached("healthz 200, beat stopped")
    wait_for(lambda: browser.answers("/healthz", 503), 40, "/healthz to report the silent beat", interval=1)
    health = browser.get("/healthz")
    assert "scheduler" in health.text and "last sweep" in health.text, health.text
