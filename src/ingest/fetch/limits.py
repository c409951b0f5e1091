"""Per-host politeness: concurrent requests and a minimum delay between request starts.

:class:`LocalHostLimiter` keeps the state in the process; :class:`RedisHostLimiter` keeps it
in Redis so that every worker process shares one budget per host. Both implement
:class:`~ingest.fetch.base.HostLimiter`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from ingest.errors import TransientError
from ingest.fetch.base import Clock, Sleep

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["HostLimiterUnavailable", "LocalHostLimiter", "RedisHostLimiter"]

_REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


class HostLimiterUnavailable(TransientError):
    """The shared limiter (Redis) could not be reached."""


class _HostState:
    __slots__ = ("active", "next_start", "semaphore", "undelayed")

    def __init__(self, owner: LocalHostLimiter, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.next_start = 0.0
        self.active = 0
        #: the slot for ``min_delay=0``, shared: a slot keeps no state of its own per use
        self.undelayed = _LocalSlot(owner, self, 0.0)


class _LocalSlot:
    """One slot of a :class:`LocalHostLimiter` (a plain class: it is on every request's path)."""

    __slots__ = ("_delay", "_owner", "_state")

    def __init__(self, owner: LocalHostLimiter, state: _HostState, delay: float) -> None:
        self._owner = owner
        self._state = state
        self._delay = delay

    async def __aenter__(self) -> None:
        state = self._state
        try:
            await state.semaphore.acquire()
        except BaseException:
            state.active -= 1
            raise
        if self._delay > 0 or state.next_start > 0:
            try:
                await self._owner._wait_turn(state, self._delay)
            except BaseException:
                await self.__aexit__(None, None, None)
                raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._state.semaphore.release()
        self._state.active -= 1


class LocalHostLimiter:
    """In-process limiter: one semaphore and one "next allowed start" per host.

    Start times are reserved in order, so ``min_delay`` spaces request starts even when
    ``concurrency`` > 1. Idle hosts are forgotten once their delay has passed.
    """

    def __init__(
        self,
        *,
        concurrency: int,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        max_idle_hosts: int = 10_000,
    ) -> None:
        self._limit = concurrency
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._max_idle = max_idle_hosts

    def slot(self, host: str, *, min_delay: float) -> AbstractAsyncContextManager[None]:
        state = self._hosts.get(host)
        if state is None:
            if len(self._hosts) >= self._max_idle:
                self._prune()
            state = self._hosts[host] = _HostState(self, self._limit)
        state.active += 1  # counted from here so that _prune never drops a host about to be used
        return _LocalSlot(self, state, min_delay) if min_delay > 0 else state.undelayed

    async def defer(self, host: str, seconds: float) -> None:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(self, self._limit)
        state.next_start = max(state.next_start, self._clock() + seconds)

    async def _wait_turn(self, state: _HostState, min_delay: float) -> None:
        now = self._clock()
        start = max(now, state.next_start)
        state.next_start = start + min_delay
        if start > now:
            await self._sleep(start - now)

    def _prune(self) -> None:
        now = self._clock()
        for host in [h for h, s in self._hosts.items() if s.active == 0 and s.next_start <= now]:
            del self._hosts[host]


# KEYS[1] leases (zset lease-id -> expiry ms), KEYS[2] next allowed start (ms)
# ARGV: lease id, concurrency, delay ms, lease ttl ms
# Returns -1 when the host is full, else the ms to wait before starting (slot is taken).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(now, nxt)
local delay = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], start + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], start - now + ttl)
if delay > 0 or nxt > now then
  redis.call('SET', KEYS[2], start + delay, 'PX', start - now + delay + 1000)
end
return start - now
"""

# KEYS[1] next allowed start (ms); ARGV[1] seconds-from-now in ms
_DEFER = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = now + tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if want > nxt then
  redis.call('SET', KEYS[1], want, 'PX', tonumber(ARGV[1]) + 1000)
end
return 0
"""


class RedisHostLimiter:
    """Limiter shared by every process through Redis (Lua scripts, server clock).

    Each slot is a lease in a sorted set that expires after ``lease_ttl`` seconds, so a worker
    that dies mid-request cannot hold a host forever. In front of Redis, a per-process gate
    lets at most ``concurrency`` local callers per host contend for leases (the rest wait
    locally, without traffic), and at most ``max_redis_calls`` commands are in flight at once
    (keep it below the client's pool size; redis-py's default pool holds 100). A full host is
    polled with a short jittered interval (``poll_interval`` .. 4x). Keys:
    ``<prefix>host:<host>:leases`` and ``<prefix>host:<host>:next``, both with expiry.
    Raises :class:`HostLimiterUnavailable` when Redis fails.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        concurrency: int,
        prefix: str = "ingest:",
        lease_ttl: float = 120.0,
        poll_interval: float = 0.02,
        max_redis_calls: int = 32,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._redis = redis
        self._limit = concurrency
        self._prefix = prefix
        self._lease_ms = int(lease_ttl * 1000)
        self._poll = poll_interval
        self._sleep = sleep
        self._local = LocalHostLimiter(concurrency=concurrency, sleep=sleep)
        self._calls = asyncio.Semaphore(max_redis_calls)
        self._acquire = redis.register_script(_ACQUIRE)
        self._defer = redis.register_script(_DEFER)

    def _keys(self, host: str) -> list[str]:
        base = f"{self._prefix}host:{host}"
        return [f"{base}:leases", f"{base}:next"]

    def slot(self, host: str, *, min_delay: float) -> AbstractAsyncContextManager[None]:
        return self._slot(host, min_delay)

    @asynccontextmanager
    async def _slot(self, host: str, min_delay: float) -> AsyncIterator[None]:
        async with self._local.slot(host, min_delay=0.0):
            keys = self._keys(host)
            lease = uuid.uuid4().hex
            wait_ms = await self._lease(keys, lease, min_delay)
            try:
                if wait_ms > 0:
                    await self._sleep(wait_ms / 1000)
                yield
            finally:
                await self._release(keys[0], lease)

    async def _lease(self, keys: list[str], lease: str, min_delay: float) -> int:
        """Take a lease; returns the milliseconds to wait before the reserved start."""
        args: list[str | int] = [lease, self._limit, int(min_delay * 1000), self._lease_ms]
        poll = self._poll
        try:
            while True:
                async with self._calls:
                    wait_ms = int(await self._acquire(keys=keys, args=args))
                if wait_ms >= 0:
                    return wait_ms
                await self._sleep(random.uniform(poll, poll * 2))
                poll = min(poll * 2, self._poll * 4)
        except _REDIS_ERRORS as exc:
            raise HostLimiterUnavailable(f"host limiter: {exc}") from exc

    async def _release(self, key: str, lease: str) -> None:
        with contextlib.suppress(*_REDIS_ERRORS):  # an orphan lease expires after lease_ttl
            async with self._calls:
                await asyncio.shield(self._redis.zrem(key, lease))

    async def defer(self, host: str, seconds: float) -> None:
        try:
            async with self._calls:
                await self._defer(keys=[self._keys(host)[1]], args=[int(seconds * 1000)])
        except _REDIS_ERRORS as exc:
            raise HostLimiterUnavailable(f"host limiter: {exc}") from exc
