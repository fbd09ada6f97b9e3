"""Redis down: the public complaint and status pages keep working. PostgreSQL down: a
Chinese 503 "请稍后重试" page instead of Django's English 500. PostgreSQL dropping the
connections (a restart, simulated with pg_terminate_backend): the web process recovers
on the next request, with CONN_HEALTH_CHECKS."""

import time

import psycopg2
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from obligations.models import Case
from tests.conftest import make_user

pytestmark = pytest.mark.postgres
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def public(signed_letter):
    platform = signed_letter.platform
    platform.public_intake = True
    platform.save()
    return platform


def test_redis_down_the_public_complaint_and_status_pages_keep_working(settings, public):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}
    settings.CELERY_BROKER_URL = CLOSED
    client = Client()
    t = time.monotonic()
    url = reverse("public-complaint", args=[public.slug])
    page = client.get(url)
    assert page.status_code == 200
    done = client.post(url, {"submission": page.context["form"]["submission"].value(),
                             "reporter_contact": "13800000000", "description": "无法退款", "consent": "on"})
    case = Case.objects.get()
    assert done.status_code == 200 and case.public_ref in done.content.decode()
    status = client.post(reverse("public-status", args=[public.slug]),
                         {"number": case.public_ref, "contact": "13800000000"})
    assert status.status_code == 200 and "处理中" in status.content.decode()
    print(f"\n[redis down] complaint page, submission and status lookup answered in {time.monotonic() - t:.2f} s; "
          f"1 case, 0 errors")


def _terminate(dbname):
    """pg_terminate_backend of every connection to the test database (as a restart would)."""
    s = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=s["USER"], host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432,
                             password=s["PASSWORD"] or None)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                       "AND pid <> pg_backend_pid()", [dbname])
        killed = cursor.fetchone()[0]
    admin.close()
    return killed


def _wsgi_get(path):
    """A request through Django's own WSGI handler, as gunicorn makes it: request_started
    runs close_old_connections (the test client skips it)."""
    statuses = []
    body = WSGIHandler()(RequestFactory().get(path).environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    body.close()
    return int(statuses[0].split()[0])


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_postgres_dropping_the_connections_the_web_process_recovers(public):
    """The web process keeps its connection between requests (CONN_MAX_AGE 600, as a
    deployment does); PostgreSQL drops it; the next request still answers 200."""
    path = reverse("public-status", args=[public.slug])
    before = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.close()
    try:
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
        assert _wsgi_get(path) == 200
        pid = _backend_pid()
        killed = _terminate(connection.settings_dict["NAME"])
        t = time.monotonic()
        status = _wsgi_get(path)
        recovered = time.monotonic() - t
        new_pid = _backend_pid()
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = before
        connection.close()
    print(f"\n[postgres connections dropped] {killed} server connection(s) terminated (pid {pid}); the next "
          f"request answered {status} on a new connection (pid {new_pid}) in {recovered * 1000:.0f} ms, "
          "without a human")
    assert killed >= 1 and status == 200 and new_pid != pid


@pytest.mark.django_db(transaction=True)
def test_postgres_down_a_chinese_503_page(public):
    officer = make_user("chief", public, "officer")
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(officer)
    anonymous = Client(raise_request_exception=False)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: the database is "down"
    try:
        pages = {
            "public status page": anonymous.get(reverse("public-status", args=[public.slug])),
            "dashboard (session and user from the database)": signed_in.get(reverse("dashboard", args=[public.slug])),
            "complaint POST": anonymous.post(reverse("public-complaint", args=[public.slug]), {"description": "x"}),
        }
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    for what, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 503, what
        assert "请稍后重试" in html and "Server Error" not in html, what
        assert response["Retry-After"] == "30" and "Content-Security-Policy" in response, what
        # Only a POST submitted something that was lost; a GET is told to retry, nothing more.
        assert ("您刚才提交的内容没有保存" in html) == what.endswith("POST"), what
    assert Case.objects.count() == 0
    print(f"\n[postgres down] {len(pages)} pages answered 503 请稍后重试: " + ", ".join(pages))
