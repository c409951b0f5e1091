"""Sitemap parsing: urlset (with Google News tags), sitemap index, text sitemaps, gzip, and
``Sitemap:`` lines of robots.txt (pure).

The crawler fetches and recurses over sitemap indexes (with its own depth limit); this module
only reads one document. XML is read safely and tolerantly (see ``ingest.discover._xml``).
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from xml.etree.ElementTree import Element

from ingest.discover._dates import parse_feed_date
from ingest.discover._xml import (
    Record,
    decode_xml,
    parse_xml,
    root_name,
    scan_records,
    tree_records,
)
from ingest.discover.base import Link
from ingest.discover.feeds import clean_title, parse_feed
from ingest.normalize.urls import canonicalize

__all__ = [
    "MAX_SITEMAP_BYTES",
    "SitemapDoc",
    "decompress_sitemap",
    "newest_first",
    "parse_sitemap",
    "sitemaps_from_robots",
]

#: Largest sitemap accepted, after decompression (the sitemaps.org limit is 50 MiB).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1024 * 1024
_SKIP = frozenset({"image", "video"})
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_ROBOTS_SITEMAP = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SitemapDoc:
    """One parsed sitemap document.

    ``links``: the article URLs of a urlset, document order, deduplicated.
    ``sitemaps``: the child sitemap URLs of a sitemap index (``sitemap_links`` gives the same
    URLs as ``Link`` values carrying each child's ``lastmod``).
    ``error``: ``None``, or why nothing could be read: ``too_large`` (over the size cap after
    decompression), ``bad_gzip``, ``not_a_sitemap``.
    """

    links: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    sitemap_links: list[Link] = field(default_factory=list)
    error: str | None = None


class _TooLarge(Exception):
    pass


def decompress_sitemap(body: bytes, *, max_bytes: int = MAX_SITEMAP_BYTES) -> bytes | None:
    """``body`` itself, or its gzip content when it starts with the gzip magic bytes.

    Returns ``None`` when the result would exceed ``max_bytes`` (a decompression bomb or an
    oversized sitemap). A truncated gzip stream yields what could be decompressed (the
    tolerant parser then recovers the complete entries). Raises ``ValueError`` when gzip data
    is corrupt.
    """
    if not body.startswith(_GZIP_MAGIC):
        return body if len(body) <= max_bytes else None
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    out = bytearray()
    data = body
    try:
        while data and not inflater.eof:
            out += inflater.decompress(data, _CHUNK)
            if len(out) > max_bytes:
                return None
            data = inflater.unconsumed_tail
        out += inflater.flush()
    except zlib.error as exc:
        raise ValueError(f"corrupt gzip data: {exc}") from exc
    if len(out) > max_bytes:
        return None
    return bytes(out)


def parse_sitemap(body: bytes, base_url: str, *, max_bytes: int = MAX_SITEMAP_BYTES) -> SitemapDoc:
    """Parse a sitemap (XML urlset or index, plain text list, or an RSS/Atom feed served as a
    sitemap), gzipped or not. URLs are canonicalised (relative ones resolved against
    ``base_url``); entries without a valid http(s) URL are dropped. Never raises on bad input:
    ``SitemapDoc.error`` says why a document yielded nothing."""
    try:
        raw = decompress_sitemap(body, max_bytes=max_bytes)
    except ValueError:
        return SitemapDoc(error="bad_gzip")
    if raw is None:
        return SitemapDoc(error="too_large")
    text = decode_xml(raw)
    if not text.startswith("<"):
        return _text_sitemap(text, base_url)
    kind = root_name(text)
    if kind in _FEED_ROOTS:
        links = parse_feed(text, base_url)
        return SitemapDoc(links=[dataclasses.replace(x, source_kind="sitemap") for x in links])
    root = parse_xml(text)
    if kind == "sitemapindex":
        records = _records(root, text, "sitemap")
        children = _dedupe(_child_link(r, base_url) for r in records)
        return SitemapDoc(sitemaps=[c.url for c in children], sitemap_links=children)
    if kind == "urlset":
        records = _records(root, text, "url")
        return SitemapDoc(links=_dedupe(_url_link(r, base_url) for r in records))
    return SitemapDoc(error="not_a_sitemap")


def _records(root: Element | None, text: str, name: str) -> list[Record]:
    if root is not None:
        return tree_records(root, {name}, skip=_SKIP)
    return scan_records(text, {name}, skip=_SKIP)


def _url_link(record: Record, base_url: str) -> Link | None:
    loc = record.first("loc")
    url = canonicalize(loc, base=base_url) if loc else None
    if url is None:
        return None
    is_news = any(x.prefix == "news" or x.name == "publication_date" for x in record.leaves)
    return Link(
        url=url,
        published=parse_feed_date(record.first("publication_date")),
        title=clean_title(record.first("title")) if is_news else None,
        source_kind="news-sitemap" if is_news else "sitemap",
        lastmod=parse_feed_date(record.first("lastmod")),
    )


def _child_link(record: Record, base_url: str) -> Link | None:
    loc = record.first("loc")
    url = canonicalize(loc, base=base_url) if loc else None
    if url is None:
        return None
    return Link(url=url, source_kind="sitemap", lastmod=parse_feed_date(record.first("lastmod")))


def _text_sitemap(text: str, base_url: str) -> SitemapDoc:
    # The text format holds absolute URLs only: a line that is not one is skipped.
    links = (canonicalize(line) for line in text.splitlines() if line.strip())
    return SitemapDoc(links=_dedupe(Link(url=u, source_kind="sitemap") for u in links if u))


def _dedupe(links: Iterable[Link | None]) -> list[Link]:
    seen: set[str] = set()
    out: list[Link] = []
    for link in links:
        if link is not None and link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def newest_first(links: Iterable[Link]) -> list[Link]:
    """``links`` sorted by ``published`` (or ``lastmod`` when unknown), newest first; links
    with neither come last. Stable: equal dates keep their order. A naive date is read as UTC."""

    def key(link: Link) -> tuple[bool, float]:
        when = link.published or link.lastmod
        if when is None:
            return (True, 0.0)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (False, -when.timestamp())

    return sorted(links, key=key)


def sitemaps_from_robots(robots_txt: str) -> list[str]:
    """The canonical URLs of the ``Sitemap:`` lines of a robots.txt, in order, once each.
    Relative or invalid URLs are ignored (the protocol requires absolute URLs)."""
    found: list[str] = []
    for line in robots_txt.splitlines():
        m = _ROBOTS_SITEMAP.match(line)
        url = canonicalize(m.group(1)) if m else None
        if url is not None and url not in found:
            found.append(url)
    return found
