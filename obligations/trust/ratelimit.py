"""A fixed-window counter per client address in the cache (Redis when configured)."""

import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def client_address(request) -> str:
    """REMOTE_ADDR; behind N trusted proxies (PLEDGE_TRUSTED_PROXY_HOPS), the address
    that the outermost of them saw: the right-most hop of X-Forwarded-For that no trusted
    proxy wrote. Entries further left were written by the client and are never trusted;
    a header shorter than the hops, or a hop that is no address, leaves REMOTE_ADDR
    (the nearest proxy: wrong for a person, but never the client's own claim)."""
    hops = settings.PLEDGE_TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                log.warning("X-Forwarded-For hop %r is no address; using REMOTE_ADDR", forwarded[-hops][:64])
    return request.META.get("REMOTE_ADDR", "unknown")


def _count(key: str, window: int) -> int | None:
    """Count one request under `key` for `window` seconds; None when the cache is down."""
    try:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            return 1
    except Exception:  # noqa: BLE001 - any cache backend failure (redis.ConnectionError, OSError …)
        return None


def allow(scope: str, request, *, limit: int, window: int) -> bool:
    """Count this request; False once `limit` requests were made in the window. When the
    cache is down the public channel keeps taking complaints: fail open, and say so."""
    count = _count(f"pledge-rl:{scope}:{client_address(request)}", window)
    if count is None:
        log.warning("rate limit cache unavailable; letting %s through", scope, exc_info=True)
        return True
    return count <= limit


def wait_for(scope: str, name: str, *, limit: int, window: int, now: float | None = None) -> int:
    """Count a request of `name` (an API token) in the current window, aligned on the clock, so the
    answer can say when it ends: 0 to go ahead, else the seconds until the next window (Retry-After).
    Fails open like `allow`."""
    now = time.time() if now is None else now
    bucket = int(now // window)
    count = _count(f"pledge-rl:{scope}:{name}:{bucket}", window)
    if count is None:
        log.warning("rate limit cache unavailable; letting %s through", scope, exc_info=True)
        return 0
    return 0 if count <= limit else max(1, math.ceil((bucket + 1) * window - now))
