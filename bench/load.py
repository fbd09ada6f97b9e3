"""Load: 50 users (an officer and a staff member of each of 25 platforms) on gunicorn with 4
workers, PostgreSQL and Redis, over loopback, while the sweeps run every second in a process of their
own (as a Celery worker runs them, sixty times as often as beat's one-minute ticks):

1. mixed, for --duration seconds (60): each user opens /tasks/, checks off one of the tasks
   it lists (a multipart POST to its completion URL with the CSRF token, a note and a small
   PDF, as the page's htmx form sends it), and every other round opens / (the dashboard for
   an officer, a redirect to /tasks/ for staff);
2. check-off only, as long: each user checks off the tasks of its list back to back (the list
   and its groups' pages are read before the phase, enough for it), reading /tasks/ again
   if it runs out, and stopping when that finds nothing new;
3. a bare Django view (bench/load_urls.py: the same server, middleware, session and login,
   no query of its own, no template), as long.

It prints requests per second, p50, p95, p99 and errors per request kind and phase, the CPU
a request of the gunicorn workers, of PostgreSQL's backends and of the whole machine, the
check-off throughput as a ratio of the bare view's (goal: at least half), and then, by SQL:
duplicate occurrences by identity, duplicate completions per occurrence, and completions
the client was shown as done that are missing (or lack their evidence file).

Two users of a platform may pick the same task: the second is told it is done already
(a 200 with the notice, counted apart, not an error). An error is a connection failure, a
status other than 200 (or the staff's redirect from /), or a check-off refused for any
other reason.

    .venv/bin/python bench/load.py [--duration 60] [--users 50] [--workers 4] [--sweep-every 1]
        (PostgreSQL: DATABASE_URL, default pledge_bench, dropped and made again;
         Redis: REDIS_URL, default redis://127.0.0.1:6379/0; a free port on 127.0.0.1)
"""

import argparse
import html
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from common import ROOT, make_platforms, pg_settings_line, setup_database

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--duration", type=float, default=60, help="seconds of each phase (default 60)")
parser.add_argument("--users", type=int, default=50, help="an officer and a staff member per platform (default 50)")
parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
parser.add_argument("--sweep-every", type=float, default=1.0,
                    help="seconds between two sweeps (default 1: sixty times beat's one-minute tick)")
parser.add_argument("--history-days", type=int, default=40,
                    help="days since the letters were signed: the missed tasks users can still check off")
args = parser.parse_args()

