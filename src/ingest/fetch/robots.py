"""robots.txt: fetching, caching (in memory or in Redis) and deciding with protego.

Outcomes follow RFC 9309: a robots.txt served with 2xx is obeyed; a 4xx (no robots.txt)
allows everything; a 5xx, 429 or network failure disallows the whole host until
``robots_error_ttl`` expires (``robots_unavailable``, retryable). Each origin's robots.txt is
fetched once at a time per process (concurrent callers wait for the same fetch), kept parsed
in a small local memo, and stored in the shared :class:`~ingest.fetch.base.RobotsCache`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego
from redis.asyncio import Redis
from redis.exceptions import RedisError
from yarl import URL

from ingest.fetch.base import Clock, Reason, RobotsCache, RobotsEntry
from ingest.logs import get_logger
from ingest.model import FetchFailure, FetchResult, Page

__all__ = [
    "MemoryRobotsCache",
    "RedisRobotsCache",
    "RobotsDecision",
    "RobotsPolicy",
    "origin_of",
    "robots_target",
]

log = get_logger(__name__)

ALLOW_ALL = "allow_all"
DISALLOW_ALL = "disallow_all"
OK = "ok"
UNKNOWN = "unknown"  # not cached: our own limiter failed before robots.txt could be fetched


def origin_of(url: URL) -> str:
    """``scheme://host:port``, the scope of one robots.txt."""
    return f"{url.scheme}://{url.host}:{url.port}"


def robots_target(url: URL) -> str:
    """What robots.txt rules are matched against: the path and query as requested on the
    wire (rules never look at the scheme, the authority or the fragment). The whole URL when
    the path starts with ``//``, which on its own would read as an authority."""
    path_qs = url.raw_path_qs
    if path_qs.startswith("/") and not path_qs.startswith("//"):
        return path_qs
    return str(url)


@dataclass(frozen=True, slots=True)
class RobotsDecision:
    allowed: bool
    reason: str = ""
    detail: str = ""
    retryable: bool = False
    crawl_delay: float = 0.0


class MemoryRobotsCache:
    """Per-process cache of robots.txt answers with expiry."""

    def __init__(self, *, clock: Clock = time.monotonic, max_entries: int = 50_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._data: dict[str, tuple[float, RobotsEntry]] = {}

    async def get(self, origin: str) -> RobotsEntry | None:
        item = self._data.get(origin)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._data[origin]
            return None
        return item[1]

    async def put(self, origin: str, entry: RobotsEntry, ttl: float) -> None:
        if len(self._data) >= self._max:
            now = self._clock()
            for key in [k for k, (exp, _) in self._data.items() if exp <= now]:
                del self._data[key]
            if len(self._data) >= self._max:
                self._data.pop(next(iter(self._data)))
        self._data[origin] = (self._clock() + ttl, entry)


class RedisRobotsCache:
    """robots.txt answers shared by every worker through Redis (``<prefix>robots:<origin>``).

    A Redis failure degrades to a cache miss on read and is ignored on write: robots.txt is
    then fetched again, which is polite enough and never stops the crawl.
    """

    def __init__(self, redis: Redis, *, prefix: str = "ingest:") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, origin: str) -> str:
        return f"{self._prefix}robots:{origin}"

    async def get(self, origin: str) -> RobotsEntry | None:
        try:
            raw = await self._redis.get(self._key(origin))
        except (RedisError, OSError) as exc:
            log.warning("robots.cache_unavailable", origin=origin, error=str(exc))
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return RobotsEntry(status=data["status"], text=data["text"], detail=data["detail"])
        except (ValueError, KeyError, TypeError):
            return None

    async def put(self, origin: str, entry: RobotsEntry, ttl: float) -> None:
        payload = json.dumps({"status": entry.status, "text": entry.text, "detail": entry.detail})
        try:
            await self._redis.set(self._key(origin), payload, px=max(1, int(ttl * 1000)))
        except (RedisError, OSError) as exc:
            log.warning("robots.cache_unavailable", origin=origin, error=str(exc))


@dataclass(frozen=True, slots=True)
class _Parsed:
    expires: float
    entry: RobotsEntry
    rules: Protego | None
    ttl: float
    crawl_delay: float = 0.0


def entry_from_result(result: FetchResult) -> RobotsEntry:
    """How a robots.txt fetch outcome translates into a cache entry (RFC 9309)."""
    if isinstance(result, Page):
        if 200 <= result.status < 300:
            return RobotsEntry(OK, result.body.decode("utf-8", errors="replace"))
        return RobotsEntry(ALLOW_ALL, detail=f"status {result.status}")
    if result.retryable or result.status == 429:
        detail = f"{result.reason}: {result.detail}" if result.detail else result.reason
        return RobotsEntry(DISALLOW_ALL, detail=f"robots.txt unavailable ({detail})"[:300])
    return RobotsEntry(ALLOW_ALL, detail=result.reason)


