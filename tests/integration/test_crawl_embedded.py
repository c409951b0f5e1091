"""The embedded pipeline end to end: the demo site over real HTTP on loopback into SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import DemoServer, serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.discover.base import Link
from ingest.model import OutcomeKind
from ingest.normalize.urls import canonicalize, url_key
from ingest.pipeline.crawl import CrawlOptions, Summary
from ingest.settings import Settings, load_settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery
from ingest.store.sql import SqlStore

pytestmark = pytest.mark.integration


@dataclass
class Demo:
    site: DemoSite
    server: DemoServer
    source: Source


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    site = DemoSite(DemoConfig(n_articles=40))
    async with serve(site) as server:
        base = server.base_url
        source = Source(
            name="demo",
            feeds=(f"{base}/feed.xml", f"{base}/atom.xml"),
            sitemaps=(f"{base}/sitemap.xml",),
        )
        yield Demo(site, server, source)


def _settings(db_url: str, tmp_path: Path, *, learn: bool = True) -> Settings:
    return load_settings(
        env={},
        overrides={
            "database_url": db_url,
            "learn": {"enabled": learn},
            "sites_dir": str(tmp_path / "no-rules"),
            "fetch": {
                "allow_networks": ["127.0.0.0/8"],
                "per_host_concurrency": 8,
                "max_attempts": 2,
            },
        },
    )


async def _crawl(
    settings: Settings, store: SqlStore, sources: list[Source], options: CrawlOptions | None = None
) -> Summary:
    async with embedded_crawler(settings, store, options=options, processes=False) as crawler:
        return await crawler.crawl_sources(sources)


async def test_demo_crawl_stores_every_article_once(
    demo: Demo, sqlite_url: str, tmp_path: Path
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    expected = demo.site.expected_counts()
    summary = await _crawl(settings, store, [demo.source])

    assert summary.count(OutcomeKind.STORED) == expected["article_urls"]
    assert summary.near_duplicates == expected["syndicated"]
    assert summary.count(OutcomeKind.NOT_ARTICLE) == expected["sitemap_non_article_urls"]
    assert summary.count(OutcomeKind.FAILED) == 0
    counts = store.counts()
    assert counts["articles"] == expected["article_urls"]
    assert counts["clusters"] == expected["articles"]

    # Every stored article is clean text with the story's title and paragraphs.
    for article in store.query(ArticleQuery(limit=1000)):
        assert "<" not in article.body and "Recent posts" not in article.body
        assert article.published is not None and article.published.tzinfo is not None


async def test_second_crawl_of_unchanged_site_fetches_only_discovery(
    demo: Demo, sqlite_url: str, tmp_path: Path
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    await _crawl(settings, store, [demo.source])
    demo.server.request_log.clear()
    again = await _crawl(settings, store, [demo.source])
    assert again.count(OutcomeKind.STORED) == 0
    assert again.fetched == 0
    assert again.skipped_not_due == again.discovered
    fetched = {r.path for r in demo.server.request_log}
    assert all(p.endswith((".xml", ".gz", ".txt")) for p in fetched), fetched
    assert store.counts()["articles"] == demo.site.expected_counts()["article_urls"]


async def test_due_recrawl_uses_conditional_requests(
    demo: Demo, sqlite_url: str, tmp_path: Path
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    first = await _crawl(settings, store, [demo.source])
    later = CrawlOptions(clock=lambda: datetime.now(UTC) + timedelta(days=30))
    again = await _crawl(settings, store, [demo.source], later)
    assert again.count(OutcomeKind.STORED) == 0
    assert again.count(OutcomeKind.UPDATED) == 0
    assert again.reasons["unchanged:not_modified"] >= first.count(OutcomeKind.STORED)
    assert store.counts()["versions"] == first.count(OutcomeKind.STORED)


@pytest.fixture
async def hostile() -> AsyncIterator[str]:
    """A small server with one good article and pages that fail in different ways."""
    article = (
        "<html><head><title>Good story</title></head><body><article><h1>Good story</h1>"
        + "".join(
            f"<p>Paragraph {i} of a perfectly normal news story about the harbour "
            f"council and its budget for the coming year, number {i}.</p>"
            for i in range(8)
        )
        + "</article></body></html>"
    )

    async def good(_: web.Request) -> web.Response:
        return web.Response(text=article, content_type="text/html")

    async def missing(_: web.Request) -> web.Response:
        return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")

    async def pdf(_: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 binary", content_type="application/pdf")

    async def malformed(_: web.Request) -> web.Response:
        return web.Response(
            body=b"<html><body><div><p>broken <b>markup <<<< &&& </i></div>" * 50,
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_get("/good", good)
    app.router.add_get("/missing", missing)
    app.router.add_get("/paper.pdf", pdf)
    app.router.add_get("/malformed", malformed)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_bad_input_is_recorded_and_the_crawl_goes_on(
    hostile: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    dead = "http://127.0.0.1:9/unreachable"  # discard port: connection refused
    urls = [
        f"{hostile}/good",
        f"{hostile}/missing",
        f"{hostile}/paper.pdf",
        f"{hostile}/malformed",
        dead,
    ]
    async with embedded_crawler(settings, store, processes=False) as crawler:
        summary = await crawler.crawl_urls(urls, Source(name="t", seeds=tuple(urls)))
    assert summary.count(OutcomeKind.STORED) == 1
    assert summary.reasons["failed:http_404"] == 1
    assert summary.reasons["failed:not_html"] == 1
    # The dead host fails at its robots.txt already (unreachable: nothing may be fetched).
    assert summary.reasons["failed:robots_unavailable"] == 1
    assert summary.count(OutcomeKind.NOT_ARTICLE) == 1
    keys = [url_key(canonicalize(u) or u) for u in urls]
    entries = store.frontier(keys)
    assert len(entries) == len(urls)
    assert sorted(e.outcome or "" for e in entries.values()) == sorted(
        ["stored", "failed", "failed", "failed", "not_article"]
    )


async def test_saved_warc_replays_into_the_same_articles(demo: Demo, tmp_path: Path) -> None:
    from ingest.cli.commands import _warc_pages
    from ingest.discover.warc import WarcWriter

    # What site learning removes depends on the order pages are processed in, which a live
    # crawl does not keep: the archive's fidelity is compared without it.
    live = _settings(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path, learn=False)
    replay = _settings(f"sqlite:///{tmp_path / 'replay.sqlite'}", tmp_path, learn=False)
    live_store, replay_store = open_store(live), open_store(replay)
    archive = tmp_path / "crawl.warc.gz"
    with WarcWriter(archive) as writer:
        async with embedded_crawler(live, live_store, processes=False, page_sink=writer) as crawler:
            await crawler.crawl_sources([demo.source])
    async with embedded_crawler(replay, replay_store, processes=False) as crawler:
        summary = await crawler.crawl_pages(
            _warc_pages([archive]), Source(name="demo", seeds=("warc:",))
        )
    assert summary.fetched == live_store.counts()["urls"]

    def hashes(store: SqlStore) -> set[tuple[str, str]]:
        return {(a.url, a.content_hash) for a in store.query(ArticleQuery(limit=1000))}

    assert hashes(replay_store) == hashes(live_store)
    assert replay_store.counts()["clusters"] == live_store.counts()["clusters"]


async def test_feed_sitemap_and_section_are_discovered_in_full(tmp_path: Path) -> None:
    from ingest.bootstrap import fetch_options
    from ingest.fetch.client import HttpFetcher
    from ingest.pipeline.discovery import discover_source

    site = DemoSite(DemoConfig(n_articles=200))
    assert site.listing_pages("world") > 1  # pagination is exercised
    all_paths = set(site.article_paths())
    settings = _settings(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path)

    def paths(links: list[Link]) -> set[str]:
        return {urlsplit(link.url).path for link in links}

    async with serve(site) as server, HttpFetcher(fetch_options(settings)) as fetcher:
        base = server.base_url
        feed = await discover_source(fetcher, Source(name="f", feeds=(f"{base}/feed.xml",)))
        maps = await discover_source(fetcher, Source(name="s", sitemaps=(f"{base}/sitemap.xml",)))
        home = await discover_source(fetcher, Source(name="h", feeds=(f"{base}/",)))
        robots = await discover_source(fetcher, Source(name="r", sitemaps=(f"{base}/robots.txt",)))
        section = await discover_source(
            fetcher,
            Source(
                name="w", sections=(f"{base}/section/world",), max_depth=site.listing_pages("world")
            ),
        )
    counts = site.expected_counts()
    assert len(paths(feed.links)) == counts["feed_items"]
    assert paths(feed.links) <= all_paths
    assert all_paths <= paths(maps.links)
    assert paths(home.links) == paths(feed.links)  # the home page announces the feeds
    assert paths(robots.links) == paths(maps.links)  # robots.txt names the sitemap index
    # A section lists its original stories; syndicated copies are listed under "wire".
    stories = [site.story(site.story_index(p) or 0) for p in all_paths]
    world = {s.path for s in stories if s.section == "world" and s.syndicated_of is None}
    assert world and world <= paths(section.links)  # sidebars link other sections too
    assert not feed.failures and not maps.failures and not section.failures
