"""Feeds, sitemaps and robots.txt of the demo site, and laziness at 100,000 articles."""

from __future__ import annotations

import gzip
import html
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from urllib.robotparser import RobotFileParser

from ingest.demo import DemoConfig, DemoSite

BASE = "http://127.0.0.1:8000"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _xml(site: DemoSite, path: str) -> ET.Element:
    rendered = site.render(path, base_url=BASE)
    assert rendered.status == 200, path
    body = gzip.decompress(rendered.body) if path.endswith(".gz") else rendered.body
    return ET.fromstring(body)


def _newest(site: DemoSite, count: int) -> list[str]:
    refs = sorted((site.ref(i) for i in range(len(site))), key=lambda r: r.published)
    return [BASE + r.path for r in refs[::-1][:count]]


def test_rss_lists_latest_50() -> None:
    site = DemoSite()
    root = _xml(site, "/feed.xml")
    links = [item.findtext("link") for item in root.iter("item")]
    assert links == _newest(site, 50)
    first = next(root.iter("item"))
    assert first.findtext("pubDate", "").endswith("+0000")


def test_atom_lists_latest_50() -> None:
    site = DemoSite()
    root = _xml(site, "/atom.xml")
    entries = list(root.iter(f"{ATOM}entry"))
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == _newest(site, 50)  # type: ignore[union-attr]
    published = [datetime.fromisoformat(e.findtext(f"{ATOM}published", "")) for e in entries]
    assert published == sorted(published, reverse=True)


def test_sitemaps_list_every_article_and_some_non_articles() -> None:
    site = DemoSite()
    index = _xml(site, "/sitemap.xml")
    children = [loc.text or "" for loc in index.iter(f"{SM}loc")]
    assert len(children) == site.expected_counts()["sitemap_files"]
    assert any(not c.endswith(".gz") for c in children)
    urls: list[str] = []
    for child in children:
        root = _xml(site, child.removeprefix(BASE))
        urls += [loc.text or "" for loc in root.iter(f"{SM}loc")]
    articles = {BASE + p for p in site.article_paths()}
    assert articles <= set(urls)
    others = set(urls) - articles
    assert BASE + "/section/world" in others
    assert len(others) == site.expected_counts()["sitemap_non_article_urls"]


def test_news_sitemap_has_dates_and_titles() -> None:
    site = DemoSite()
    root = _xml(site, "/sitemaps/news.xml")
    news = list(root.iter(f"{NEWS}news"))
    assert len(news) == site.expected_counts()["news_sitemap_urls"]
    for item in news:
        assert datetime.fromisoformat(item.findtext(f"{NEWS}publication_date", "")).tzinfo
        assert item.findtext(f"{NEWS}title")


def test_article_sitemap_has_lastmod() -> None:
    site = DemoSite()
    root = _xml(site, "/sitemaps/articles-1.xml")
    urls = list(root.iter(f"{SM}url"))
    assert len(urls) == len(site)
    assert all(u.findtext(f"{SM}lastmod") for u in urls)
    assert site.render("/sitemaps/articles-2.xml").status == 404


def test_robots_txt() -> None:
    text = DemoSite().render("/robots.txt", base_url=BASE).body.decode()
    assert "Disallow: /private/" in text.splitlines()
    assert f"Sitemap: {BASE}/sitemap.xml" in text.splitlines()
    assert "Crawl-delay" not in text
    slow = DemoSite(DemoConfig(crawl_delay=1.5)).render("/robots.txt").body.decode()
    assert "Crawl-delay: 1.5" in slow.splitlines()


def test_robots_txt_with_the_standard_library_parser() -> None:
    parser = RobotFileParser()
    parser.parse(
        DemoSite(DemoConfig(crawl_delay=2)).render("/robots.txt").body.decode().splitlines()
    )
    assert parser.can_fetch("ingest/1.0", BASE + "/section/world")
    assert not parser.can_fetch("ingest/1.0", BASE + "/private/drafts/next-week")
    assert not parser.can_fetch("ExampleScraperBot", BASE + "/")
    assert parser.crawl_delay("ingest/1.0") == 2


def test_large_site_is_lazy() -> None:
    tracemalloc.start()
    try:
        site = DemoSite(DemoConfig(n_articles=100_000))
        story = site.story(99_999)
        rendered = site.render(story.path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rendered.status == 200
    charset = rendered.content_type.partition("charset=")[2]
    assert story.paragraphs[0] in html.unescape(rendered.body.decode(charset))
    assert peak < 5_000_000  # far below what 100,000 generated pages would need
    paths = site.article_paths()
    assert isinstance(paths, Iterator)
    assert site.expected_counts()["article_urls"] == 110_000
    assert site.expected_counts()["sitemap_files"] == 2 + 11
    last = site.story(109_999)
    assert last.syndicated_of == 99_999


def test_large_site_listings_are_computed_on_request() -> None:
    site = DemoSite(DemoConfig(n_articles=100_000))
    assert site.render("/section/culture?page=2500").status == 200
    root = _xml(site, "/sitemaps/articles-11.xml")
    assert len(list(root.iter(f"{SM}url"))) == 10_000
    feed = _xml(site, "/feed.xml")
    assert len(list(feed.iter("item"))) == 50


def test_feed_tracking_parameters_are_optional() -> None:
    plain = _xml(DemoSite(), "/feed.xml")
    tracked = _xml(DemoSite(DemoConfig(feed_tracking=True)), "/feed.xml")
    plain_links = [i.findtext("link") for i in plain.iter("item")]
    tracked_links = [i.findtext("link") for i in tracked.iter("item")]
    assert tracked_links == [f"{u}?utm_source=rss&utm_medium=feed" for u in plain_links]
    assert [i.findtext("guid") for i in tracked.iter("item")] == plain_links
