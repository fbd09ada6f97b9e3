"""The fixed-window rate limit: counted per scope and per client address, in the cache."""

import os
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.test import RequestFactory

from obligations.trust.ratelimit import allow, client_address

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}}


def use_cache(settings, caches):
    settings.CACHES = caches  # Django drops the old cache connections on this change
    cache.clear()


@pytest.fixture
def locmem(settings):
    use_cache(settings, LOCMEM)
    yield
    cache.clear()


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def any_cache(request, settings):
    """The limit counts the same in the local-memory cache and in Redis (production)."""
    if request.param == "redis":
        use_cache(settings, {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                         "LOCATION": os.environ["REDIS_URL"]}})
    else:
        use_cache(settings, LOCMEM)
    yield
    cache.clear()


def request_from(address):
    return RequestFactory().get("/", REMOTE_ADDR=address)


def hits(scope, address, n, *, limit=3, window=600):
    return [allow(scope, request_from(address), limit=limit, window=window) for _ in range(n)]


def test_the_client_is_known_by_its_address():
    assert client_address(request_from("203.0.113.7")) == "203.0.113.7"
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address(request) == "unknown"


def test_requests_up_to_the_limit_pass_and_the_next_are_refused(any_cache):
    assert hits("submit:alpha", "203.0.113.7", 5) == [True, True, True, False, False]


def test_each_scope_counts_on_its_own(any_cache):
    assert hits("submit:alpha", "203.0.113.7", 4) == [True, True, True, False]
    assert hits("lookup:alpha", "203.0.113.7", 1) == [True]
    assert hits("submit:beta", "203.0.113.7", 1) == [True]
    assert hits("submit:alpha", "203.0.113.7", 1) == [False]


def test_each_address_counts_on_its_own(any_cache):
    assert hits("submit:alpha", "203.0.113.7", 4) == [True, True, True, False]
    assert hits("submit:alpha", "198.51.100.2", 3) == [True, True, True]
    assert hits("submit:alpha", "198.51.100.2", 1) == [False]


def test_a_limit_of_one_allows_exactly_one(any_cache):
    assert hits("submit:alpha", "203.0.113.7", 2, limit=1) == [True, False]


def test_a_new_window_starts_fresh(locmem):
    start = datetime(2026, 11, 2, 1, 0)
    with time_machine.travel(start, tick=False) as traveller:
        assert hits("submit:alpha", "203.0.113.7", 4, window=60) == [True, True, True, False]
        traveller.shift(timedelta(seconds=59))
        assert hits("submit:alpha", "203.0.113.7", 1, window=60) == [False]  # the same window
        traveller.shift(timedelta(seconds=2))
        assert hits("submit:alpha", "203.0.113.7", 4, window=60) == [True, True, True, False]


def test_requests_in_a_window_do_not_extend_it(locmem):
    with time_machine.travel(datetime(2026, 11, 2, 1, 0), tick=False) as traveller:
        assert hits("submit:alpha", "203.0.113.7", 1, window=60) == [True]
        traveller.shift(timedelta(seconds=50))
        assert hits("submit:alpha", "203.0.113.7", 3, window=60) == [True, True, False]
        traveller.shift(timedelta(seconds=11))  # 61 s after the first request, 11 s after the last
        assert hits("submit:alpha", "203.0.113.7", 1, window=60) == [True]


def test_a_counter_that_expires_between_add_and_incr_starts_again_at_one(locmem, monkeypatch):
    backend = caches["default"]  # the object itself: the proxy follows the settings, restored first
    monkeypatch.setattr(backend, "add", lambda *args, **kwargs: False)  # as if it expired right after
    assert hits("submit:alpha", "203.0.113.7", 1, limit=1) == [True]
    assert hits("submit:alpha", "203.0.113.7", 1, limit=1) == [False]


def test_behind_trusted_proxies_the_outermost_proxys_view_counts(settings, rf):
    from obligations.trust.ratelimit import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "10.0.0.1"  # no proxy trusted: the header is the client's word
    settings.PLEDGE_TRUSTED_PROXY_HOPS = 1
    assert client_address(request) == "10.0.0.2"
    settings.PLEDGE_TRUSTED_PROXY_HOPS = 2
    assert client_address(request) == "203.0.113.7"  # never the spoofable 6.6.6.6
    # A hop that is no address (the lockout's records take addresses only): the nearest proxy, said in the log.
    garbled = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7, <script>", REMOTE_ADDR="10.0.0.1")
    settings.PLEDGE_TRUSTED_PROXY_HOPS = 1
    assert client_address(garbled) == "10.0.0.1"


def test_a_broken_cache_fails_open(settings, rf, caplog):
    from obligations.trust import ratelimit

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    with caplog.at_level("WARNING"):
        assert ratelimit.allow("complaint", rf.get("/"), limit=0, window=60)
    assert "rate limit cache unavailable" in caplog.text


def test_a_named_counter_says_how_long_until_its_window_ends(any_cache):
    """API tokens (obligations/api/auth.py): windows aligned on the clock, so a refusal can say when to retry."""
    from obligations.trust.ratelimit import wait_for

    start = 1_800_000_000 - 1_800_000_000 % 60 + 45  # 45 s into a minute
    waits = [wait_for("api", "token-a", limit=2, window=60, now=start + i) for i in range(3)]
    assert waits == [0, 0, 13]  # the third, at 47 s, waits out the 13 s left
    assert wait_for("api", "token-b", limit=2, window=60, now=start + 2) == 0  # per name
    assert wait_for("api", "token-a", limit=2, window=60, now=start + 15) == 0  # the next minute starts fresh
