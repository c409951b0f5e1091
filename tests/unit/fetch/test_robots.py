from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from yarl import URL

from ingest.fetch.robots import MemoryRobotsCache, RobotsPolicy
from ingest.model import FetchFailure, FetchResult, Page

ROBOTS = """
User-agent: *
Disallow: /private/
Crawl-delay: 3

User-agent: ingest
Disallow: /no-ingest/
Crawl-delay: 2
Sitemap: https://news.test/sitemap.xml
"""
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def page(status: int, text: str = "") -> Page:
    return Page(
        url="https://news.test/robots.txt",
        final_url="https://news.test/robots.txt",
        status=status,
        headers={},
        body=text.encode(),
        fetched_at=WHEN,
    )


class FakeFetch:
    def __init__(self, result: FetchResult) -> None:
        self.result = result
        self.calls: list[str] = []

    async def __call__(self, url: str) -> FetchResult:
        self.calls.append(url)
        await asyncio.sleep(0)
        return self.result


def policy(fetch: FakeFetch, clock: Clock, **kw: float) -> RobotsPolicy:
    return RobotsPolicy(MemoryRobotsCache(clock=clock), fetch, agent="ingest", clock=clock, **kw)


async def test_rules_for_our_agent_apply_with_crawl_delay() -> None:
    fetch = FakeFetch(page(200, ROBOTS))
    p = policy(fetch, Clock())
    ok = await p.check(URL("https://news.test/world/story"))
    assert ok.allowed and ok.crawl_delay == 2.0
    denied = await p.check(URL("https://news.test/no-ingest/x"))
    assert not denied.allowed and denied.reason == "robots_disallowed" and not denied.retryable
    assert await p.sitemaps("https://news.test/") == ("https://news.test/sitemap.xml",)
    assert fetch.calls == ["https://news.test:443/robots.txt"]


async def test_concurrent_checks_fetch_robots_once() -> None:
    fetch = FakeFetch(page(200, ROBOTS))
    p = policy(fetch, Clock())
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(p.check(URL(f"https://news.test/a/{i}"))) for i in range(20)]
    assert all(t.result().allowed for t in tasks)
    assert len(fetch.calls) == 1


async def test_missing_robots_allows_everything() -> None:
    p = policy(FakeFetch(page(404)), Clock())
    assert (await p.check(URL("https://news.test/private/x"))).allowed


@pytest.mark.parametrize(
    "failure",
    [
        FetchFailure(url="u", reason="http_503", retryable=True, status=503),
        FetchFailure(url="u", reason="http_429", retryable=True, status=429),
        FetchFailure(url="u", reason="timeout", retryable=True),
    ],
)
async def test_unreachable_robots_disallows_host_for_error_ttl(failure: FetchFailure) -> None:
    clock = Clock()
    fetch = FakeFetch(failure)
    p = policy(fetch, clock, error_ttl=30.0, memo_ttl=10.0)
    decision = await p.check(URL("https://news.test/a"))
    assert not decision.allowed
    assert decision.reason == "robots_unavailable" and decision.retryable
    clock.now = 25.0
    await p.check(URL("https://news.test/b"))
    assert len(fetch.calls) == 1  # still cached
    fetch.result = page(200, ROBOTS)
    clock.now = 36.0  # cache entry expired at 30, the local memo (10 s) at 35
    assert (await p.check(URL("https://news.test/b"))).allowed
    assert len(fetch.calls) == 2


async def test_robots_is_refetched_after_ttl() -> None:
    clock = Clock()
    fetch = FakeFetch(page(200, ROBOTS))
    p = policy(fetch, clock, ttl=100.0, memo_ttl=10.0)
    await p.check(URL("https://news.test/a"))
    clock.now = 50.0
    await p.check(URL("https://news.test/a"))
    assert len(fetch.calls) == 1
    fetch.result = page(200, "User-agent: *\nDisallow: /\n")
    clock.now = 101.0
    assert not (await p.check(URL("https://news.test/a"))).allowed
    assert len(fetch.calls) == 2


async def test_origins_are_separate_and_robots_txt_itself_is_always_allowed() -> None:
    fetch = FakeFetch(page(200, "User-agent: *\nDisallow: /\n"))
    p = policy(fetch, Clock())
    assert (await p.check(URL("https://news.test/robots.txt"))).allowed
    assert not (await p.check(URL("https://news.test/x"))).allowed
    assert not (await p.check(URL("http://news.test/x"))).allowed
    assert not (await p.check(URL("https://other.test/x"))).allowed
    assert len(fetch.calls) == 3


async def test_memory_cache_expiry() -> None:
    clock = Clock()
    cache = MemoryRobotsCache(clock=clock, max_entries=2)
    from ingest.fetch.base import RobotsEntry

    await cache.put("a", RobotsEntry("ok", "x"), 10)
    assert (await cache.get("a")) == RobotsEntry("ok", "x")
    clock.now = 11
    assert await cache.get("a") is None
    for key in "bcd":
        await cache.put(key, RobotsEntry("allow_all"), 10)
    assert await cache.get("d") is not None


