"""Politeness shared through Redis: host limits and the robots.txt cache hold across
processes (simulated by separate limiter/cache/fetcher instances on one Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from test_fetch_support import FakeTime, options, serve

from ingest.fetch import (
    HostLimiterUnavailable,
    HttpFetcher,
    RedisHostLimiter,
    RedisRobotsCache,
    RobotsEntry,
    fetch_many,
)
from ingest.model import FetchFailure, FetchRequest, Page

pytestmark = pytest.mark.integration

DB = 13


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis(host="127.0.0.1", port=6379, db=DB)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    value = f"test:fetch:{uuid.uuid4().hex}:"
    yield value
    keys = [k async for k in redis.scan_iter(match=f"{value}*")]
    if keys:
        await redis.delete(*keys)


class Recorder:
    """An injected sleep that records the wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


async def test_concurrency_is_shared_between_limiters(redis: Redis, prefix: str) -> None:
    limiters = [RedisHostLimiter(redis, concurrency=2, prefix=prefix, poll_interval=0.005)]
    limiters.append(RedisHostLimiter(redis, concurrency=2, prefix=prefix, poll_interval=0.005))
    active = 0
    peak = 0
    done = 0

    async def one(limiter: RedisHostLimiter) -> None:
        nonlocal active, peak, done
        async with limiter.slot("news.test", min_delay=0):
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1
            done += 1

    async with asyncio.TaskGroup() as tg:
        for i in range(8):
            tg.create_task(one(limiters[i % 2]))
    assert done == 8
    assert peak == 2
    assert await redis.zcard(f"{prefix}host:news.test:leases") == 0


async def test_min_delay_is_shared_between_limiters(redis: Redis, prefix: str) -> None:
    first, second = Recorder(), Recorder()
    a = RedisHostLimiter(redis, concurrency=4, prefix=prefix, sleep=first)
    b = RedisHostLimiter(redis, concurrency=4, prefix=prefix, sleep=second)
    async with a.slot("news.test", min_delay=30.0):
        pass
    async with b.slot("news.test", min_delay=30.0):
        pass
    assert first.waits == []
    assert len(second.waits) == 1 and 29.0 < second.waits[0] <= 30.0
    async with b.slot("other.test", min_delay=30.0):
        pass
    assert len(second.waits) == 1  # another host is not delayed


async def test_defer_is_shared(redis: Redis, prefix: str) -> None:
    waits = Recorder()
    a = RedisHostLimiter(redis, concurrency=1, prefix=prefix)
    b = RedisHostLimiter(redis, concurrency=1, prefix=prefix, sleep=waits)
    await a.defer("news.test", 120.0)
    async with b.slot("news.test", min_delay=0.0):
        pass
    assert len(waits.waits) == 1 and 119.0 < waits.waits[0] <= 120.0
    assert await redis.pttl(f"{prefix}host:news.test:next") > 0


async def test_a_dead_holder_lease_expires(redis: Redis, prefix: str) -> None:
    dead = RedisHostLimiter(redis, concurrency=1, prefix=prefix, lease_ttl=0.05)
    manager = dead.slot("news.test", min_delay=0.0)
    await manager.__aenter__()  # the holder "dies": never exits
    live = RedisHostLimiter(redis, concurrency=1, prefix=prefix, poll_interval=0.01)
    async with asyncio.timeout(5), live.slot("news.test", min_delay=0.0):
        entered = True
    assert entered


async def test_unreachable_redis_is_a_typed_error_and_a_retryable_outcome(prefix: str) -> None:
    broken = Redis(
        host="127.0.0.1", port=1, db=DB, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    limiter = RedisHostLimiter(broken, concurrency=1, prefix=prefix)
    with pytest.raises(HostLimiterUnavailable):
        async with limiter.slot("news.test", min_delay=0.0):
            pass
    t = FakeTime()
    async with (
        serve() as server,
        HttpFetcher(
            options(max_attempts=2),
            limiter=limiter,
            robots_cache=RedisRobotsCache(broken, prefix=prefix),
            clock=t.clock,
            sleep=t.sleep,
        ) as f,
    ):
        result = await f.fetch(FetchRequest(server.url("/page/1")))
    await broken.aclose()
    assert isinstance(result, FetchFailure)
    assert (result.reason, result.retryable) == ("limiter_unavailable", True)
    assert server.hits["/page/1"] == 0


async def test_robots_cache_round_trip(redis: Redis, prefix: str) -> None:
    cache = RedisRobotsCache(redis, prefix=prefix)
    entry = RobotsEntry("ok", "User-agent: *\nDisallow: /x\n", "")
    await cache.put("https://news.test:443", entry, 60)
    assert await RedisRobotsCache(redis, prefix=prefix).get("https://news.test:443") == entry
    assert await cache.get("https://other.test:443") is None
    assert 0 < await redis.pttl(f"{prefix}robots:https://news.test:443") <= 60_000


async def test_two_fetchers_share_robots_and_host_limits(redis: Redis, prefix: str) -> None:
    async with serve() as server:
        fetchers = [
            HttpFetcher(
                options(per_host_concurrency=2),
                limiter=RedisHostLimiter(redis, concurrency=2, prefix=prefix, poll_interval=0.005),
                robots_cache=RedisRobotsCache(redis, prefix=prefix),
            )
            for _ in range(2)
        ]
        async with fetchers[0] as f1, fetchers[1] as f2:
            first = await f1.fetch(FetchRequest(server.url("/private/1")))
            second = await f2.fetch(FetchRequest(server.url("/private/2")))
            batches = await asyncio.gather(
                *(
                    fetch_many(f, [FetchRequest(server.url(f"/slowish/{i}")) for i in range(6)])
                    for f in (f1, f2)
                )
            )
    assert isinstance(first, FetchFailure) and first.reason == "robots_disallowed"
    assert isinstance(second, FetchFailure) and second.reason == "robots_disallowed"
    assert server.hits["/robots.txt"] == 1  # the second process used the shared answer
    assert all(isinstance(r, Page) for batch in batches for r in batch)
    assert server.peak == 2  # two processes, one budget per host


async def test_many_waiters_never_exhaust_the_redis_pool(prefix: str) -> None:
    small = Redis(host="127.0.0.1", port=6379, db=DB, max_connections=6)
    limiter = RedisHostLimiter(
        small, concurrency=3, prefix=prefix, poll_interval=0.002, max_redis_calls=4
    )
    entered = 0

    async def one(i: int) -> None:
        nonlocal entered
        async with limiter.slot(f"h{i % 2}.test", min_delay=0.0):
            entered += 1
            await asyncio.sleep(0)

    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(200):
                tg.create_task(one(i))
    finally:
        await small.aclose()
    assert entered == 200
