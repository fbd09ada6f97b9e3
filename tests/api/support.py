"""A platform with its signed letter and tasks, API tokens, and a plain HTTP client (urllib) for the live server."""

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from obligations.demo import demo_values
from obligations.letters.services import letter_create, letter_sign
from obligations.models import Letter, Platform, Role
from obligations.tasks import run_sweeps
from obligations.trust.api_tokens import token_create
from tests.conftest import make_user

ALL_SCOPES = ["read", "complete", "cases"]


@dataclass
class Answer:
    status: int
    headers: dict
    body: object

    @property
    def code(self):
        return self.body.get("code") if isinstance(self.body, dict) else None


def call(base, method, path, token=None, *, json_body=None, fields=None, files=None, headers=None) -> Answer:
    """One request with urllib: JSON, or multipart/form-data with `files` [(field, name, bytes, type)]."""
    head = {"Accept": "application/json", **(headers or {})}
    if token:
        head["Authorization"] = f"Bearer {token}"
    data = None
    if json_body is not None:
        data, head["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    elif fields is not None or files:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in (fields or {}).items()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                  f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n" for field, name, content, kind in files or []]
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        head["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    path = urllib.parse.quote(path, safe="/?=&%:+,;")  # 三.2 in a query, as a browser sends it
    request = urllib.request.Request(base + path, data=data, method=method, headers=head)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers_, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, headers_, raw = exc.code, dict(exc.headers), exc.read()
    kind = headers_.get("Content-Type", "")
    return Answer(status, headers_, json.loads(raw) if "json" in kind and raw else raw)


@dataclass
class World:
    platform: Platform
    other: Platform
    officer: object
    staff: object
    tokens: dict  # name -> secret
    objects: dict  # name -> ApiToken


def build_world(now=None) -> World:
    """Alpha, signed a day ago with its tasks raised, and Beta with a case; tokens of Alpha by scope, one of Beta."""
    now = now or timezone.now()
    platform = Platform.objects.create(slug="alpha", name="Alpha 平台")
    other = Platform.objects.create(slug="beta", name="Beta 平台")
    officer, staff = make_user("alice", platform, Role.OFFICER), make_user("bob", platform, Role.STAFF)
    beta_officer = make_user("carol", other, Role.OFFICER)
    signed_at = now - timedelta(days=1)
    for p, who in ((platform, officer), (other, beta_officer)):
        letter = letter_create(platform=p, values=demo_values(signed_at.date()), user=who, now=signed_at)
        letter_sign(letter=letter, user=who, now=signed_at, first_period=Letter.FirstPeriod.CURRENT)
    run_sweeps(now=now)
    expires = now + timedelta(days=30)
    tokens, objects = {}, {}
    for name, scopes, p, who in (("all", ALL_SCOPES, platform, officer), ("read", ["read"], platform, officer),
                                 ("complete", ["complete"], platform, officer), ("cases", ["cases"], platform, officer),
                                 ("beta", ALL_SCOPES, other, beta_officer)):
        objects[name], tokens[name] = token_create(platform=p, user=who, name=f"{name} system", scopes=scopes,
                                                   expires_at=expires, now=now)
    return World(platform, other, officer, staff, tokens, objects)
