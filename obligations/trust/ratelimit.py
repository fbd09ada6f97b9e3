"""A fixed-window counter per client address in the cache (Redis when configured)."""

from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(scope: str, request, *, limit: int, window: int) -> bool:
    """Count this request; False once `limit` requests were made in the window."""
    key = f"pledge-rl:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
