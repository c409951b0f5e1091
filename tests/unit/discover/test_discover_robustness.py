"""The discovery parsers never raise on hostile or broken input, and stay fast on it."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.discover.feeds import find_feed_links, parse_feed
from ingest.discover.links import section_links
from ingest.discover.sitemaps import parse_sitemap

_FRAGMENTS = st.sampled_from(
    [
        "<rss>",
        "<channel>",
        "<item>",
        "</item>",
        "<entry>",
        "</entry>",
        "<link>",
        "</link>",
        "<title>",
        "</title>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&nbsp;",
        "&",
        "<",
        ">",
        "https://e.com/a",
        "/rel",
        "<pubDate>Tue, 05 Mar 2024 08:30:00 GMT</pubDate>",
        '<link href="/x"/>',
        "<urlset>",
        "<url>",
        "<loc>",
        "</loc>",
        "</url>",
        "<sitemapindex>",
        "<!DOCTYPE x>",
        "<!ENTITY a 'b'>",
        "\ufeff",
        " ",
        "\x00",
        "é",
        "<a href='/2024/03/05/x-y-z'>",
        "</a>",
        "<nav>",
        "</nav>",
        "{",
        '"items": [',
        '{"url": "https://e.com/j"}',
        "]",
        "}",
    ]
)
_DOCS = st.lists(_FRAGMENTS, max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_parse_feed_never_raises(doc: str) -> None:
    links = parse_feed(doc, "https://e.com/feed")
    assert all(link.url.startswith(("http://", "https://")) for link in links)
    assert len({link.url for link in links}) == len(links)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_parse_sitemap_never_raises(doc: str) -> None:
    result = parse_sitemap(doc.encode("utf-8", "surrogatepass"), "https://e.com/sitemap.xml")
    assert all(link.url.startswith(("http://", "https://")) for link in result.links)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_html_parsers_never_raise(doc: str) -> None:
    found = section_links(doc, "https://e.com/")
    assert all(link.url.startswith("https://e.com/") for link in found.articles)
    assert all(
        url.startswith(("http://", "https://")) for url in find_feed_links(doc, "https://e.com/")
    )


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(body: bytes) -> None:
    assert isinstance(parse_feed(body, "https://e.com/feed"), list)
    assert parse_sitemap(body, "https://e.com/s.xml").links is not None
    assert parse_sitemap(b"\x1f\x8b" + body, "https://e.com/s.xml").links is not None


def test_unclosed_items_are_recovered() -> None:
    body = (
        "<rss><channel><item><title>One</title><link>https://e.com/1</link>"
        "<item><title>Two</title><link>https://e.com/2</link>"
        "<item><title>Three & more</title><link>https://e.com/3</link></channel>"
    )
    assert [(x.url, x.title) for x in parse_feed(body, "https://e.com/feed")] == [
        ("https://e.com/1", "One"),
        ("https://e.com/2", "Two"),
        ("https://e.com/3", "Three & more"),
    ]


def test_large_broken_sitemap_is_scanned_in_linear_time() -> None:
    # 30 000 unclosed <url> elements: a quadratic scan would not finish within the test timeout.
    body = "<urlset>" + "".join(f"<url><loc>https://e.com/a/{i}</loc>" for i in range(30_000))
    doc = parse_sitemap(gzip.compress(body.encode()), "https://e.com/sitemap.xml")
    assert len(doc.links) == 30_000
    assert doc.links[-1].url == "https://e.com/a/29999"