class RobotsPolicy:
    """Decides whether a URL may be fetched, and the host's Crawl-delay.

    ``fetch_robots`` is called with the robots.txt URL and must not itself consult robots.
    """

    _ALLOWED = RobotsDecision(True)

    def __init__(
        self,
        cache: RobotsCache,
        fetch_robots: Callable[[str], Awaitable[FetchResult]],
        *,
        agent: str,
        ttl: float = 3600.0,
        error_ttl: float = 300.0,
        memo_ttl: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._cache = cache
        self._fetch = fetch_robots
        self._agent = agent
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._memo_ttl = memo_ttl
        self._clock = clock
        self._memo: dict[str, _Parsed] = {}
        #: origins whose rules are being loaded -> the futures of the callers waiting for them
        self._pending: dict[str, list[asyncio.Future[_Parsed]]] = {}

    async def check(self, url: URL) -> RobotsDecision:
        """May ``url`` be fetched? Never raises for a misbehaving server."""
        decision = self.cached(url)
        if decision is not None:
            return decision
        return await self.load_and_check(url)

    async def load_and_check(self, url: URL) -> RobotsDecision:
        """:meth:`check` for a URL that :meth:`cached` had no answer for: wait for its origin's
        rules (fetched once however many callers wait) and decide."""
        return self._decide(await self._rules(origin_of(url)), url)

    def cached(self, url: URL) -> RobotsDecision | None:
        """The decision for ``url`` when its origin's rules are in the local memo, else None
        (then :meth:`check` must load them). No I/O: the fetcher's per-request fast path."""
        if url.path == "/robots.txt":
            return self._ALLOWED
        parsed = self._memo.get(origin_of(url))
        if parsed is None or parsed.expires <= self._clock():
            return None
        return self._decide(parsed, url)

    def _decide(self, parsed: _Parsed, url: URL) -> RobotsDecision:
        status = parsed.entry.status
        if status == ALLOW_ALL:
            return self._ALLOWED
        if status == UNKNOWN:
            return RobotsDecision(
                False, Reason.LIMITER_UNAVAILABLE, parsed.entry.detail, retryable=True
            )
        rules = parsed.rules
        if status == DISALLOW_ALL or rules is None:
            return RobotsDecision(
                False, Reason.ROBOTS_UNAVAILABLE, parsed.entry.detail, retryable=True
            )
        if not rules.can_fetch(robots_target(url), self._agent):
            return RobotsDecision(False, Reason.ROBOTS_DISALLOWED, "disallowed by robots.txt")
        return (
            RobotsDecision(True, crawl_delay=parsed.crawl_delay)
            if parsed.crawl_delay
            else self._ALLOWED
        )

    async def sitemaps(self, url: str | URL) -> tuple[str, ...]:
        """The ``Sitemap:`` URLs of the robots.txt governing ``url`` (for discovery)."""
        parsed = await self._rules(origin_of(URL(url) if isinstance(url, str) else url))
        return tuple(parsed.rules.sitemaps) if parsed.rules is not None else ()

    async def _rules(self, origin: str) -> _Parsed:
        memo = self._memo.get(origin)
        if memo is not None and memo.expires > self._clock():
            return memo
        waiting = self._pending.get(origin)
        if waiting is not None:
            # Single flight: wait for the caller that is loading. Each waiter has its own
            # future, so cancelling one waiter cancels neither the load nor the other waiters
            # (what asyncio.shield would give, with one callback per waiter instead of two).
            waiter: asyncio.Future[_Parsed] = asyncio.get_running_loop().create_future()
            waiting.append(waiter)
            return await waiter
        waiting = self._pending[origin] = []
        try:
            parsed = await self._load(origin)
        except BaseException as exc:
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_exception(exc)
            raise
        else:
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_result(parsed)
            return parsed
        finally:
            del self._pending[origin]

    async def _load(self, origin: str) -> _Parsed:
        entry = await self._cache.get(origin)
        ttl = self._memo_ttl
        if entry is None:
            result = await self._fetch(f"{origin}/robots.txt")
            entry = entry_from_result(result)
            if isinstance(result, FetchFailure) and result.reason == Reason.LIMITER_UNAVAILABLE:
                # our own infrastructure failed, not the host: decide now, remember nothing
                return _Parsed(self._clock(), RobotsEntry(UNKNOWN, detail=result.detail), None, 0.0)
            ttl = self._error_ttl if entry.status == DISALLOW_ALL else self._ttl
            await self._cache.put(origin, entry, ttl)
            if isinstance(result, FetchFailure):
                log.info("robots.fetch_failed", origin=origin, reason=result.reason)
        rules = Protego.parse(entry.text) if entry.status == OK else None
        delay = _delay(rules, self._agent) if rules is not None else 0.0
        parsed = _Parsed(self._clock() + min(ttl, self._memo_ttl), entry, rules, ttl, delay)
        if len(self._memo) > 10_000:
            self._memo.clear()
        self._memo[origin] = parsed
        return parsed


def _delay(rules: Protego, agent: str) -> float:
    """Seconds between requests asked by Crawl-delay or Request-rate; 0 when absent or absurd
    (negative, NaN); infinity is left to the caller's ``max_crawl_delay`` cap."""
    delay = float(rules.crawl_delay(agent) or 0.0)
    rate = rules.request_rate(agent)
    if rate is not None and rate.requests:
        delay = max(delay, rate.seconds / rate.requests)
    return delay if delay > 0 else 0.0
