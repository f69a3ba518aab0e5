"""Fixed-window counters in the shared cache."""

import time

from django.core.cache import cache


def rate_limit_exceeded(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True once the hits in this window pass ``limit``."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{window_seconds}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        hits = 1
    else:
        try:
            hits = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window_seconds + 5)
            hits = 1
    return hits > limit
