"""Rate limits keep counting on a busy day, across processes, and per IPv6 network."""

import shutil
import subprocess
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from outcry.actions.models import Signature
from outcry.core import ratelimit
from outcry.core.crypto import ip_hash
from outcry.core.models import RateLimitCounter
from outcry.core.ratelimit import rate_limit_exceeded, sustained_bucket
from tests.conftest import free_port, sign_data

# Longer than any test run: the window cannot roll over while a test counts.
ONE_WINDOW = 10**9


@pytest.fixture(autouse=True)
def _database_store(settings):
    """These tests look at the database store's rows; with REDIS_URL set (the PostgreSQL
    run) the site would count in Redis instead, which has its own test below."""
    settings.RATE_LIMIT_STORE = "database"


@pytest.mark.django_db
def test_a_limit_still_holds_after_hundreds_of_other_visitors():
    """Nine hits from one address, then 400 other addresses, then the 10th to 12th hits from
    the first: those are over the limit (the file cache had culled the first counter)."""
    first = [rate_limit_exceeded(key="sign:first", limit=9, window_seconds=60) for _ in range(9)]
    for n in range(400):
        rate_limit_exceeded(key=f"sign:other-{n}", limit=9, window_seconds=60)
    later = [rate_limit_exceeded(key="sign:first", limit=9, window_seconds=60) for _ in range(3)]
    assert first == [False] * 9
    assert later == [True, True, True]


