"""Rate limits on sign-in, counted in Django's cache (Redis in production, so shared by every web
process; in memory on one machine).

A fixed window per key: the first attempt opens it for `RATE_LIMIT_PERIOD` seconds, and past
`RATE_LIMIT_ATTEMPTS` the key is refused until it closes. Keys are hashed: no address or IP in the
cache in clear.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

# Tests give each test a prefix of its own (tests/conftest.py): the cache outlives a test.
CACHE_PREFIX = "ratelimit"


def client_ip(request) -> str:
    """The client's IP: REMOTE_ADDR, or behind a trusted proxy (BEHIND_PROXY) the last address
    of X-Forwarded-For, the one that proxy saw (the earlier ones are the client's to forge)."""
    if settings.BEHIND_PROXY and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def sign_in_keys(request, email: str) -> list[str]:
    """What a sign-in attempt counts against: the IP it comes from and the address it names."""
    return [f"ip:{client_ip(request)}", f"email:{email.strip().lower()}"]


def _cache_key(scope: str, key: str) -> str:
    return f"{CACHE_PREFIX}:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def rate_limited(*, scope: str, keys: list[str]) -> bool:
    """Whether any of the keys has used up its attempts in the current window."""
    counts = cache.get_many([_cache_key(scope, key) for key in keys])
    return any(count >= settings.RATE_LIMIT_ATTEMPTS for count in counts.values())


def rate_limit_count(*, scope: str, keys: list[str]) -> None:
    """Count one attempt against each key, opening its window if none is open."""
    for key in keys:
        cache_key = _cache_key(scope, key)
        if not cache.add(cache_key, 1, timeout=settings.RATE_LIMIT_PERIOD):
            try:
                cache.incr(cache_key)
            except ValueError:  # the window closed between add() and incr()
                cache.add(cache_key, 1, timeout=settings.RATE_LIMIT_PERIOD)
