"""Fixed-window counters in an atomic store that never evicts a running window.

With ``REDIS_URL`` the counters live in Redis (INCR and EXPIRE in one MULTI); otherwise in
the database (one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per hit, atomic on SQLite
≥ 3.35 and PostgreSQL). Not in Django's cache: the file cache culls a third of its entries
once it holds 300 and its ``incr`` is a read then a write, so on a busy day limits vanished.
"""

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from outcry.core.models import RateLimitCounter

# Each new window has this chance of also deleting the rows of windows that have ended,
# so the table stays small even where the daily maintenance task is not running.
PRUNE_PROBABILITY = 0.01
# Kept a little past its window, so a hit at the boundary still finds its counter.
EXPIRY_MARGIN_SECONDS = 5


def rate_limit_exceeded(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True once the hits in this window pass ``limit``."""
    counter_key = _counter_key(key, window_seconds, time.time())
    if settings.RATE_LIMIT_STORE == "redis":
        hits = _redis_hit(counter_key, window_seconds + EXPIRY_MARGIN_SECONDS)
    else:
        expires_at = timezone.now() + timedelta(seconds=window_seconds + EXPIRY_MARGIN_SECONDS)
        hits = _database_hit(counter_key, expires_at)
        if hits == 1 and random.random() < PRUNE_PROBABILITY:  # noqa: S311 - not a secret
            rate_limit_counters_prune()
    return hits > limit


@dataclass(frozen=True)
class Limit:
    """One counter to hit: ``key`` past ``limit`` hits in a window of ``window_seconds``."""

    key: str
    limit: int
    window_seconds: int


def rate_limits_exceeded(limits: list[Limit]) -> list[bool]:
    """Count one hit on each of ``limits`` at once (one statement, or one Redis round
    trip): for each, True once its hits in this window pass its limit. Every counter is
    hit, even when an earlier one is already past its limit."""
    if not limits:
        return []
    now = time.time()
    keys = [_counter_key(limit.key, limit.window_seconds, now) for limit in limits]
    if settings.RATE_LIMIT_STORE == "redis":
        pipeline = _redis_client(settings.REDIS_URL).pipeline(transaction=True)
        for key, limit in zip(keys, limits, strict=True):
            pipeline.incr(key)
            pipeline.expire(key, limit.window_seconds + EXPIRY_MARGIN_SECONDS)
        hits = [int(h) for h in pipeline.execute()[::2]]
    else:
        expiries = {
            key: timezone.now() + timedelta(seconds=limit.window_seconds + EXPIRY_MARGIN_SECONDS)
            for key, limit in zip(keys, limits, strict=True)
        }
        counts = _database_hits(expiries)
        hits = [counts[key] for key in keys]
        if 1 in hits and random.random() < PRUNE_PROBABILITY:  # noqa: S311 - not a secret
            rate_limit_counters_prune()
    return [h > limit.limit for h, limit in zip(hits, limits, strict=True)]


def _counter_key(key: str, window_seconds: int, now: float) -> str:
    window = int(now // window_seconds)
    # Hashed: a key holds an IP hash, which must not outlive an erasure in readable form.
    return "rl:" + hashlib.sha256(f"{key}:{window_seconds}:{window}".encode()).hexdigest()


def _database_hits(expiries: dict[str, datetime]) -> dict[str, int]:
    """One upsert for several counters. In key order, so that two PostgreSQL transactions
    hitting the same counters lock them in the same order and cannot deadlock."""
    keys = sorted(expiries)
    values = ", ".join(["(%s, 1, %s)"] * len(keys))
    params: list = []
    for key in keys:
        params += [key, connection.ops.adapt_datetimefield_value(expiries[key])]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_MANY_SQL.format(values=values), params)
        return {key: int(count) for key, count in cursor.fetchall()}


def sustained_bucket(ip_hash: str) -> str:
    """The part of an address hash that names its wider network (an IPv6 /56), for the
    longer windows: one household or small site rotates through many /64s."""
    return ip_hash[: len(ip_hash) // 2]


# One statement, so two processes counting the same key at once both count. Double-quoted
# identifiers are standard SQL: SQLite (≥ 3.35 for RETURNING) and PostgreSQL take it as is.
_UPSERT_SQL = (
    'INSERT INTO "core_ratelimitcounter" ("key", "count", "expires_at") VALUES (%s, 1, %s) '
    'ON CONFLICT ("key") DO UPDATE SET "count" = "core_ratelimitcounter"."count" + 1 '
    'RETURNING "count"'
)

_UPSERT_MANY_SQL = (
    'INSERT INTO "core_ratelimitcounter" ("key", "count", "expires_at") VALUES {values} '
    'ON CONFLICT ("key") DO UPDATE SET "count" = "core_ratelimitcounter"."count" + 1 '
    'RETURNING "key", "count"'
)


@cache
def _redis_client(url: str):
    import redis  # noqa: PLC0415 - optional (the redis extra): only needed with REDIS_URL

    return redis.Redis.from_url(url)


def _redis_hit(counter_key: str, ttl_seconds: int) -> int:
    pipeline = _redis_client(settings.REDIS_URL).pipeline(transaction=True)
    pipeline.incr(counter_key)
    pipeline.expire(counter_key, ttl_seconds)
    hits, _ = pipeline.execute()
    return int(hits)


def _database_hit(counter_key: str, expires_at: datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_SQL, [counter_key, connection.ops.adapt_datetimefield_value(expires_at)]
        )
        return int(cursor.fetchone()[0])


def rate_limit_counters_prune(*, now: datetime | None = None) -> int:
    """Delete the counters of windows that have ended. Returns how many."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
