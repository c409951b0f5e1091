"""The demo site served over HTTP on 127.0.0.1 (port 0): routing, 304s and the request log."""

from __future__ import annotations

import gzip
import html
import xml.etree.ElementTree as ET

import aiohttp
import pytest

from ingest.demo import DemoConfig, DemoSite, serve

pytestmark = pytest.mark.integration

UA = "ingest-test/1.0"


async def test_serves_articles_feeds_and_records_requests() -> None:
    site = DemoSite(DemoConfig(n_articles=20, crawl_delay=2.0))
    async with (
        serve(site) as server,
        aiohttp.ClientSession(headers={"User-Agent": UA}) as session,
    ):
        assert server.base_url.startswith("http://127.0.0.1:")
        story = site.story(3)
        async with session.get(server.base_url + story.path) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
            html = await resp.text()
        assert f'<link rel="canonical" href="{server.base_url}{story.path}">' in html
        async with session.get(server.base_url + "/robots.txt") as resp:
            robots = await resp.text()
        assert "Crawl-delay: 2" in robots
        assert f"Sitemap: {server.base_url}/sitemap.xml" in robots
        async with session.get(server.base_url + "/feed.xml") as resp:
            feed = ET.fromstring(await resp.read())
        links = {item.findtext("link") for item in feed.iter("item")}
        assert server.base_url + story.path in links
        async with session.get(server.base_url + "/broken") as resp:
            assert resp.status == 404
    assert [r.path for r in server.request_log] == [
        story.path,
        "/robots.txt",
        "/feed.xml",
        "/broken",
    ]
    assert all(r.user_agent == UA for r in server.request_log)
    times = [r.time_monotonic for r in server.request_log]
    assert times == sorted(times)
    assert [r.status for r in server.request_log] == [200, 200, 200, 404]


async def test_conditional_get_round_trip() -> None:
    site = DemoSite(DemoConfig(n_articles=10))
    async with serve(site) as server, aiohttp.ClientSession() as session:
        url = server.base_url + site.story(0).path
        async with session.get(url) as resp:
            etag, lastmod = resp.headers["ETag"], resp.headers["Last-Modified"]
            body = await resp.read()
        async with session.get(url, headers={"If-None-Match": etag}) as resp:
            assert resp.status == 304
            assert await resp.read() == b""
        async with session.get(url, headers={"If-Modified-Since": lastmod}) as resp:
            assert resp.status == 304
        async with session.get(url, headers={"If-None-Match": '"stale"'}) as resp:
            assert resp.status == 200
            assert await resp.read() == body


async def test_gzip_sitemap_and_head() -> None:
    site = DemoSite(DemoConfig(n_articles=10))
    async with serve(site) as server, aiohttp.ClientSession() as session:
        async with session.get(server.base_url + "/sitemaps/pages.xml.gz") as resp:
            assert resp.headers["Content-Type"] == "application/gzip"
            root = ET.fromstring(gzip.decompress(await resp.read()))
        assert any((loc.text or "").endswith("/section/world") for loc in root.iter())
        async with session.head(server.base_url + "/") as resp:
            assert resp.status == 200
            assert int(resp.headers["Content-Length"]) > 1000
            assert await resp.read() == b""


async def test_request_log_can_be_turned_off_and_stop_is_idempotent() -> None:
    site = DemoSite(DemoConfig(n_articles=5, rate_log=False))
    async with serve(site) as server, aiohttp.ClientSession() as session:
        async with session.get(server.base_url + "/") as resp:
            assert resp.status == 200
        await server.stop()
        await server.stop()
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.get(server.base_url + "/"):
                pass
    assert server.request_log == []


async def test_short_link_redirects() -> None:
    site = DemoSite(DemoConfig(n_articles=10))
    async with (
        serve(site) as server,
        aiohttp.ClientSession() as session,
        session.get(server.base_url + "/r/3") as resp,
    ):
        assert resp.status == 200
        assert str(resp.url) == server.base_url + site.story(3).path
        assert [h.status for h in resp.history] == [301]
    assert [r.status for r in server.request_log] == [301, 200]


async def test_large_site_serves_its_last_sitemap_and_story() -> None:
    site = DemoSite(DemoConfig(n_articles=100_000))
    async with serve(site) as server, aiohttp.ClientSession() as session:
        async with session.get(server.base_url + "/sitemaps/articles-11.xml") as resp:
            root = ET.fromstring(await resp.read())
        locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        assert len(locs) == 10_000
        assert locs[-1] == server.base_url + site.story(109_999).path
        async with session.get(server.base_url + site.story(99_999).path) as resp:
            assert resp.status == 200
            assert site.story(99_999).paragraphs[0] in html.unescape(await resp.text())
