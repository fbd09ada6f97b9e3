import importlib
import os
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from hypothesis import settings as hypothesis_settings

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Membership, Platform, Role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Property tests check behaviour, not speed: on a loaded 2-core CI machine a case may
# take longer than hypothesis' 200 ms deadline and be reported as flaky.
hypothesis_settings.register_profile("pledge", deadline=None)
hypothesis_settings.load_profile("pledge")
SIGNED_AT = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, a Monday


def _service_missing(reason):
    # In CI a missing service is a failure, never a skip.
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _service_missing("this test needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis"):
        import redis

        url = os.environ.get("REDIS_URL")
        try:
            if not url:
                raise redis.ConnectionError("REDIS_URL is not set")
            redis.Redis.from_url(url).ping()
        except redis.RedisError as exc:
            _service_missing(f"this test needs Redis: {exc}")


def make_user(username, platform=None, role=None):
    user = get_user_model().objects.create_user(username, password="pw-" + username)
    if platform:
        Membership.objects.create(user=user, platform=platform, role=role)
    return user


@pytest.fixture
def platform(db):
    return Platform.objects.create(slug="alpha", name="Alpha 平台")


@pytest.fixture
def officer(platform):
    return make_user("alice", platform, Role.OFFICER)


@pytest.fixture
def staff(platform):
    return make_user("bob", platform, Role.STAFF)


@pytest.fixture
def signed_letter(platform, officer):
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    return letter_sign(letter=letter, user=officer, now=SIGNED_AT)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    """Each test stores evidence and anchors the audit chain in its own folder (Django
    resets the storages on change), and hashes passwords fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)  # a request of an earlier test may have switched it
    settings.PLEDGE_AUDIT_ANCHOR = tmp_path / "audit-anchor.json"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "evidence")}}}


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_the_append_only_guard():
    """Between transactional tests Django empties the test database (TRUNCATE on
    PostgreSQL, DELETE on SQLite), which the triggers of migration 0008 refuse. For that
    one flush they are dropped and put back, in the same transaction."""
    from django.apps import apps

    guard = importlib.import_module("obligations.migrations.0008_append_only")
    ops = type(connection.ops)
    flush = ops.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias):
            guard.uninstall(self.connection)
            flush(self, sql_list)
            guard.install(self.connection, apps.get_model("obligations", "Completion"))

    patch = pytest.MonkeyPatch()
    patch.setattr(ops, "execute_sql_flush", execute_sql_flush)
    yield
    patch.undo()
