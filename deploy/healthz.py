"""Container health check: GET /healthz as the proxy would send it (the first allowed host, over TLS by
X-Forwarded-Proto), so ALLOWED_HOSTS and the HTTPS redirect answer as for people. Exit 0 on 200."""

import os
import sys
import urllib.request

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # a 503 names what is wrong: show it in `docker compose ps`/inspect
    print(exc, getattr(exc, "read", lambda: b"")()[:500], file=sys.stderr)
    sys.exit(1)
