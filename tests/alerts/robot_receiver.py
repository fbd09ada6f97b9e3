"""A local stand-in for the work chats' robot webhooks and an SMS service (Infobip's API): an
http.server on an ephemeral port, in a thread, that checks each request as the service does
(the key in WeCom's URL; DingTalk's timestamp and sign in the query, read once decoded;
Feishu's timestamp and sign in the body) and answers as the service does: HTTP 200 with its
error code when the check fails, or `status` when set (a failing service)."""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOUR_MS = 3600 * 1000
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = ("b0d9a6e1c2f34a5b", "SEC1f2e3d4c5b6a79881a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6")
FEISHU = ("2a3b4c5d-6e7f-8091-a2b3-c4d5e6f70819", "qkZ3pTx9fWv2LmN7")
SMS_KEY = "0123456789abcdef0123456789abcdef-01234567-89ab-cdef-0123-456789abcdef"


@dataclass
class Received:
    service: str
    text: str
    signed: bool  # the service's check passed
    detail: dict = field(default_factory=dict)


class Receiver:
    def __init__(self, *, wecom_key="", dingtalk=("", ""), feishu=("", ""), sms_key=""):
        self.wecom_key, self.dingtalk, self.feishu, self.sms_key = wecom_key, dingtalk, feishu, sms_key
        self.received: list[Received] = []
        self.status = None  # e.g. 500: the service is failing
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                got, reply = receiver.check(self.path, self.headers, body)
                if got is not None:
                    receiver.received.append(got)
                status = receiver.status or 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(reply if status == 200 else {"error": "down"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def check(self, path, headers, body):
        url = urlsplit(path)
        query = parse_qs(url.query)  # decoded once, as the services read it
        if url.path == "/cgi-bin/webhook/send":
            ok = query.get("key") == [self.wecom_key]
            return (Received("wecom", body["text"]["content"], ok),
                    {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 93000, "errmsg": "invalid webhook url"})
        if url.path == "/robot/send":
            token, secret = self.dingtalk
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            ok = (query.get("access_token") == [token] and timestamp.isdigit()
                  and abs(int(timestamp) - time.time() * 1000) < HOUR_MS and hmac.compare_digest(sign, expected))
            return (Received("dingtalk", body["text"]["content"], ok, {"sign": sign}),
                    {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"})
        if url.path.startswith("/open-apis/bot/v2/hook/"):
            token, secret = self.feishu
            timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
            expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"",
                                                 hashlib.sha256).digest()).decode()
            ok = (url.path.rstrip("/").rsplit("/", 1)[-1] == token and timestamp.isdigit()
                  and abs(int(timestamp) - time.time()) < 3600 and hmac.compare_digest(sign, expected))
            return (Received("feishu", body["content"]["text"], ok),
                    {"code": 0, "msg": "success"} if ok else {"code": 19021, "msg": "sign match fail"})
        if url.path == "/sms/3/messages":
            ok = headers.get("Authorization") == f"App {self.sms_key}"
            [message] = body["messages"]
            return (Received("sms", message["content"]["text"], ok, {"to": message["destinations"][0]["to"]}),
                    {"messages": [{"status": {"groupName": "PENDING"}}]})
        return None, {}

    def texts(self, service):
        return [r.text for r in self.received if r.service == service]
