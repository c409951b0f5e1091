"""``HttpFetcher``: the aiohttp implementation of :class:`~ingest.fetch.base.Fetcher`.

One ``ClientSession`` (and connector) per fetcher, opened by ``async with``; nothing is
created at import. Every fetch goes: URL shape (+ full address check for user-supplied URLs)
-> [per hop: robots.txt -> host slot -> global slot -> request with timeouts -> redirect or
response] -> retries with backoff. Whatever happens, the result is a ``Page`` or a
``FetchFailure``; only programming errors raise.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType

import aiohttp
from yarl import URL

from ingest.fetch.base import (
    Clock,
    Fetcher,
    FetchKind,
    FetchOptions,
    HostLimiter,
    Reason,
    RobotsCache,
    Sleep,
)
from ingest.fetch.guard import AddressGuard, GuardedResolver
from ingest.fetch.limits import HostLimiterUnavailable, LocalHostLimiter
from ingest.fetch.outcomes import failure_for_exception
from ingest.fetch.policies import RetryPolicy
from ingest.fetch.response import ResponseReader
from ingest.fetch.robots import MemoryRobotsCache, RobotsPolicy
from ingest.fetch.transport import FetchConnector
from ingest.logs import get_logger
from ingest.model import FetchFailure, FetchRequest, FetchResult, Page

__all__ = ["HttpFetcher", "fetch_many"]

log = get_logger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ROBOTS_REDIRECTS = 5


class HttpFetcher:
    """Polite, guarded HTTP fetching over one aiohttp session.

    ``async with HttpFetcher(options) as fetcher: result = await fetcher.fetch(request)``.
    ``limiter`` defaults to a :class:`LocalHostLimiter`, ``robots_cache`` to a
    :class:`MemoryRobotsCache`; pass the Redis variants to share politeness between processes.
    ``clock``/``sleep``/``now``/``rand`` are injectable so tests never wait for real.
    """

    def __init__(
        self,
        options: FetchOptions,
        *,
        limiter: HostLimiter | None = None,
        robots_cache: RobotsCache | None = None,
        guard: AddressGuard | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.options = options
        self._limiter = limiter or LocalHostLimiter(
            concurrency=options.per_host_concurrency, clock=clock, sleep=sleep
        )
        self._guard = guard or AddressGuard(
            allow_private=options.allow_private, allow_networks=options.allow_networks
        )
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._rand = rand
        self._retry = RetryPolicy(
            max_attempts=options.max_attempts,
            max_time=options.max_retry_time,
            base=options.backoff_base,
            cap=options.backoff_max,
        )
        self.robots = RobotsPolicy(
            robots_cache or MemoryRobotsCache(clock=clock),
            self._fetch_robots,
            agent=options.robots_agent,
            ttl=options.robots_ttl,
            error_ttl=options.robots_error_ttl,
            clock=clock,
        )
        self._reader = ResponseReader(options, clock=clock, now=now)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpFetcher:
        opts = self.options
        connector = FetchConnector(
            limit=opts.concurrency,  # the global bound: one connection per request in flight
            limit_per_host=0,  # the HostLimiter decides, also across processes
            resolver=GuardedResolver(self._guard),
            ttl_dns_cache=int(opts.dns_ttl),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # sock_connect bounds each TCP/TLS connect (no timer when a pooled connection is
            # reused); waiting for a free connection is bounded by total.
            timeout=aiohttp.ClientTimeout(
                total=opts.total_timeout,
                sock_connect=opts.connect_timeout,
                sock_read=opts.read_timeout,
            ),
            headers={
                "User-Agent": opts.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
            },
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            raise_for_status=False,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self, request: FetchRequest, *, kind: FetchKind = FetchKind.ARTICLE
    ) -> FetchResult:
        """Fetch ``request.url``. Never raises for a bad URL or server (see module docstring).

        A robots.txt (``kind=ROBOTS``) follows at most 5 redirects, as RFC 9309 asks; anything
        else at most ``options.max_redirects``.
        """
        started = self._clock()
        try:
            url = AddressGuard.check_shape(request.url)
            if request.user_supplied:
                await self._guard.check_url(url)
        except (ValueError, OSError) as exc:
            return failure_for_exception(request.url, exc, self._now())
        result, retry_after = await self._attempt(request, url, kind, started)
        if isinstance(result, Page) or not result.retryable:
            return result
        return await self._retry_loop(
            request, url, kind=kind, started=started, result=result, retry_after=retry_after
        )

    async def fetch_text(self, url: str, *, kind: FetchKind = FetchKind.DISCOVERY) -> FetchResult:
        """Fetch a feed, sitemap or section page (XML, JSON and text types accepted)."""
        return await self.fetch(FetchRequest(url=url), kind=kind)

    async def sitemaps(self, url: str) -> tuple[str, ...]:
        """The ``Sitemap:`` URLs listed in the robots.txt of ``url``'s origin."""
        try:
            parsed = AddressGuard.check_shape(url)
        except ValueError:
            return ()
        return await self.robots.sitemaps(parsed)

    async def _fetch_robots(self, url: str) -> FetchResult:
        return await self.fetch(FetchRequest(url=url), kind=FetchKind.ROBOTS)

    async def _retry_loop(
        self,
        request: FetchRequest,
        url: URL,
        *,
        kind: FetchKind,
        started: float,
        result: FetchFailure,
        retry_after: float | None,
    ) -> FetchResult:
        """Attempts 2..n after a retryable failure, with backoff (and Retry-After) between."""
        state = self._retry.start(started)
        state.attempts = 1
        while True:
            delay = state.next_delay(self._clock(), retry_after, self._rand)
            if delay is None:
                log.info("fetch.gave_up", url=request.url, reason=result.reason, n=state.attempts)
                return result
            log.info("fetch.retry", url=request.url, reason=result.reason, delay=round(delay, 3))
            if retry_after is not None and url.host:
                await self._limiter.defer(url.host, retry_after)
            await self._sleep(delay)
            state.attempts += 1
            outcome, retry_after = await self._attempt(request, url, kind, started)
            if isinstance(outcome, Page) or not outcome.retryable:
                return outcome
            result = outcome

    async def _attempt(
        self, request: FetchRequest, url: URL, kind: FetchKind, started: float
    ) -> tuple[FetchResult, float | None]:
        """One attempt: the request and its redirects, each hop under robots.txt, the host
        slot and the global limit. Returns the outcome and any Retry-After.

        One coroutine for the whole attempt (not one per hop and per step): it is on every
        request's path, and every await layer costs on each suspension.
        """
        session = self._session
        assert session is not None, "use 'async with'"
        options = self.options
        robots = options.obey_robots and kind is not FetchKind.ROBOTS
        conditional = request.etag is not None or request.last_modified is not None
        headers = _conditional_headers(request) if conditional else None
        chain: tuple[str, ...] = ()
        seen: set[str] | None = None
        while True:
            try:
                host = url.host or ""
                self._guard.check_literal(host)
                delay = options.per_host_delay
                if robots:
                    decision = self.robots.cached(url)
                    if decision is None:  # rules not in the local memo: load them
                        decision = await self.robots.load_and_check(url)
                    if not decision.allowed:
                        reason, detail = decision.reason, decision.detail
                        return self._fail(request, reason, detail, decision.retryable), None
                    delay = max(delay, min(decision.crawl_delay, options.max_crawl_delay))
                # ClientTimeout.total covers connect, headers and the body read in this block
                async with (
                    self._limiter.slot(host, min_delay=delay),
                    session.get(url, headers=headers, allow_redirects=False) as resp,
                ):
                    location = resp.headers.get("Location") if resp.status in _REDIRECTS else None
                    if location is None:
                        outcome = await self._reader.read(request, resp, kind, chain, started)
                        if isinstance(outcome, Page):
                            return outcome, None
                        return outcome.failure, outcome.retry_after
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                return failure_for_exception(request.url, exc, self._now()), None
            except HostLimiterUnavailable as exc:
                return self._fail(request, Reason.LIMITER_UNAVAILABLE, str(exc), True), None
            if seen is None:
                seen = {str(url.with_fragment(None))}
            chain = (*chain, str(url))
            try:
                url = AddressGuard.check_shape(url.join(URL(location)))
            except ValueError as exc:
                return self._fail(request, Reason.BAD_REDIRECT, f"{location!r}: {exc}"), None
            key = str(url.with_fragment(None))
            if key in seen:
                return self._fail(request, Reason.REDIRECT_LOOP, " -> ".join([*chain, key])), None
            limit = _ROBOTS_REDIRECTS if kind is FetchKind.ROBOTS else options.max_redirects
            if len(chain) > limit:
                return self._fail(request, Reason.TOO_MANY_REDIRECTS, f"over {limit}"), None
            seen.add(key)

    def _fail(
        self, request: FetchRequest, reason: str, detail: str, retryable: bool = False
    ) -> FetchFailure:
        return FetchFailure(
            url=request.url,
            reason=str(reason),
            detail=detail,
            retryable=retryable,
            fetched_at=self._now(),
        )


def _conditional_headers(request: FetchRequest) -> dict[str, str]:
    headers: dict[str, str] = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


async def fetch_many(
    fetcher: Fetcher,
    requests: Iterable[FetchRequest],
    *,
    kind: FetchKind = FetchKind.ARTICLE,
    max_pending: int = 256,
) -> list[FetchResult]:
    """Fetch a batch concurrently; results in request order.

    ``max_pending`` workers pull requests in order, so a large batch never becomes thousands
    of tasks queued on the same semaphores; the fetcher's own limits still decide how many
    requests are in flight, globally and per host.
    """
    batch = list(requests)
    results: list[FetchResult | None] = [None] * len(batch)
    taken = 0

    async def worker() -> None:
        nonlocal taken
        while taken < len(batch):
            index = taken
            taken += 1
            results[index] = await fetcher.fetch(batch[index], kind=kind)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(max_pending, len(batch))):
            group.create_task(worker())
    return [r for r in results if r is not None]
