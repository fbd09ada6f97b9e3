#!/usr/bin/env python3
"""Check off today's security check (承诺书 三.2) in Pledge with the scan report as its evidence.

Run by a monitoring system once its daily scan is done, e.g. from cron:

    PLEDGE_URL=https://pledge.example.cn PLEDGE_TOKEN=plg_… \\
        python3 daily_security_check.py --platform acme --report /var/scans/2026-12-07.pdf

It asks Pledge for the open tasks of obligation 三.2 that have opened, checks off the earliest with the
report (note and file, as a person would on the task's page) and prints what Pledge recorded. The token needs
the scopes "read" and "complete". Python 3.9+, standard library only.

Exit status: 0 done, 1 nothing open to check off, 2 Pledge refused (the reason is printed), 3 unreachable.
"""

import argparse
import json
import mimetypes
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

OBLIGATION = "三.2"


def call(method, url, token, *, body=None, content_type=None):
    """One request; returns (status, JSON body). Pledge answers every error as {"code", "detail"}."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Accept-Language": "zh-hans"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def multipart(fields, files):
    """multipart/form-data of text fields and (field, path) files."""
    boundary = uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, path in files:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
                   f"Content-Type: {kind}\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("PLEDGE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("PLEDGE_TOKEN"))
    parser.add_argument("--platform", required=True, help="the platform's short name (slug)")
    parser.add_argument("--report", required=True, type=Path, help="the scan report (PDF, text, …)")
    parser.add_argument("--note", default="每日安全检查:监控系统自动扫描,报告见附件。")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set PLEDGE_TOKEN")
    api = args.url.rstrip("/") + "/api/v1"
    now = datetime.now(timezone.utc)
    query = urllib.parse.urlencode({"obligation": OBLIGATION, "state": "open",
                                    "due_from": (now - timedelta(days=1)).date().isoformat()})
    try:
        status, page = call("GET", f"{api}/platforms/{args.platform}/occurrences/?{query}", args.token)
        if status != 200:
            print(f"Pledge refused the list ({status}): {page['detail']}", file=sys.stderr)
            return 2
        opened = [t for t in page["results"] if datetime.fromisoformat(t["opens_at"]) <= now]
        if not opened:
            print(f"no open task of {OBLIGATION} to check off now")
            return 1
        task = opened[0]  # the earliest due: the list is ordered by due time
        body, content_type = multipart({"note": args.note}, [("files", args.report)])
        status, result = call("POST", f"{api}/occurrences/{task['id']}/complete/", args.token,
                              body=body, content_type=content_type)
    except urllib.error.URLError as exc:
        print(f"Pledge unreachable: {exc.reason}", file=sys.stderr)
        return 3
    if status != 201:
        print(f"Pledge refused the check-off ({status} {result['code']}): {result['detail']}", file=sys.stderr)
        return 2
    done = result["occurrence"]
    for evidence in done["evidence"]:
        print(f"evidence {evidence['name']} sha256 {evidence['sha256']}")
    print(f"task {done['id']} ({done['clause']} {done['obligation_title']}, due {done['due_at']}): {done['state']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
