"""Benchmark: check-offs per second through the API (`POST /api/v1/occurrences/<id>/complete/`, a bearer
token, multipart with a note and one PDF) against the browser's form path (`POST /occurrences/<id>/complete/`
with its session cookie and CSRF token, the same note and file), over real HTTP to one server in this process
(Django's threaded WSGI server on an ephemeral port), in one run. Each check-off completes a task of 三.2 that
is still to do (the demo letter signed --days ago, its past checks missed: each is done late, as either path
allows), stores the file with its SHA-256 and writes its audit records. The rounds alternate the two paths, so
a busy moment of the shared machine falls on both; the figures are the medians of the rounds.

    .venv/bin/python bench/api.py [--per-round 40] [--rounds 5]
        (PostgreSQL: DATABASE_URL, default pledge_bench; the database is dropped and made again)
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

os.environ.setdefault("PLEDGE_API_RATE", "1000000")  # the bench measures the work, not the rate limit
from common import pg_settings_line, platforms, setup_database  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--per-round", type=int, default=40, help="check-offs per path and round")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--days", type=int, default=200, help="days of the letter's history (3 tasks of 三.2 a day)")
args = parser.parse_args()
setup_database()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import Completion, Evidence, Membership, Occurrence, Platform, Role  # noqa: E402
from obligations.tasks import run_sweeps  # noqa: E402
from obligations.trust.api_tokens import token_create  # noqa: E402

NOW = timezone.now()
REPORT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% scan: 0 findings\n"
NOTE = "每日安全检查:无异常"


class Quiet(WSGIRequestHandler):
    def setup(self):
        super().setup()
        # As gunicorn's sockets are (TCP_NODELAY): wsgiref writes a response's headers and its body apart, and
        # Nagle's algorithm would hold the body back for the client's delayed ACK, which a 302 without a body
        # never meets (the API measured 0.84x of the form path so, 0.98x with it).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass


SERVED = {"api": [], "form": []}  # seconds inside Django per check-off, by path


def timed(app):
    """The app, each check-off's time inside it noted (the response's body included): what is the server's."""
    def wrapped(environ, start_response):
        t = time.perf_counter()
        body = b"".join(app(environ, start_response))
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/complete/"):
            SERVED["api" if environ["PATH_INFO"].startswith("/api/") else "form"].append(time.perf_counter() - t)
        return [body]
    return wrapped


def serve():
    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(timed(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def multipart(fields):
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="scan.pdf"\r\n'
             f"Content-Type: application/pdf\r\n\r\n").encode() + REPORT + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the check-off's answer is its 302; the page it leads to is another request


def browser(base, username, password):
    """A signed-in browser: its session cookie and CSRF token, got through the sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    try:
        opener.open(urllib.request.Request(base + "/accounts/login/", data=form, headers={"Referer": base + "/"}))
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.code  # signed in, sent on
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    return opener, csrf


def by_form(base, opener, csrf, pk):
    body, kind = multipart({"note": NOTE, "csrfmiddlewaretoken": csrf})
    request = urllib.request.Request(f"{base}/occurrences/{pk}/complete/", data=body, method="POST",
                                     headers={"Content-Type": kind, "Referer": base + "/", "X-CSRFToken": csrf})
    try:
        opener.open(request)
        raise AssertionError("the check-off answered without its redirect")
    except urllib.error.HTTPError as exc:
        assert exc.code == 302 and f"/occurrences/{pk}/" in exc.headers["Location"], exc.code


def by_api(base, secret, pk):
    body, kind = multipart({"note": NOTE})
    request = urllib.request.Request(f"{base}/api/v1/occurrences/{pk}/complete/", data=body, method="POST",
                                     headers={"Content-Type": kind, "Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201, response.status


def rate(fn, tasks):
    start = time.perf_counter()
    for pk in tasks:
        fn(pk)
    return len(tasks) / (time.perf_counter() - start)


def main():
    signed = NOW - timedelta(days=args.days)
    t = time.perf_counter()
    platforms(1, signed)
    run_sweeps(now=NOW)
    platform = Platform.objects.get(slug="p00000")
    officer = Membership.objects.get(platform=platform, role=Role.OFFICER).user
    staff = Membership.objects.get(platform=platform, role=Role.STAFF).user
    password = "bench-" + uuid.uuid4().hex
    staff.set_password(password)
    staff.save()
    _token, secret = token_create(platform=platform, user=officer, name="bench", scopes=["complete"],
                                  expires_at=NOW + timedelta(days=1), now=NOW)
    todo = list(Occurrence.objects.filter(platform=platform, obligation__key="三.2", opens_at__lte=NOW,
                                          state__in=Occurrence.TODO_STATES).order_by("due_at").values_list("pk", flat=True))
    need = 2 * args.per_round * (args.rounds + 1)
    if len(todo) < need:
        raise SystemExit(f"{len(todo)} tasks to do, {need} needed: raise --days")
    print(f"setup: 1 platform, {Occurrence.objects.count():,} tasks ({len(todo)} of 三.2 to do) "
          f"in {time.perf_counter() - t:.1f} s")
    server, base = serve()
    opener, csrf = browser(base, staff.get_username(), password)
    form_path = lambda pk: by_form(base, opener, csrf, pk)  # noqa: E731
    api_path = lambda pk: by_api(base, secret, pk)  # noqa: E731
    chunks = iter([todo[i:i + args.per_round] for i in range(0, need, args.per_round)])
    rate(form_path, next(chunks)), rate(api_path, next(chunks))  # warm up: the first requests import and connect
    SERVED["api"].clear(), SERVED["form"].clear()
    forms, apis = [], []
    for r in range(args.rounds):
        pair = [(forms, form_path), (apis, api_path)] if r % 2 == 0 else [(apis, api_path), (forms, form_path)]
        for figures, path in pair:
            figures.append(rate(path, next(chunks)))
    server.shutdown()
    done = Completion.objects.filter(occurrence__platform=platform).count()
    assert done == need and Evidence.objects.filter(platform=platform).values("sha256").distinct().count() == 1
    form_rate, api_rate = statistics.median(forms), statistics.median(apis)
    print(f"PostgreSQL: {pg_settings_line()}")
    print(f"{done} check-offs, each with one file, {args.rounds} rounds of {args.per_round} per path "
          f"(after {args.per_round} each to warm up), one server, sequential requests over HTTP")
    print(f"  browser's form path (session + CSRF, 302): {form_rate:.1f} check-offs/s "
          f"(rounds: {', '.join(f'{x:.1f}' for x in forms)})")
    print(f"  API (bearer token, 201 + JSON):            {api_rate:.1f} check-offs/s "
          f"(rounds: {', '.join(f'{x:.1f}' for x in apis)})")
    print(f"  ratio API / browser's form path: {api_rate / form_rate:.2f}x")
    form_ms, api_ms = (statistics.median(SERVED[k]) * 1000 for k in ("form", "api"))
    print(f"  inside Django, median per check-off: form path {form_ms:.1f} ms, API {api_ms:.1f} ms "
          f"(ratio of their rates {form_ms / api_ms:.2f}x); the rest is HTTP and the client")


main()
