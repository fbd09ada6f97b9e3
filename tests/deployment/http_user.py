"""A person at a browser, as far as the deployment test needs one: cookies, forms with their CSRF token,
file uploads, redirects followed. Plain urllib: no JavaScript, no real browser."""

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Page:
    status: int
    url: str
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def field(self, name: str) -> str:
        """The value of the first input named `name` on the page."""
        match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', self.text) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', self.text)
        assert match, f"no input {name!r} on {self.url}"
        return match.group(1)


class Browser:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None, timeout=30) -> Page:
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Page(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, url, dict(error.headers), error.read())

    def get(self, path: str) -> Page:
        return self.open(path)

    def answers(self, path: str, status: int) -> bool:
        """Whether `path` answers `status` now (False while the server is not listening yet)."""
        try:
            return self.get(path).status == status
        except OSError:
            return False

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def post(self, path: str, fields: dict) -> Page:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf(), **fields}).encode()
        return self.open(path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      "Referer": self.base + path})

    def post_files(self, path: str, fields: dict, files: list[tuple[str, str, str, bytes]]) -> Page:
        """A multipart form: files as (field, filename, content type, bytes)."""
        boundary = "pledge" + secrets.token_hex(12)
        parts = []
        for name, value in {"csrfmiddlewaretoken": self.csrf(), **fields}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content_type, content in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.open(path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                      "Referer": self.base + path})
