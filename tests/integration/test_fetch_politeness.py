"""robots.txt, crawl-delay, concurrency limits, User-Agent and conditional requests."""

from __future__ import annotations

import pytest
from test_fetch_support import FakeTime, article, fetcher, serve

from ingest.fetch import SitemapSource, fetch_many
from ingest.model import FetchFailure, FetchRequest, Page

pytestmark = pytest.mark.integration


async def test_robots_disallow_is_an_outcome_and_the_page_is_never_requested() -> None:
    async with serve() as server, fetcher() as f:
        result = await f.fetch(FetchRequest(server.url("/private/1")))
        allowed = await f.fetch(FetchRequest(server.url("/page/1")))
    assert isinstance(result, FetchFailure)
    assert (result.reason, result.retryable) == ("robots_disallowed", False)
    assert server.hits["/private/1"] == 0
    assert isinstance(allowed, Page)
    assert server.hits["/robots.txt"] == 1


async def test_robots_can_be_switched_off() -> None:
    async with serve() as server, fetcher(obey_robots=False) as f:
        result = await f.fetch(FetchRequest(server.url("/private/1")))
    assert isinstance(result, Page)
    assert server.hits["/robots.txt"] == 0


async def test_robots_that_disallows_everything() -> None:
    async with serve("User-agent: *\nDisallow: /\n") as server, fetcher() as f:
        results = await fetch_many(f, [FetchRequest(server.url(f"/page/{i}")) for i in range(5)])
    assert {r.reason for r in results if isinstance(r, FetchFailure)} == {"robots_disallowed"}
    assert len(results) == 5
    assert server.hits["/robots.txt"] == 1


async def test_robots_for_another_agent_does_not_apply() -> None:
    robots = "User-agent: otherbot\nDisallow: /\n"
    async with serve(robots) as server, fetcher() as f:
        assert isinstance(await f.fetch(FetchRequest(server.url("/page/1"))), Page)


async def test_crawl_delay_spaces_requests_to_the_host() -> None:
    t = FakeTime(still=True)
    robots = "User-agent: *\nCrawl-delay: 2.5\n"
    async with serve(robots) as server, fetcher(t, per_host_concurrency=4) as f:
        results = await fetch_many(f, [FetchRequest(server.url(f"/page/{i}")) for i in range(4)])
    assert all(isinstance(r, Page) for r in results)
    # robots.txt itself is fetched before the delay is known; then four starts are reserved
    # 2.5 s apart on a clock that stands still: waits of 0, 2.5, 5.0 and 7.5
    assert sorted(t.sleeps) == [2.5, 5.0, 7.5]


async def test_crawl_delay_is_capped() -> None:
    t = FakeTime()
    robots = "User-agent: *\nCrawl-delay: 86400\n"
    async with serve(robots) as server, fetcher(t, max_crawl_delay=10.0) as f:
        for i in range(2):
            assert isinstance(await f.fetch(FetchRequest(server.url(f"/page/{i}"))), Page)
    assert t.sleeps == [10.0]


async def test_per_host_delay_applies_without_robots_delay() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t, per_host_delay=1.0) as f:
        for i in range(3):
            await f.fetch(FetchRequest(server.url(f"/page/{i}")))
    assert t.sleeps == [1.0, 1.0, 1.0]  # robots.txt counts as a request to the host


async def test_sitemap_lines_are_exposed_for_discovery() -> None:
    robots = "User-agent: *\nSitemap: https://news.test/sitemap.xml\nSitemap: /relative.xml\n"
    async with serve(robots) as server, fetcher() as f:
        assert isinstance(f, SitemapSource)
        sitemaps = await f.sitemaps(server.url("/any/page"))
    assert "https://news.test/sitemap.xml" in sitemaps
    assert server.hits["/robots.txt"] == 1


async def test_global_concurrency_limit() -> None:
    async with serve() as server, fetcher(concurrency=3, per_host_concurrency=50) as f:
        results = await fetch_many(
            f, [FetchRequest(server.url(f"/slowish/{i}")) for i in range(12)]
        )
    assert all(isinstance(r, Page) for r in results)
    assert server.peak == 3


async def test_per_host_concurrency_limit() -> None:
    async with serve() as server, fetcher(concurrency=50, per_host_concurrency=2) as f:
        results = await fetch_many(
            f, [FetchRequest(server.url(f"/slowish/{i}")) for i in range(10)]
        )
    assert all(isinstance(r, Page) for r in results)
    assert server.peak == 2


async def test_user_agent_names_the_crawler() -> None:
    async with serve() as server, fetcher(user_agent="ingest/9.9 (+https://example.org/bot)") as f:
        await f.fetch(FetchRequest(server.url("/page/1")))
    assert server.headers_seen["/page/1"]["User-Agent"] == "ingest/9.9 (+https://example.org/bot)"
    assert server.headers_seen["/robots.txt"]["User-Agent"].startswith("ingest/9.9")


async def test_etag_round_trip_gives_a_304_without_a_body() -> None:
    async with serve() as server, fetcher() as f:
        first = await f.fetch(FetchRequest(server.url("/etag")))
        assert isinstance(first, Page)
        assert first.body == article("etag")
        assert (first.etag, first.last_modified) == ('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT")
        again = await f.fetch(
            FetchRequest(server.url("/etag"), etag=first.etag, last_modified=first.last_modified)
        )
    assert isinstance(again, Page)
    assert again.status == 304 and again.not_modified
    assert again.body == b""
    sent = server.headers_seen["/etag"]
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Wed, 21 Oct 2026 07:28:00 GMT"


async def test_page_records_what_happened() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t) as f:
        result = await f.fetch(FetchRequest(server.url("/page/3"), source="news"))
    assert isinstance(result, Page)
    assert result.url == result.final_url == server.url("/page/3")
    assert result.status == 200 and result.encoding == "utf-8" and result.source == "news"
    assert result.fetched_at.tzinfo is not None
    assert result.headers["content-type"].startswith("text/html")
    assert result.elapsed >= 0


@pytest.mark.parametrize(("status", "reason"), [(503, "robots_unavailable"), (404, None)])
async def test_robots_txt_errors_follow_rfc_9309(status: int, reason: str | None) -> None:
    t = FakeTime()
    async with serve(f"status:{status}") as server, fetcher(t, max_attempts=2) as f:
        first = await f.fetch(FetchRequest(server.url("/page/1")))
        second = await f.fetch(FetchRequest(server.url("/private/1")))
    if reason is None:  # no robots.txt: everything may be fetched
        assert isinstance(first, Page) and isinstance(second, Page)
        assert server.hits["/robots.txt"] == 1
    else:  # robots.txt unreachable: the whole host waits, retryable, cached
        assert isinstance(first, FetchFailure) and isinstance(second, FetchFailure)
        assert (first.reason, first.retryable) == (reason, True)
        assert second.reason == reason
        assert server.hits["/page/1"] == 0 and server.hits["/private/1"] == 0
        assert server.hits["/robots.txt"] == 2  # two attempts for the first fetch, then cached


async def test_redirect_onto_a_disallowed_path_is_stopped() -> None:
    async with serve() as server, fetcher() as f:
        result = await f.fetch(FetchRequest(server.url("/redirect?to=/private/7")))
    assert isinstance(result, FetchFailure)
    assert result.reason == "robots_disallowed"
    assert server.hits["/private/7"] == 0


async def test_retry_after_as_an_http_date() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t, max_retry_time=600) as f:
        result = await f.fetch(FetchRequest(server.url("/429-date")))
    assert isinstance(result, Page)
    assert len(t.sleeps) == 1 and 85.0 <= t.sleeps[0] <= 90.0
