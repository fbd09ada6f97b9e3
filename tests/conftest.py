import importlib
import os
import socket
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from hypothesis import settings as hypothesis_settings

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Membership, Platform, Role
from obligations.trust.db_roles import connected_as_owner
from tests import dbroles

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


def make_platform():
    return Platform.objects.create(slug="alpha", name="Alpha 平台")


def make_officer(platform):
    return make_user("alice", platform, Role.OFFICER)


def make_staff(platform):
    return make_user("bob", platform, Role.STAFF)


def sign_demo_letter(platform, officer):
    letter = letter_create(platform=platform, values=demo_values(SIGNED_AT.date()), user=officer, now=SIGNED_AT)
    # The tests built on it count the day's tasks from the day of signing.
    return letter_sign(letter=letter, user=officer, now=SIGNED_AT, first_period=Letter.FirstPeriod.CURRENT)


@pytest.fixture
def platform(db):
    return make_platform()


@pytest.fixture
def officer(platform):
    return make_officer(platform)


@pytest.fixture
def staff(platform):
    return make_staff(platform)


@pytest.fixture
def signed_letter(platform, officer):
    return sign_demo_letter(platform, officer)


def anchor_as_committed():
    """A test's transaction never commits, so its records never anchor the chain (and a chain
    with records and no anchor fails verification): anchor them as their commits would have,
    the first starting the anchor, the last moving it to the head."""
    from obligations.models import AuditEvent
    from obligations.trust.audit import anchor_advance

    records = AuditEvent.objects.order_by("id").values_list("id", "hash")
    first, last = records.first(), records.last()
    if first:
        anchor_advance(*first, after=(None, None))
        anchor_advance(*last, after=first)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _no_real_chat_services(settings):
    """No test reaches WeCom, DingTalk, Feishu or an SMS service: their requests go to a local
    port nobody listens on (refused at once), unless a test points them at its receiver."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings.PLEDGE_CHANNEL_API_BASE = f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    """Each test stores evidence and anchors the audit chain in its own folder (Django
    resets the storages on change), and hashes passwords fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)  # a request of an earlier test may have switched it
    settings.PLEDGE_AUDIT_ANCHOR = tmp_path / "audit-anchor.json"
    for name, value in evidence_settings(settings, tmp_path / "evidence").items():
        setattr(settings, name, value)


def evidence_settings(settings, folder) -> dict:
    """The settings that keep evidence in `folder`."""
    return {"EVIDENCE_ROOT": folder, "STORAGES": {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder)}}}}


@contextmanager
def rows_for_the_class(django_db_blocker, evidence_folder):
    """Rows made once for a class of tests, as Django's setUpTestData makes them: inside a
    transaction that stays open while the class runs and is rolled back after it. Each test
    runs in a savepoint of it (pytest-django's `db`), so what a test writes is undone before
    the next. Evidence goes to `evidence_folder`, which the class's tests use too. Never
    around a transactional test (`django_db(transaction=True)`), which needs commits."""
    from django.conf import settings
    from django.test import override_settings
    from django.utils import translation

    with (django_db_blocker.unblock(), override_settings(**evidence_settings(settings, evidence_folder)),
          pytest.MonkeyPatch.context() as monkeypatch):
        keep_one_closing_report(monkeypatch)  # as for the tests (_closing_report_rendered_once)
        translation.activate(settings.LANGUAGE_CODE)
        outer = transaction.atomic()
        outer._from_testcase = True  # durable blocks inside it work as they do in a test
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


_CLOSING_REPORT: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def _closing_report_rendered_once(request, monkeypatch):
    """Closing a review lays out its whole report (WeasyPrint, every exception of the quarter
    a table row: 5 to 15 s for the quarter of tests/oversight/conftest.py) and keeps it as the
    四.1 task's evidence. Most tests that close a review read its seal, its figures or the task,
    not that file: they keep the first report this process rendered, a real one. Tests that
    read the closing report itself are marked `closing_report` and render their own; the
    reports' contents are tested from report_documents.review_pdf, which is never replaced."""
    if not request.node.get_closest_marker("closing_report"):
        keep_one_closing_report(monkeypatch)


def keep_one_closing_report(monkeypatch):
    from obligations.oversight import reviews

    render = reviews.review_pdf

    def rendered_once(snapshot, progress=None):
        if "pdf" not in _CLOSING_REPORT:
            _CLOSING_REPORT["pdf"] = render(snapshot, progress)
        return _CLOSING_REPORT["pdf"]

    monkeypatch.setattr(reviews, "review_pdf", rendered_once)


_force_login = Client.force_login


def force_login_past_second_factor(self, user, backend=None):
    """`client.force_login` skips the password; here it skips the second factor too: the
    session counts as verified by an (empty) device, so pages that officers, supervisors
    and admin users see after their code work at once. Tests of the second factor itself
    sign in with `client.login` or through the pages (tests/trust/test_second_factor.py,
    tests/views/test_signin_pages.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    _force_login(self, user, backend)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test-force-login", defaults={"confirmed": True})
    session = self.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


Client.force_login = force_login_past_second_factor


def clear_signin_counters():
    """Forget the password-reset counters (trust/lockout.py) in the cache, locmem or Redis
    (a test that breaks the cache on purpose leaves nothing to forget)."""
    import redis

    pattern = cache.make_key("pledge-signin:*")
    try:
        if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # Redis
            client = cache._cache.get_client(None, write=True)
            keys = list(client.scan_iter(match=pattern))
            if keys:
                client.delete(*keys)
        else:  # local memory
            for key in [k for k in list(getattr(cache, "_cache", {})) if k.startswith(pattern[:-1])]:
                cache._cache.pop(key, None)
    except (redis.RedisError, OSError):
        pass


@pytest.fixture(autouse=True)
def _fresh_signin_counters():
    clear_signin_counters()
    yield
    clear_signin_counters()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The tables' owner (DATABASE_OWNER_URL) makes, migrates and at the end drops the test
    database; migrate grants the app's role, which the tests then connect as (tests/dbroles.py).
    Yields the app role's credentials."""
    runtime = dbroles.credentials()
    dbroles.runtime_role_ensure(password=runtime["PASSWORD"])
    with connected_as_owner(connection):
        yield runtime


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_modify_db_settings):
    owner = dbroles.credentials()
    dbroles.use(django_db_modify_db_settings)
    yield
    dbroles.use(owner)


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_the_append_only_guard():
    """Between transactional tests Django empties the test database (TRUNCATE on
    PostgreSQL, DELETE on SQLite), which the triggers of migrations 0008 and 0014 refuse.
    For that one flush the owner drops and puts them back, in the same transaction (the
    app's role may neither drop triggers nor TRUNCATE)."""
    from django.apps import apps

    guard = importlib.import_module("obligations.migrations.0008_append_only")
    states = importlib.import_module("obligations.migrations.0025_guard_skips_untouched")  # 0014, narrowed
    ops = type(connection.ops)
    flush = ops.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with connected_as_owner(self.connection), transaction.atomic(using=self.connection.alias):
            guard.uninstall(self.connection)
            states.uninstall(self.connection)
            flush(self, sql_list)
            guard.install(self.connection, apps.get_model("obligations", "Completion"))
            states.install(self.connection)

    patch = pytest.MonkeyPatch()
    patch.setattr(ops, "execute_sql_flush", execute_sql_flush)
    yield
    patch.undo()
