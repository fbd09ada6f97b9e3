"""Where a webhook may be sent. An officer types a URL, and the worker, inside the company's
network, posts to it: pointed at 127.0.0.1, 10.x or the cloud's metadata address
(169.254.169.254) it would let a platform's officer reach what only the server reaches (SSRF).
So a URL must be http(s), carry no user name or password, and name a host whose every address
is public (`ipaddress`'s is_global); the sender checks the addresses again when it connects,
and connects to the address it checked (a name that resolved to a public address when
registered may resolve to a private one later). PLEDGE_WEBHOOK_ALLOW_PRIVATE lifts the address
rule (tests, a receiver on the company's own network)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from ..errors import DomainError

MAX_LENGTH = 500


class Target:
    """A checked URL: its scheme, host, port, the path with its query, and the address to connect to."""

    def __init__(self, scheme, host, port, path, address):
        self.scheme, self.host, self.port, self.path, self.address = scheme, host, port, path, address


def _parts(url: str):
    url = (url or "").strip()
    if not url:
        raise DomainError(_("请填写接收地址。"), field="url")
    if len(url) > MAX_LENGTH:
        raise DomainError(_("接收地址过长:最多 %(max)d 个字符。") % {"max": MAX_LENGTH}, field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError(_("接收地址格式不正确。"), field="url") from None
    if parts.scheme not in ("http", "https"):
        raise DomainError(_("接收地址必须以 http:// 或 https:// 开头。"), field="url")
    if not parts.hostname:
        raise DomainError(_("接收地址缺少主机名。"), field="url")
    if parts.username or parts.password:
        raise DomainError(_("接收地址不能包含用户名或密码;请用签名密钥验证来源。"), field="url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url, parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def allowed(address: str) -> bool:
    """A public address, or any when PLEDGE_WEBHOOK_ALLOW_PRIVATE is set."""
    if settings.PLEDGE_WEBHOOK_ALLOW_PRIVATE:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def addresses(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in found))


def resolve(url: str) -> Target:
    """The URL checked and its host resolved: every address it has must be allowed."""
    url, scheme, host, port, path = _parts(url)
    found = addresses(host, port)
    if not found:
        raise DomainError(_("无法解析接收地址的主机名 %(host)s。") % {"host": host}, field="url")
    refused = [a for a in found if not allowed(a)]
    if refused:
        raise DomainError(_("接收地址指向内部网络或本机地址(%(address)s),不允许发送。") % {"address": refused[0]},
                          field="url")
    return Target(scheme, host, port, path, found[0])


def clean_url(url: str) -> str:
    """The URL as stored, or a DomainError that says what is wrong with it."""
    resolve(url)
    return url.strip()
