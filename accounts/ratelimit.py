"""Rate limits on sign-in, counted in Django's cache (Redis in production, so shared by every web
process; in memory on one machine).

A fixed window per key: the first attempt opens it for `RATE_LIMIT_PERIOD` seconds, and past
`RATE_LIMIT_ATTEMPTS` the key is refused until it closes. Keys are hashed: no address or IP in the
cache in clear. When the shared cache does not answer (Redis down), the counters live in the
process's memory (the `local` cache) until it is back: sign-in goes on, and so do the limits, per
web process.
"""

import hashlib
import logging

import redis
from django.conf import settings
from django.core.cache import cache, caches

from .models import normalize_email

logger = logging.getLogger(__name__)

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
    return [f"ip:{client_ip(request)}", f"email:{normalize_email(email)}"]


def _cache_key(scope: str, key: str) -> str:
    return f"{CACHE_PREFIX}:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def with_counters(operation):
    """`operation(counters)` on the shared cache or, when it does not answer, on this process's."""
    try:
        return operation(cache)
    except (redis.exceptions.RedisError, OSError) as error:
        logger.warning(
            "Limites de connexion comptées en mémoire : le cache ne répond pas (%s)", error
        )
        return operation(caches["local"])


def rate_limited(*, scope: str, keys: list[str]) -> bool:
    """Whether any of the keys has used up its attempts in the current window."""
    counts = with_counters(lambda c: c.get_many([_cache_key(scope, key) for key in keys]))
    return any(count >= settings.RATE_LIMIT_ATTEMPTS for count in counts.values())


def rate_limit_count(*, scope: str, keys: list[str]) -> None:
    """Count one attempt against each key, opening its window if none is open."""
    cache_keys = [_cache_key(scope, key) for key in keys]

    def count(counters):
        for cache_key in cache_keys:
            if not counters.add(cache_key, 1, timeout=settings.RATE_LIMIT_PERIOD):
                try:
                    counters.incr(cache_key)
                except ValueError:  # the window closed between add() and incr()
                    counters.add(cache_key, 1, timeout=settings.RATE_LIMIT_PERIOD)

    with_counters(count)
