#!/usr/bin/env python3
"""Forward a customer-service ticket to Pledge as a complaint (投诉), which starts its deadline clocks.

Run by the customer-service system when a ticket is a complaint:

    PLEDGE_URL=https://pledge.example.cn PLEDGE_TOKEN=plg_… \\
        python3 forward_ticket.py --platform acme --ticket CS-20261207-0042 \\
        --text "订单 123 退款三天未到账" --name 张三 --contact 13800000000

The ticket's id is the Idempotency-Key: the script retries a failed or unanswered request with the same key, and
running it twice for one ticket opens one case (the second answer says it was replayed). It prints the case's
number, its 查询码 and its clocks. The token needs the scope "cases". Python 3.9+, standard library only.

Exit status: 0 opened (or already opened), 2 Pledge refused (the reason is printed), 3 unreachable.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

RETRIES = 4  # network errors and 5xx, with a growing pause: the same key makes a retry safe


def post_case(url, token, key, case) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=json.dumps(case).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json",
        "Idempotency-Key": key, "Accept-Language": "zh-hans"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("PLEDGE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("PLEDGE_TOKEN"))
    parser.add_argument("--platform", required=True, help="the platform's short name (slug)")
    parser.add_argument("--ticket", required=True, help="the ticket's id in the customer-service system")
    parser.add_argument("--text", required=True, help="what the customer complains of")
    parser.add_argument("--name", default="", help="the customer's name")
    parser.add_argument("--contact", default="", help="the customer's phone or email")
    parser.add_argument("--received-at", default=None, help="ISO 8601 with offset; now if left out")
    parser.add_argument("--channel", default="in_app", help="phone, email, in_app, other")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set PLEDGE_TOKEN")
    url = f"{args.url.rstrip('/')}/api/v1/platforms/{args.platform}/cases/"
    case = {"kind": "complaint", "description": f"[{args.ticket}] {args.text}", "channel": args.channel,
            "reporter_name": args.name, "reporter_contact": args.contact}
    if args.received_at:
        case["received_at"] = args.received_at
    key = f"cs-ticket-{args.ticket}"
    for attempt in range(RETRIES + 1):
        try:
            status, headers, body = post_case(url, args.token, key, case)
        except (urllib.error.URLError, TimeoutError) as exc:
            status, headers, body = None, {}, {"detail": str(getattr(exc, "reason", exc))}
        if status == 429 or status is None or status >= 500:
            if attempt == RETRIES:
                break
            time.sleep(int(headers.get("Retry-After", 0)) or 2 ** attempt)
            continue
        break
    if status is None:
        print(f"Pledge unreachable: {body['detail']}", file=sys.stderr)
        return 3
    if status not in (200, 201):
        print(f"Pledge refused the complaint ({status} {body.get('code')}): {body.get('detail')}", file=sys.stderr)
        return 2
    replayed = " (already forwarded: the same case)" if headers.get("Idempotent-Replayed") == "true" else ""
    print(f"case {body['number']} 查询码 {body['public_ref']}{replayed}")
    for clock in body["clocks"]:
        print(f"  {clock['step']}: due {clock['due_at']} ({clock['state']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