@pytest.mark.parametrize(
    ("robots", "delay"),
    [
        ("User-agent: *\nCrawl-delay: nan\n", 0.0),
        ("User-agent: *\nCrawl-delay: -3\n", 0.0),
        ("User-agent: *\nRequest-rate: 1/10s\n", 10.0),
        ("User-agent: *\nCrawl-delay: 1e400\n", 0.0),  # protego drops it
    ],
)
async def test_odd_crawl_delays(robots: str, delay: float) -> None:
    p = policy(FakeFetch(page(200, robots)), Clock())
    assert (await p.check(URL("https://news.test/a"))).crawl_delay == delay


TRICKY_ROBOTS = """
User-agent: *
Disallow: /private/
Disallow: /*.pdf$
Disallow: /search?
Disallow: /a%2Fb
Disallow: /caf%C3%A9/
Allow: /private/open
Disallow: //double
Disallow: /semi;x
"""


@pytest.mark.parametrize(
    "url",
    [
        "https://news.test/",
        "https://news.test",
        "https://news.test/private/x",
        "https://news.test/private/open/1",
        "https://news.test/doc.pdf",
        "https://news.test/doc.pdf?x=1",
        "https://news.test/search?q=a",
        "https://news.test/search",
        "https://news.test/a%2Fb",
        "https://news.test/a/b",
        "https://news.test/café/story",
        "https://news.test/caf%C3%A9/story",
        "https://news.test/story#private/",
        "https://news.test//double/x",
        "https://news.test/semi;x",
        "https://news.test/%7Euser/page",
        "https://news.test/robots.txt",
        "https://news.test:8443/private/x?y=%20z",
        "http://[::1]:8080/private/",
    ],
)
def test_rules_match_the_path_as_they_would_the_whole_url(url: str) -> None:
    from protego import Protego

    from ingest.fetch.robots import robots_target

    rules = Protego.parse(TRICKY_ROBOTS)
    parsed = URL(url)
    target = robots_target(parsed)
    assert rules.can_fetch(target, "ingest") == rules.can_fetch(str(parsed), "ingest")
    assert "#" not in target


async def test_cached_decides_without_io_once_the_rules_are_loaded() -> None:
    fetch = FakeFetch(page(200, ROBOTS))
    clock = Clock()
    p = policy(fetch, clock, memo_ttl=60.0)
    assert p.cached(URL("https://news.test/world/story")) is None  # not loaded yet
    assert (await p.check(URL("https://news.test/world/story"))).allowed
    hit = p.cached(URL("https://news.test/world/other"))
    assert hit is not None and hit.allowed and hit.crawl_delay == 2.0
    denied = p.cached(URL("https://news.test/no-ingest/x"))
    assert denied is not None and not denied.allowed
    robots = p.cached(URL("https://other.test/robots.txt"))
    assert robots is not None and robots.allowed
    clock.now += 61.0  # the memo expired: load again (from the shared cache)
    assert p.cached(URL("https://news.test/world/story")) is None
    assert fetch.calls == ["https://news.test:443/robots.txt"]


class GatedFetch:
    """A robots.txt fetch that waits until the test lets it finish (or fail)."""

    def __init__(self, result: FetchResult | BaseException) -> None:
        self.result = result
        self.calls: list[str] = []
        self.gate = asyncio.Event()

    async def __call__(self, url: str) -> FetchResult:
        self.calls.append(url)
        await self.gate.wait()
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


async def test_a_cancelled_waiter_leaves_the_load_and_the_other_waiters_alone() -> None:
    fetch = GatedFetch(page(200, ROBOTS))
    p = RobotsPolicy(MemoryRobotsCache(clock=Clock()), fetch, agent="ingest", clock=Clock())
    loader = asyncio.create_task(p.check(URL("https://news.test/a")))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(p.check(URL(f"https://news.test/b/{i}"))) for i in range(3)]
    await asyncio.sleep(0)
    waiters[1].cancel()
    await asyncio.sleep(0)
    fetch.gate.set()
    assert (await loader).allowed
    assert (await waiters[0]).allowed and (await waiters[2]).allowed
    with pytest.raises(asyncio.CancelledError):
        await waiters[1]
    assert fetch.calls == ["https://news.test:443/robots.txt"]
    assert p.cached(URL("https://news.test/c")) is not None


async def test_a_failed_load_reaches_every_waiter_and_the_next_check_loads_again() -> None:
    fetch = GatedFetch(RuntimeError("bug in a robots cache"))
    p = RobotsPolicy(MemoryRobotsCache(clock=Clock()), fetch, agent="ingest", clock=Clock())
    tasks = [asyncio.create_task(p.check(URL(f"https://news.test/{i}"))) for i in range(3)]
    await asyncio.sleep(0)
    fetch.gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert len(fetch.calls) == 1
    fetch.result = page(200, ROBOTS)
    assert (await p.check(URL("https://news.test/again"))).allowed
    assert len(fetch.calls) == 2


async def test_a_cancelled_loader_lets_its_waiters_go() -> None:
    fetch = GatedFetch(page(200, ROBOTS))
    p = RobotsPolicy(MemoryRobotsCache(clock=Clock()), fetch, agent="ingest", clock=Clock())
    loader = asyncio.create_task(p.check(URL("https://news.test/a")))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(p.check(URL("https://news.test/b")))
    await asyncio.sleep(0)
    loader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loader
    with pytest.raises(asyncio.CancelledError):
        await waiter  # not left hanging on a load nobody finishes
    fetch.gate.set()
    assert (await p.check(URL("https://news.test/c"))).allowed  # a new load
