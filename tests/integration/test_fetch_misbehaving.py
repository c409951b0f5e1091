"""The fetcher against local servers that misbehave on purpose: each case ends in its
documented outcome, and the crawl goes on."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

import pytest
from test_fetch_support import (
    BOMB,
    CP1252_TEXT,
    FakeTime,
    article,
    fetcher,
    serve,
    serve_raw,
)

from ingest.fetch import AddressGuard, FetchKind, fetch_many
from ingest.model import FetchFailure, FetchRequest, FetchResult, Page

pytestmark = pytest.mark.integration


def failure(result: FetchResult) -> FetchFailure:
    assert isinstance(result, FetchFailure), result
    return result


def page(result: FetchResult) -> Page:
    assert isinstance(result, Page), result
    return result


async def test_slow_headers_time_out_and_are_retryable() -> None:
    async with serve() as server, fetcher(read_timeout=0.3, max_attempts=2) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/slow-headers"))))
    assert result.reason == "timeout"
    assert result.retryable
    assert server.hits["/slow-headers"] == 2


async def test_slow_body_hits_the_total_timeout() -> None:
    async with serve() as server, fetcher(total_timeout=0.6, max_attempts=1) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/slow-body"))))
    assert result.reason == "timeout"
    assert result.retryable


async def test_a_body_that_stalls_hits_the_read_timeout() -> None:
    async with serve() as server, fetcher(read_timeout=0.3, total_timeout=5.0, max_attempts=1) as f:
        start = time.monotonic()
        result = failure(await f.fetch(FetchRequest(server.url("/stall-body"))))
        waited = time.monotonic() - start
    assert (result.reason, result.retryable) == ("timeout", True)
    assert 0.25 <= waited < 2.5  # the read timeout, well before the total


async def test_a_slow_body_that_keeps_coming_is_not_a_read_timeout() -> None:
    """Ten pieces 0.1 s apart (about a second in all) under a 0.3 s read timeout."""
    async with serve() as server, fetcher(read_timeout=0.3, total_timeout=5.0, max_attempts=1) as f:
        result = page(await f.fetch(FetchRequest(server.url("/trickle/10"))))
    assert result.body == article("trickle")


async def test_read_timeout_on_a_reused_connection() -> None:
    """Responses on one keep-alive connection, then one that never comes: timed from its own
    request, neither cut short by the earlier timer nor left waiting for the total."""
    async with (
        serve() as server,
        fetcher(read_timeout=0.4, total_timeout=5.0, max_attempts=1, concurrency=1) as f,
    ):
        for n in range(3):
            page(await f.fetch(FetchRequest(server.url(f"/page/{n}"))))
        await asyncio.sleep(0.2)
        start = time.monotonic()
        result = failure(await f.fetch(FetchRequest(server.url("/slow-headers"))))
        waited = time.monotonic() - start
    assert result.reason == "timeout"
    assert 0.38 <= waited < 3.0


async def test_connection_reset_then_success_is_retried() -> None:
    t = FakeTime()
    async with serve_raw(resets=2) as raw, fetcher(t, max_attempts=3) as f:
        result = page(await f.fetch(FetchRequest(f"{raw.base}/story")))
    assert result.body == article("after-reset")
    assert raw.seen == 3
    # aiohttp retries a reset once by itself; at least one retry is the fetcher's, with backoff
    assert len(t.sleeps) >= 1


async def test_connection_reset_forever_is_a_retryable_connection_error() -> None:
    t = FakeTime()
    async with serve_raw(resets=100) as raw, fetcher(t, max_attempts=3) as f:
        result = failure(await f.fetch(FetchRequest(f"{raw.base}/story")))
    assert result.reason == "connection_error"
    assert result.retryable
    assert len(t.sleeps) == 2  # three attempts
    assert raw.seen >= 3


async def test_500_then_success() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t, backoff_base=0.5, backoff_max=4.0) as f:
        result = page(await f.fetch(FetchRequest(server.url("/flaky-500"))))
    assert result.status == 200
    assert result.body == article("flaky")
    assert server.hits["/flaky-500"] == 2
    assert len(t.sleeps) == 1 and 0.25 <= t.sleeps[0] <= 0.5


async def test_429_honours_retry_after() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t) as f:
        result = page(await f.fetch(FetchRequest(server.url("/429"))))
    assert result.body == article("429")
    assert server.hits["/429"] == 2
    assert t.sleeps == [7.0]


async def test_retry_after_beyond_the_time_budget_gives_up_at_once() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t, max_retry_time=600) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/429-long"))))
    assert (result.reason, result.status, result.retryable) == ("http_429", 429, True)
    assert server.hits["/429-long"] == 1
    assert t.sleeps == []


async def test_503_forever_ends_after_max_attempts() -> None:
    t = FakeTime()
    async with serve() as server, fetcher(t, max_attempts=4) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/503"))))
    assert (result.reason, result.status, result.retryable) == ("http_503", 503, True)
    assert server.hits["/503"] == 4
    assert len(t.sleeps) == 3
    assert all(0.005 <= d <= 0.05 for d in t.sleeps)  # jittered, capped at backoff_max


async def test_404_is_not_retried() -> None:
    async with serve() as server, fetcher() as f:
        result = failure(await f.fetch(FetchRequest(server.url("/404"))))
    assert (result.reason, result.retryable) == ("http_404", False)
    assert server.hits["/404"] == 1


async def test_redirect_loop_is_detected() -> None:
    async with serve() as server, fetcher() as f:
        result = failure(await f.fetch(FetchRequest(server.url("/loop-a"))))
    assert (result.reason, result.retryable) == ("redirect_loop", False)
    assert server.hits["/loop-a"] == 1 and server.hits["/loop-b"] == 1


async def test_too_many_redirects() -> None:
    async with serve() as server, fetcher(max_redirects=3) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/chain/0"))))
    assert result.reason == "too_many_redirects"
    assert server.hits["/chain/3"] == 1 and server.hits["/chain/4"] == 0


async def test_redirects_are_followed_and_recorded() -> None:
    async with serve() as server, fetcher() as f:
        result = page(await f.fetch(FetchRequest(server.url("/redirect?to=/page/9"))))
    assert result.final_url == server.url("/page/9")
    assert result.redirects == (server.url("/redirect?to=/page/9"),)
    assert result.body == article(9)


def _fake_dns(table: dict[str, str]) -> Any:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]

    return getaddrinfo


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/page/1",
        "http://[::ffff:169.254.169.254]/",
        "http://evil.test:{port}/page/1",  # a name that resolves to a private address
    ],
)
async def test_redirect_to_a_private_address_is_blocked(target: str) -> None:
    guard = AddressGuard(
        allow_networks=["127.0.0.1/32"],
        getaddrinfo=_fake_dns({"evil.test": "192.168.0.10", "good.test": "127.0.0.1"}),
    )
    async with serve() as server, fetcher(guard=guard) as f:
        to = target.format(port=server.port)
        result = failure(await f.fetch(FetchRequest(server.url(f"/redirect?to={to}"))))
    assert (result.reason, result.retryable) == ("blocked_address", False)


async def test_redirect_to_a_name_resolving_to_an_allowed_address_is_followed() -> None:
    guard = AddressGuard(
        allow_networks=["127.0.0.1/32"], getaddrinfo=_fake_dns({"good.test": "127.0.0.1"})
    )
    async with serve() as server, fetcher(guard=guard) as f:
        to = f"http://good.test:{server.port}/page/5"
        result = page(await f.fetch(FetchRequest(server.url(f"/redirect?to={to}"))))
    assert result.final_url == to
    assert result.body == article(5)


async def test_loopback_is_blocked_unless_allowed() -> None:
    async with serve() as server, fetcher(allow_networks=()) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/page/1"))))
        named = failure(await f.fetch(FetchRequest(f"http://localhost:{server.port}/page/1")))
    assert result.reason == "blocked_address"
    assert named.reason == "blocked_address"
    assert server.hits["/page/1"] == 0 and server.hits["/robots.txt"] == 0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
        ("http://[fd00:ec2::254]/", "blocked_address"),
        ("http://10.11.12.13/", "blocked_address"),
        ("file:///etc/passwd", "invalid_url"),
        ("http://admin:pw@127.0.0.1/", "invalid_url"),
        ("not a url", "invalid_url"),
    ],
)
async def test_user_supplied_urls_are_checked_first(url: str, reason: str) -> None:
    async with fetcher() as f:
        result = failure(await f.fetch(FetchRequest(url, user_supplied=True)))
    assert (result.reason, result.retryable) == (reason, False)


async def test_body_over_the_cap_with_content_length() -> None:
    async with serve() as server, fetcher(max_bytes=100_000) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/big"))))
    assert (result.reason, result.retryable, result.status) == ("too_large", False, 200)


async def test_streamed_body_over_the_cap() -> None:
    async with serve() as server, fetcher(max_bytes=100_000) as f:
        result = failure(await f.fetch(FetchRequest(server.url("/big-chunked"))))
    assert result.reason == "too_large"


async def test_gzip_bomb_is_refused() -> None:
    assert len(BOMB) < 100_000
    async with serve() as server, fetcher() as f:
        result = failure(await f.fetch(FetchRequest(server.url("/bomb"))))
    assert (result.reason, result.retryable) == ("decompression_bomb", False)


async def test_brotli_body_is_decoded() -> None:
    async with serve() as server, fetcher() as f:
        result = page(await f.fetch(FetchRequest(server.url("/brotli"))))
    assert result.body == article("br")
    assert "content-encoding" not in result.headers


async def test_wrong_declared_charset_still_decodes() -> None:
    async with serve() as server, fetcher() as f:
        result = page(await f.fetch(FetchRequest(server.url("/cp1252"))))
    assert result.encoding is not None and result.encoding != "utf-8"
    assert CP1252_TEXT in result.body.decode(result.encoding)


async def test_pdf_is_refused_before_the_body_is_read() -> None:
    async with serve() as server, fetcher() as f:
        result = failure(await f.fetch(FetchRequest(server.url("/pdf"))))
        sniffed = failure(await f.fetch(FetchRequest(server.url("/pdf-as-html"))))
    assert (result.reason, result.retryable) == ("not_html", False)
    assert "application/pdf" in result.detail
    assert sniffed.reason == "not_html"


async def test_feeds_are_accepted_for_discovery_only() -> None:
    async with serve() as server, fetcher() as f:
        as_article = failure(await f.fetch(FetchRequest(server.url("/feed.xml"))))
        as_feed = page(await f.fetch_text(server.url("/feed.xml")))
        discovery = page(
            await f.fetch(FetchRequest(server.url("/feed.xml")), kind=FetchKind.DISCOVERY)
        )
    assert as_article.reason == "not_html"
    assert as_feed.body == b"<rss><channel/></rss>" == discovery.body


async def test_the_crawl_goes_on_and_nothing_fetched_is_lost() -> None:
    async with serve() as server, fetcher(total_timeout=1.0, read_timeout=0.3, max_attempts=2) as f:
        bad = {
            "/slow-headers": "timeout",
            "/503": "http_503",
            "/404": "http_404",
            "/loop-a": "redirect_loop",
            "/bomb": "decompression_bomb",
            "/pdf": "not_html",
            "/private/1": "robots_disallowed",
            "/redirect?to=http://10.0.0.1/": "blocked_address",
        }
        good = [f"/page/{i}" for i in range(60)]
        paths = [p for pair in zip(good, [*bad, *[None] * 60], strict=False) for p in pair if p]
        results = await fetch_many(f, [FetchRequest(server.url(p), source="s") for p in paths])
    assert len(results) == len(paths)
    for path, result in zip(paths, results, strict=True):
        assert result.url == server.url(path)
        if path in bad:
            assert failure(result).reason == bad[path], path
        else:
            got = page(result)
            assert got.body == article(path.rsplit("/", 1)[1])
            assert got.source == "s"


async def test_user_supplied_name_resolving_inside_is_blocked_before_robots() -> None:
    guard = AddressGuard(
        allow_networks=["127.0.0.1/32"], getaddrinfo=_fake_dns({"intranet.test": "10.9.8.7"})
    )
    async with serve() as server, fetcher(guard=guard) as f:
        result = failure(
            await f.fetch(FetchRequest("http://intranet.test/wiki", user_supplied=True))
        )
        ok = page(await f.fetch(FetchRequest(server.url("/page/2"), user_supplied=True)))
    assert (result.reason, result.retryable) == ("blocked_address", False)
    assert "10.9.8.7" in result.detail
    assert ok.body == article(2)


async def test_connect_timeout_when_the_server_never_accepts() -> None:
    """A listener with a full accept queue: the kernel drops our SYN, connect never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        options = {"connect_timeout": 0.3, "read_timeout": 0.3, "max_attempts": 1}
        async with fetcher(obey_robots=False, **options) as f:  # robots.txt would time out first
            result = failure(await f.fetch(FetchRequest(f"http://127.0.0.1:{port}/story")))
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert (result.reason, result.retryable) == ("timeout", True)
