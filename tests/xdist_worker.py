"""Each pytest-xdist worker (bin/test runs two) gets services of its own, set before Django reads
its settings: pytest-django already names each worker's test database apart (test_pledge_gw0, …);
this gives each its own Redis database (so a real Celery worker started by one worker's test never
takes a task another worker's test queued, nor does a cache.clear() reach across) and its own
PLEDGE_VAR_DIR (the audit anchor, exports). Loaded by pytest.ini's `-p tests.xdist_worker`."""

import os
import re

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, … (set before plugins load)

if WORKER:
    index = int(WORKER.removeprefix("gw"))
    url = os.environ.get("REDIS_URL", "")
    match = re.fullmatch(r"(redis://[^/]+)/(\d+)", url)
    if match:  # the given database for gw0, the ones below it for the others (15, 14, …)
        os.environ["REDIS_URL"] = f"{match[1]}/{(int(match[2]) - index) % 16}"
    if os.environ.get("PLEDGE_VAR_DIR"):
        os.environ["PLEDGE_VAR_DIR"] = os.path.join(os.environ["PLEDGE_VAR_DIR"], WORKER)