VAR = Path(tempfile.mkdtemp(prefix="pledge-load-"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["PLEDGE_VAR_DIR"] = str(VAR)
os.environ["PLEDGE_EVIDENCE_ROOT"] = str(VAR / "evidence")
setup_database()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from obligations.models import Completion, Evidence, Membership, Occurrence, Platform, Role  # noqa: E402
from obligations.models.evidence import evidence_storage  # noqa: E402
from obligations.tasks import run_sweeps  # noqa: E402
from obligations.trust.second_factor import must_use  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COMPLETE = re.compile(r"/occurrences/(\d+)/complete/")
MORE = re.compile(r'class="section-more" href="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALREADY_DONE = "无需重复提交"  # the notice when the other user of the platform was first


# --- data ---------------------------------------------------------------------------------

def populate():
    """Platforms whose letters were signed --history-days ago, swept: open tasks today and
    the missed ones of the last weeks, which can still be checked off (late)."""
    now = timezone.now()
    count = max(1, args.users // 2)
    make_platforms(0, count, now - timedelta(days=args.history_days))
    User = get_user_model()
    users = []
    for platform in Platform.objects.order_by("pk"):
        if not Membership.objects.filter(platform=platform, role=Role.STAFF).exists():
            staff = User.objects.create(username=f"staff{platform.slug[1:]}")
            Membership.objects.create(user=staff, platform=platform, role=Role.STAFF)
        users += [Membership.objects.filter(platform=platform, role=role).order_by("pk").first().user
                  for role in (Role.OFFICER, Role.STAFF)]
    result = run_sweeps(now=now)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return users[: args.users], result


def session_for(user):
    """A logged-in session, as the login and code pages would leave it (the bench measures the
    pages, not the password hash)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if must_use(user):  # an officer's session has passed the second factor, as after the code page
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session.session_key


# --- server and sweeps --------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env():
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "load_settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")])}


def start_server(port):
    log = VAR / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "compliance.wsgi:application", "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--no-control-socket", "--error-logfile", str(log), "--log-level", "warning"],
        cwd=ROOT, env=server_env(), start_new_session=True)
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return process, log
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log.read_text()}")
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in 60 s")


def workers_cpu(server):
    """CPU seconds the gunicorn workers have used (the master's children; PostgreSQL not counted)."""
    total = 0.0
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    return total


def postmaster_pid():
    """The PostgreSQL server's main process (the parent of this connection's backend), when it
    runs on this machine; else None."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def reaped_cpu(pid):
    """CPU seconds of `pid`'s children that have exited: for the postmaster, the backends of
    the connections closed so far (with CONN_MAX_AGE 0, one a request)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """CPU seconds the whole machine has been busy (every process; idle, I/O wait and steal not counted)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


SWEEPER = """
import sys, time, django
django.setup()
from django.db import close_old_connections
from django.utils import timezone
from obligations.tasks import run_sweeps
answer, sys.stdout = sys.stdout, sys.stderr  # what the sweep prints stays out of the answers
while sys.stdin.readline():  # a line from the bench: sweep once more
    time.sleep(float(sys.argv[1]))
    close_old_connections()  # as a worker does between tasks: a broken connection is replaced
    try:
        run_sweeps(now=timezone.now())
        print("ok", file=answer, flush=True)
    except Exception as exc:  # reported, and the loop goes on as a worker's would
        print("failed", repr(exc).replace("\\n", " "), file=answer, flush=True)
"""


class SweepLoop(threading.Thread):
    """The composite sweep (`run_sweeps`, as `manage.py sweep` and beat's tasks call it) every
    --sweep-every seconds, in one long-lived process of its own, as a Celery worker is: far
    more often than beat's one-minute ticks, and without paying for a new interpreter each time."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop, self.runs, self.failures, self.last_error = threading.Event(), 0, 0, ""

    def run(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "compliance.settings", "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen([sys.executable, "-c", SWEEPER, str(args.sweep_every)], cwd=ROOT, env=env, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=open(VAR / "sweeps.log", "w"))  # noqa: SIM115 - closed with the process
        try:
            while not self.stop.is_set():
                process.stdin.write("sweep\n")
                process.stdin.flush()
                answer = process.stdout.readline()
                if not answer:
                    self.failures += 1
                    self.last_error = "the sweep process exited: " + (VAR / "sweeps.log").read_text()[-2000:]
                    return
                self.runs += 1
                if not answer.startswith("ok"):
                    self.failures += 1
                    self.last_error = answer.strip()
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the users ----------------------------------------------------------------------------

class Browser:
    def __init__(self, port, user, session):
        self.port, self.user = port, user
        self.cookies = {"sessionid": session}
        self.token = None
        self.tried = set()
        self.more = []  # the list's links to each group's own pages

    def request(self, method, path, body=None, headers=None):
        """(status, location, text, seconds); status 0 for a connection failure."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        t = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=h)
            response = conn.getresponse()
            data = response.read()
        except OSError as exc:
            return 0, "", repr(exc), time.perf_counter() - t
        finally:
            conn.close()
        seconds = time.perf_counter() - t
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value:
                self.cookies[name.strip()] = value.strip()
        return response.status, response.headers.get("Location", ""), data.decode("utf-8", "replace"), seconds

    def tasks(self, record, kind="GET /tasks/", path="/tasks/"):
        status, _, text, seconds = self.request("GET", path)
        record(kind, seconds, status == 200, status)
        if status == 200:
            if match := TOKEN.search(text):
                self.token = match.group(1)
            self.more = MORE.findall(text)
            return [int(pk) for pk in dict.fromkeys(COMPLETE.findall(text)) if int(pk) not in self.tried]
        return []

    def many_tasks(self, enough):
        """The list, then each group's own pages (the page's "查看全部" links), until `enough`
        tasks to check off are known: read before a phase, not timed."""
        found = dict.fromkeys(self.tasks(lambda *a: None))
        for link in list(self.more):
            page = 1
            while len(found) < enough:
                more = self.tasks(lambda *a: None, path="/tasks/" + html.unescape(link) + f"&page={page}")
                if not set(more) - found.keys():  # past the last page the paginator repeats the last
                    break
                found.update(dict.fromkeys(more))
                page += 1
        return list(found)

    def home(self, record):
        status, location, _, seconds = self.request("GET", "/")
        ok = status == 200 or (status == 302 and location.endswith("/tasks/"))
        record("GET /", seconds, ok, status)

    def check_off(self, pk, record, confirmed):
        self.tried.add(pk)
        token = self.cookies.get("csrftoken") or self.token or ""
        boundary = uuid.uuid4().hex
        body = b"".join([
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nload test\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="evidence.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode(), PDF, b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ])
        status, _, text, seconds = self.request("POST", f"/occurrences/{pk}/complete/", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token, "HX-Request": "true"})
        if status == 200 and ALREADY_DONE in text:
            outcome = "already done by the other user"
        elif status == 200 and 'data-state="done' in text and 'role="alert"' not in text:
            outcome = "done"
            confirmed.append((pk, self.user.username))
        else:
            outcome = "error"
        record("POST check-off", seconds, outcome != "error", status, outcome)


class Recorder:
    def __init__(self):
        self.samples = defaultdict(list)  # kind -> [(seconds, ok)]
        self.statuses = Counter()
        self.outcomes = Counter()
        self.lock = threading.Lock()

    def __call__(self, kind, seconds, ok, status, outcome=None):
        with self.lock:
            self.samples[kind].append((seconds, ok))
            if not ok:
                self.statuses[(kind, status)] += 1
            if outcome:
                self.outcomes[outcome] += 1


def run_phase(browsers, body):
    recorder, confirmed = Recorder(), []
    deadline = time.perf_counter() + args.duration
    threads = [threading.Thread(target=body, args=(b, recorder, confirmed, deadline)) for b in browsers]
    started, cpu, pg, machine = time.perf_counter(), workers_cpu(server), reaped_cpu(POSTMASTER), machine_cpu()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after, pg_after = workers_cpu(server), reaped_cpu(POSTMASTER)
    recorder.machine_cpu = machine_cpu() - machine
    recorder.server_cpu = after - cpu if None not in (cpu, after) else None
    recorder.pg_cpu = pg_after - pg if None not in (pg, pg_after) else None
    return recorder, confirmed, time.perf_counter() - started


def mixed(browser, record, confirmed, deadline):
    rounds = 0
    while time.perf_counter() < deadline:
        candidates = browser.tasks(record)
        if candidates and time.perf_counter() < deadline:
            browser.check_off(random.choice(candidates), record, confirmed)
        rounds += 1
        if rounds % 2 == 0 and time.perf_counter() < deadline:
            browser.home(record)


def check_offs(browser, record, confirmed, deadline):
    """The list was read before the phase (an officer's /tasks/ is a heavy page): only
    check-offs, unless a user runs out."""
    queue = browser.queue
    while time.perf_counter() < deadline:
        if not queue:
            queue = browser.tasks(record, kind="GET /tasks/ (refill)")
            random.shuffle(queue)
            if not queue:
                return  # this user has nothing left to check off
        browser.check_off(queue.pop(), record, confirmed)


def bare(browser, record, confirmed, deadline):
    while time.perf_counter() < deadline:
        status, _, _, seconds = browser.request("GET", "/bench/bare/")
        record("GET bare view", seconds, status == 200, status)


# --- figures ------------------------------------------------------------------------------

def line(label, samples, elapsed):
    times = sorted(s for s, _ in samples)
    errors = sum(1 for _, ok in samples if not ok)
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return (f"  {label:<24} {len(samples):>6} requests {len(samples) / elapsed:7.1f}/s   "
            f"p50 {q[49] * 1000:6.0f} ms  p95 {q[94] * 1000:6.0f} ms  p99 {q[98] * 1000:6.0f} ms   errors {errors}")


def report(title, recorder, elapsed, sweeps_before, sweeps):
    print(f"{title} ({elapsed:.0f} s, {args.users} users; sweeps run meanwhile: {sweeps.runs - sweeps_before}):")
    everything = []
    for kind, samples in sorted(recorder.samples.items()):
        print(line(kind, samples, elapsed))
        everything += samples
    if len(recorder.samples) > 1:
        print(line("all", everything, elapsed))
    if recorder.outcomes:
        print("  check-offs: " + ", ".join(f"{n} {what}" for what, n in recorder.outcomes.most_common()))
    n = sum(len(v) for v in recorder.samples.values())
    if recorder.server_cpu is not None:
        print(f"  gunicorn workers' CPU: {recorder.server_cpu:.1f} s = {recorder.server_cpu / n * 1000:.1f} ms a request "
              "(PostgreSQL's not counted)")
    if recorder.pg_cpu is not None and not connection.settings_dict["CONN_MAX_AGE"]:
        print(f"  PostgreSQL's backends' CPU (one connection a request): {recorder.pg_cpu:.1f} s = "
              f"{recorder.pg_cpu / n * 1000:.1f} ms a request")
    print(f"  the whole machine's CPU (server, database, sweeps, this generator): {recorder.machine_cpu:.1f} s = "
          f"{recorder.machine_cpu / n * 1000:.1f} ms a request, of {os.cpu_count() * elapsed:.0f} s available")
    if recorder.statuses:
        print("  errors by status: " + ", ".join(f"{kind} {status or 'no response'}: {n}"
                                                for (kind, status), n in recorder.statuses.most_common()))


def rate(recorder, kind, elapsed):
    return len(recorder.samples.get(kind, [])) / elapsed


def integrity(confirmed):
    """By SQL, after the run."""
    duplicate_occurrences = (Occurrence.objects.filter(case__isnull=True)
                             .values("obligation", "period_start", "sequence").annotate(n=Count("id"))
                             .filter(n__gt=1).count())
    duplicate_completions = (Completion.objects.values("occurrence").annotate(n=Count("id")).filter(n__gt=1).count())
    stored = set(Completion.objects.filter(reopened_at__isnull=True, occurrence_id__in=[pk for pk, _ in confirmed])
                 .values_list("occurrence_id", "user__username"))
    states = dict(Occurrence.objects.filter(pk__in=[pk for pk, _ in confirmed]).values_list("pk", "state"))
    missing = [(pk, who) for pk, who in confirmed if (pk, who) not in stored or states.get(pk) not in ("done", "done_late")]
    twice = sum(1 for n in Counter(pk for pk, _ in confirmed).values() if n > 1)
    without_file = (Completion.objects.filter(occurrence_id__in=[pk for pk, _ in confirmed])
                    .annotate(files=Count("evidence")).filter(files=0).count())
    storage = evidence_storage()
    files_missing = sum(1 for name in Evidence.objects.filter(occurrence_id__in=[pk for pk, _ in confirmed])
                        .values_list("file", flat=True) if not storage.exists(name))
    print("by SQL afterwards:")
    print(f"  duplicate occurrences by identity (obligation, period start, sequence): {duplicate_occurrences}")
    print(f"  occurrences with more than one completion: {duplicate_completions}; "
          f"check-offs shown as done to two users: {twice}")
    print(f"  check-offs shown as done ({len(confirmed)}) whose completion is missing: {len(missing)}; "
          f"without an evidence row: {without_file}; evidence files missing on disk: {files_missing}")


# --- the run ------------------------------------------------------------------------------

t = time.perf_counter()
users, swept = populate()
sessions = {u.pk: session_for(u) for u in users}
open_now = Occurrence.objects.filter(state__in=Occurrence.TODO_STATES, opens_at__lte=timezone.now()).count()
print(f"setup: {Platform.objects.count()} platforms, {len(users)} users, {Occurrence.objects.count():,} occurrences "
      f"({open_now:,} open or missed to check off; the first sweep created {swept['created']:,}) "
      f"in {time.perf_counter() - t:.0f} s")
print(f"PostgreSQL: {pg_settings_line()}; CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}; "
      f"Redis: {os.environ['REDIS_URL']}; {os.cpu_count()} CPUs, shared with this load generator")
POSTMASTER = postmaster_pid()
connection.close()

port = free_port()
server, server_log = start_server(port)
sweeps = SweepLoop()
try:
    print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}")
    browsers = [Browser(port, u, sessions[u.pk]) for u in users]
    for b in browsers:  # warm the workers and take the CSRF cookie; not counted
        b.tasks(lambda *a: None)
        b.request("GET", "/bench/bare/")
    sweeps.start()
    cpu = time.process_time()
    before = sweeps.runs
    recorder, confirmed_mixed, elapsed = run_phase(browsers, mixed)
    report("mixed: /tasks/, / and check-offs with evidence", recorder, elapsed, before, sweeps)
    for b in browsers:  # enough for the phase: it measures check-offs, not reading the list
        b.queue = b.many_tasks(enough=max(40, int(args.duration * 2)))
        random.shuffle(b.queue)
    print(f"check-off queues read before the phase: {sum(len(b.queue) for b in browsers)} tasks")
    before = sweeps.runs
    only, confirmed_only, only_elapsed = run_phase(browsers, check_offs)
    report("check-offs only", only, only_elapsed, before, sweeps)
    before = sweeps.runs
    floor, _, floor_elapsed = run_phase(browsers, bare)
    report("bare view", floor, floor_elapsed, before, sweeps)
    client_cpu = time.process_time() - cpu
    sweeps.stop.set()
    sweeps.join()
    bare_rate = rate(floor, "GET bare view", floor_elapsed)
    check_rate = rate(only, "POST check-off", only_elapsed)
    mixed_rate = sum(len(s) for s in recorder.samples.values()) / elapsed
    print(f"ratio check-offs per second / bare view: {check_rate:.1f} / {bare_rate:.1f} = {check_rate / bare_rate:.2f} "
          f"(goal: at least 0.5); mixed requests per second / bare view: {mixed_rate / bare_rate:.2f}")
    if only.server_cpu and floor.server_cpu:
        per = {name: r.server_cpu / sum(len(v) for v in r.samples.values()) for name, r in (("only", only), ("bare", floor))}
        print(f"ratio by the workers' CPU a request (bare / check-off phase): {per['bare'] / per['only']:.2f}")
    print(f"sweeps: {sweeps.runs} runs, {sweeps.failures} failed{': ' + sweeps.last_error if sweeps.failures else ''}")
    print(f"load generator CPU: {client_cpu:.1f} s over {elapsed + only_elapsed + floor_elapsed:.0f} s "
          f"(it shares the {os.cpu_count()} CPUs with the server)")
    problems = [ln for ln in server_log.read_text().splitlines() if "Error" in ln or "Traceback" in ln]
    print(f"server log: {len(problems)} error lines" + (f", last: {problems[-1]}" if problems else ""))
    integrity(confirmed_mixed + confirmed_only)
finally:
    sweeps.stop.set()
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(VAR, ignore_errors=True)
