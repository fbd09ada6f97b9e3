"""Container health check: GET /healthz as the proxy would send it (the first allowed host, over TLS by
X-Forwarded-Proto), so ALLOWED_HOSTS and the HTTPS redirect answer as for people. Exit 0 on 200; with a
check's name (`healthz.py URL scheduler`), exit 0 when that one check is ok, whatever the others say
(beat is healthy when its sweeps run, even while a worker is down)."""

import json
import os
import sys
import urllib.error
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
check = sys.argv[2] if len(sys.argv) > 2 else None
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as exc:  # a 503 names what is wrong: show it in `docker compose ps`/inspect
    status, body = exc.code, exc.read()
except Exception as exc:  # noqa: BLE001 - no answer at all is unhealthy
    print(exc, file=sys.stderr)
    sys.exit(1)
if check is None:
    healthy = status == 200
else:
    try:
        healthy = bool(json.loads(body)["checks"][check]["ok"])
    except (ValueError, KeyError, TypeError):
        healthy = False
if not healthy:
    print(status, body[:500], file=sys.stderr)
sys.exit(0 if healthy else 1)