@pytest.mark.django_db(transaction=True)
def test_hits_counted_at_the_same_time_from_many_threads_are_all_counted():
    """Eight workers hitting one key at once lose no hit: exactly the hits past the limit
    are over it, and the stored count is every hit."""
    workers, hits_each, limit = 8, 25, 60
    start = threading.Barrier(workers)
    over: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            start.wait()
            mine = [
                rate_limit_exceeded(key="sign:crowd", limit=limit, window_seconds=ONE_WINDOW)
                for _ in range(hits_each)
            ]
            with lock:
                over.extend(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = workers * hits_each
    assert len(over) == total
    assert over.count(True) == total - limit
    assert RateLimitCounter.objects.get().count == total


@pytest.mark.django_db
def test_counters_of_ended_windows_are_pruned():
    """A counter whose window has ended is deleted by the prune; a running one is kept."""
    rate_limit_exceeded(key="sign:minute", limit=1, window_seconds=60)
    rate_limit_exceeded(key="sign:long", limit=1, window_seconds=ONE_WINDOW)
    assert ratelimit.rate_limit_counters_prune() == 0
    assert ratelimit.rate_limit_counters_prune(now=timezone.now() + timedelta(minutes=2)) == 1
    [kept] = RateLimitCounter.objects.all()
    assert kept.expires_at > timezone.now() + timedelta(days=365)


@pytest.mark.django_db
def test_ipv6_addresses_are_counted_per_64_and_per_56_in_the_sustained_window():
    """Two addresses in one /64 share a bucket, one in another /64 does not; all three share
    the sustained (/56) bucket, which an address in another /56 does not."""
    one = ip_hash("2001:db8:0:100::1")
    same_64 = ip_hash("2001:db8:0:100:ffff:ffff:ffff:fffe")
    other_64_same_56 = ip_hash("2001:db8:0:1ff::1")
    other_56 = ip_hash("2001:db8:0:200::1")
    assert one == same_64
    assert one != other_64_same_56
    assert sustained_bucket(one) == sustained_bucket(other_64_same_56)
    assert sustained_bucket(one) != sustained_bucket(other_56)
    assert ip_hash("203.0.113.7") != ip_hash("203.0.113.8")
    assert ip_hash("::ffff:203.0.113.7") == ip_hash("203.0.113.7")


@pytest.fixture
def one_minute(monkeypatch):
    """Hold the rate limiter's clock inside one minute, so the window cannot roll over."""
    now = (int(time.time()) // 3600) * 3600 + 30.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))


@pytest.mark.django_db
def test_signing_from_fresh_addresses_of_one_ipv6_64_meets_the_challenge_past_the_burst_limit(
    client, petition, settings, one_minute
):
    """Eleven signatures within a minute, each from a different address of the same /64:
    the 11th meets the over-limit challenge, as if it came from one address."""
    assert settings.SIGN_RATE_BURST_PER_MINUTE == 10
    responses = [
        client.post(
            petition.get_absolute_url(),
            sign_data(email=f"p{n}@example.org"),
            REMOTE_ADDR=f"2001:db8:5:6:{n + 1:x}::{n + 7:x}",
        )
        for n in range(11)
    ]
    assert [r.status_code for r in responses] == [302] * 10 + [200]
    assert "data-challenge=" in responses[-1].content.decode()
    assert Signature.objects.count() == 10


@pytest.mark.django_db
def test_signing_from_many_64s_of_one_56_meets_the_challenge_past_the_sustained_limit(
    client, petition, settings, one_minute
):
    """Past the hourly limit, signers from fresh /64s of one /56 meet the challenge:
    rotating through a site's /64s does not escape the sustained limit."""
    settings.SIGN_RATE_SUSTAINED_PER_HOUR = 5
    responses = [
        client.post(
            petition.get_absolute_url(),
            sign_data(email=f"p{n}@example.org"),
            REMOTE_ADDR=f"2001:db8:5:6{n:02x}::1",
        )
        for n in range(6)
    ]
    assert [r.status_code for r in responses] == [302] * 5 + [200]
    assert "data-challenge=" in responses[-1].content.decode()
    assert Signature.objects.count() == 5


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis server of this test's own, on a free loopback port."""
    import redis

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(500):  # until it answers; it starts in milliseconds
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.01)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db
def test_redis_store_counts_atomically(settings, redis_url):
    """With Redis configured, counters live there: 400 other keys evict nothing, and the
    hits past the limit are over it."""
    settings.REDIS_URL = redis_url
    settings.RATE_LIMIT_STORE = "redis"
    first = [rate_limit_exceeded(key="sign:r-first", limit=9, window_seconds=60) for _ in range(9)]
    for n in range(400):
        rate_limit_exceeded(key=f"sign:r-other-{n}", limit=9, window_seconds=60)
    later = [rate_limit_exceeded(key="sign:r-first", limit=9, window_seconds=60) for _ in range(3)]
    assert first == [False] * 9
    assert later == [True, True, True]
    assert not RateLimitCounter.objects.exists()


def _several_at_once() -> list[list[bool]]:
    """Three counters with limits 1, 2 and 3 hit together four times."""
    limits = [
        ratelimit.Limit("sign:many-a", 1, ONE_WINDOW),
        ratelimit.Limit("sign:many-b", 2, ONE_WINDOW),
        ratelimit.Limit("sign:many-c", 3, 60),
    ]
    return [ratelimit.rate_limits_exceeded(limits) for _ in range(4)]


EXPECTED_SEVERAL = [
    [False, False, False],
    [True, False, False],
    [True, True, False],
    [True, True, True],
]


@pytest.mark.django_db
def test_several_counters_hit_in_one_statement_each_keep_their_own_count():
    """Signing hits its four counters in one upsert: each counts on its own, as one call
    per counter would, and one hit past one limit does not stop the others counting."""
    assert _several_at_once() == EXPECTED_SEVERAL
    assert sorted(RateLimitCounter.objects.values_list("count", flat=True)) == [4, 4, 4]
    assert rate_limit_exceeded(key="sign:many-b", limit=4, window_seconds=ONE_WINDOW)


@pytest.mark.django_db
def test_several_counters_hit_at_once_in_redis(settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.RATE_LIMIT_STORE = "redis"
    assert _several_at_once() == EXPECTED_SEVERAL
    assert not RateLimitCounter.objects.exists()
