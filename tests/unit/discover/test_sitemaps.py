from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.discover.base import Link
from ingest.discover.sitemaps import (
    decompress_sitemap,
    newest_first,
    parse_sitemap,
    sitemaps_from_robots,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discover" / "sitemaps"
BASE = "https://www.dailyexample.com/sitemap.xml"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ---- news sitemap ---------------------------------------------------------------------------


def test_news_sitemap_urls_deduplicated_and_canonical() -> None:
    doc = parse_sitemap(load("news_sitemap.xml"), BASE)
    assert doc.error is None
    assert doc.sitemaps == []
    assert [link.url for link in doc.links] == [
        "https://www.dailyexample.com/world/2024/03/05/ministers-sign-climate-pact/",
        "https://www.dailyexample.com/business/2024/03/05/markets-rally",
        "https://www.dailyexample.com/sport/2024/03/04/cup-final-report",
    ]


def test_news_sitemap_publication_date_title_and_kind() -> None:
    first, second, third = parse_sitemap(load("news_sitemap.xml"), BASE).links
    assert first == Link(
        url="https://www.dailyexample.com/world/2024/03/05/ministers-sign-climate-pact/",
        published=datetime(2024, 3, 5, 8, 30, tzinfo=UTC),
        title="Ministers agree & sign climate pact",
        source_kind="news-sitemap",
        lastmod=datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
    )
    assert second.published == datetime(
        2024, 3, 5, 11, 45, 12, tzinfo=timezone(timedelta(hours=-5))
    )
    assert second.title == "Markets rally as AT&T beats forecasts"
    assert third.published == datetime(2024, 3, 4, tzinfo=UTC)
    assert third.lastmod is None


def test_news_sitemap_image_tags_are_ignored() -> None:
    doc = parse_sitemap(load("news_sitemap.xml"), BASE)
    assert all("cdn." not in link.url for link in doc.links)
    assert all(link.title != "Photo: the signing" for link in doc.links)


# ---- plain urlset ---------------------------------------------------------------------------


def test_urlset_lastmod_relative_and_invalid_entries() -> None:
    doc = parse_sitemap(load("urlset.xml"), "https://blog.example.com/sitemap.xml")
    assert [(link.url, link.lastmod) for link in doc.links] == [
        ("https://blog.example.com/", None),
        ("https://blog.example.com/posts/old-post", datetime(2021, 6, 1, tzinfo=UTC)),
        ("https://blog.example.com/posts/new-post", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("https://blog.example.com/posts/relative-post", None),
        ("https://blog.example.com/posts/with-video", datetime(2023, 12, 24, 17, tzinfo=UTC)),
    ]
    assert {link.source_kind for link in doc.links} == {"sitemap"}
    assert all(link.title is None and link.published is None for link in doc.links)


def test_broken_urlset_is_recovered() -> None:
    doc = parse_sitemap(load("broken_urlset.xml"), "https://gazette.example.org/sitemap.xml")
    assert doc.error is None
    assert [link.url for link in doc.links] == [
        "https://gazette.example.org/news/a?x=1&y=2",
        "https://gazette.example.org/news/b",
        "https://gazette.example.org/news/c",
    ]
    assert doc.links[0].lastmod == datetime(2024, 3, 1, tzinfo=UTC)


def test_text_sitemap_accepts_absolute_urls_only() -> None:
    doc = parse_sitemap(load("sitemap.txt"), "https://blog.example.com/sitemap.txt")
    assert [link.url for link in doc.links] == [
        "https://blog.example.com/a",
        "https://blog.example.com/b",
    ]


def test_feed_served_as_sitemap() -> None:
    body = b"<rss><channel><item><link>https://e.com/story</link></item></channel></rss>"
    doc = parse_sitemap(body, "https://e.com/sitemap.xml")
    assert doc.links == [Link(url="https://e.com/story", source_kind="sitemap")]


@pytest.mark.parametrize(
    "body", [b"<html><body>Oops</body></html>", b"<?xml version='1.0'?><foo/>"]
)
def test_not_a_sitemap(body: bytes) -> None:
    doc = parse_sitemap(body, BASE)
    assert doc.error == "not_a_sitemap"
    assert doc.links == [] and doc.sitemaps == []


def test_entity_declarations_are_not_expanded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>https://e.com/&b;</loc></url><url><loc>https://e.com/ok</loc></url>"
        b"</urlset>"
    )
    doc = parse_sitemap(body, "https://e.com/")
    assert "https://e.com/ok" in [link.url for link in doc.links]
    assert all("aaaa" not in link.url for link in doc.links)


# ---- index ----------------------------------------------------------------------------------


def test_sitemap_index_children() -> None:
    doc = parse_sitemap(load("sitemap_index.xml"), BASE)
    assert doc.links == []
    assert doc.sitemaps == [
        "https://www.dailyexample.com/sitemaps/news.xml",
        "https://www.dailyexample.com/sitemaps/2024-03.xml.gz",
        "https://www.dailyexample.com/sitemaps/2024-02.xml.gz",
    ]
    assert [link.lastmod for link in doc.sitemap_links] == [
        datetime(2024, 3, 5, 9, 12, tzinfo=UTC),
        None,
        datetime(2024, 2, 29, tzinfo=UTC),
    ]


# ---- gzip -----------------------------------------------------------------------------------


def test_gzipped_sitemap_detected_by_magic_bytes() -> None:
    plain = parse_sitemap(load("news_sitemap.xml"), BASE)
    zipped = parse_sitemap(gzip.compress(load("news_sitemap.xml")), BASE)
    assert zipped == plain
    assert len(zipped.links) == 3


def test_decompression_cap_stops_bombs() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 10_000
    doc = parse_sitemap(bomb, BASE, max_bytes=1_000_000)
    assert doc.error == "too_large"
    assert doc.links == []


def test_uncompressed_size_cap() -> None:
    assert parse_sitemap(load("urlset.xml"), BASE, max_bytes=100).error == "too_large"


def test_corrupt_gzip() -> None:
    body = gzip.compress(load("urlset.xml"))
    corrupt = body[:20] + bytes(b ^ 0xFF for b in body[20:60]) + body[60:]
    assert parse_sitemap(corrupt, BASE).error == "bad_gzip"


def test_decompress_sitemap_passthrough_and_gzip() -> None:
    assert decompress_sitemap(b"<urlset/>") == b"<urlset/>"
    assert decompress_sitemap(gzip.compress(b"<urlset/>")) == b"<urlset/>"
    assert decompress_sitemap(gzip.compress(b"x" * 2000), max_bytes=1000) is None


def test_truncated_gzip_yields_what_was_decompressed() -> None:
    urls = "".join(
        f"<url><loc>https://e.com/story-{i}-{i * 7919 % 10007}</loc></url>" for i in range(3000)
    )
    body = gzip.compress(f"<urlset>{urls}</urlset>".encode())
    doc = parse_sitemap(body[: len(body) // 2], "https://e.com/")
    assert doc.error is None
    assert 0 < len(doc.links) < 3000
    assert doc.links[0].url == "https://e.com/story-0-0"


# ---- newest_first ---------------------------------------------------------------------------


def test_newest_first_orders_by_published_then_lastmod_unknown_last_stable() -> None:
    t = datetime(2024, 3, 5, 12, tzinfo=UTC)
    links = [
        Link(url="https://e.com/undated-1"),
        Link(url="https://e.com/old", published=t - timedelta(days=2)),
        Link(url="https://e.com/lastmod-only", lastmod=t - timedelta(hours=1)),
        Link(url="https://e.com/undated-2"),
        Link(url="https://e.com/new", published=t, lastmod=t - timedelta(days=9)),
        Link(url="https://e.com/same-as-new", published=t),
        Link(url="https://e.com/naive", published=datetime(2024, 3, 4, 12)),
    ]
    assert [link.url for link in newest_first(links)] == [
        "https://e.com/new",
        "https://e.com/same-as-new",
        "https://e.com/lastmod-only",
        "https://e.com/naive",
        "https://e.com/old",
        "https://e.com/undated-1",
        "https://e.com/undated-2",
    ]


def test_newest_first_empty() -> None:
    assert newest_first([]) == []


# ---- robots.txt -----------------------------------------------------------------------------


def test_sitemaps_from_robots() -> None:
    robots = load("robots.txt").decode("utf-8")
    assert sitemaps_from_robots(robots) == [
        "https://www.dailyexample.com/sitemap_index.xml",
        "https://www.dailyexample.com/sitemaps/news.xml",
    ]


def test_sitemaps_from_robots_without_sitemaps() -> None:
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n") == []
    assert sitemaps_from_robots("") == []
