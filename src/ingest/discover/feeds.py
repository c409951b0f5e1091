"""Feed parsing: RSS 0.9x/1.0 (RDF)/2.0, Atom, JSON Feed 1.0/1.1, and feed autodiscovery (pure).

``parse_feed`` never raises on bad input: a document it cannot read yields no links. XML is
read safely and tolerantly (see ``ingest.discover._xml``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from ingest.discover._dates import parse_feed_date
from ingest.discover._xml import Record, decode_xml, parse_xml, scan_records, tree_records
from ingest.discover.base import Link
from ingest.normalize.urls import canonicalize, same_site

__all__ = ["FEED_TYPES", "find_feed_links", "parse_feed"]

#: ``type`` values of ``<link rel="alternate">`` that announce a feed.
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
_ITEMS = frozenset({"item", "entry"})
# Item content is never needed and may hold XHTML with its own <link>/<title> elements.
# An Atom <source> describes the feed an entry was copied from (its own <link> and <id>).
_SKIP = frozenset({"content", "summary", "description", "encoded", "group", "thumbnail", "source"})
_PUBLISHED = ("pubdate", "published", "issued", "date", "created")
_MODIFIED = ("updated", "modified")
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|br|cite|code|del|div|em|font|i|img|ins|mark|p|q|s|small|span|strong|sub"
    r"|sup|time|u)\b[^<>]*>",
    re.IGNORECASE,
)
_FEED_PATH = re.compile(
    r"/(?:feed|feeds|rss|atom)(?:/|\.xml|\.rss|\.atom)?$|/(?:rss|atom|feed|index)\.(?:xml|rss)$"
    r"|/feeds?/[\w-]+(?:\.xml)?$",
    re.IGNORECASE,
)
_FEED_HOSTS = ("feeds.feedburner.com", "feeds2.feedburner.com", "feedproxy.google.com")


def parse_feed(body: bytes | str, base_url: str) -> list[Link]:
    """The items of an RSS, Atom or JSON feed as ``Link`` values, in document order.

    Item URLs are resolved against ``xml:base`` or ``base_url`` and canonicalised; items
    without a usable http(s) URL are dropped, and a URL seen twice is kept once (the first).
    ``published``/``lastmod`` are aware datetimes when the feed gives a readable date.
    Titles are plain text (entities decoded, tags removed). Never raises on bad input.
    """
    text = decode_xml(body)
    if text.startswith(("{", "[")):
        return _dedupe(_json_feed_links(text, base_url))
    root = parse_xml(text)
    if root is not None:
        records = tree_records(root, _ITEMS, skip=_SKIP)
        root_base = _xml_base(root.attrib, base_url)
    else:
        records = scan_records(text, _ITEMS, skip=_SKIP)
        root_base = base_url
    links = (_record_link(r, _xml_base(r.attrs, root_base)) for r in records)
    return _dedupe(link for link in links if link is not None)


def _xml_base(attrs: Mapping[str, str], base_url: str) -> str:
    for key, value in attrs.items():
        if key.endswith("base") and value.strip():
            return canonicalize(value, base=base_url) or base_url
    return base_url


def _record_link(record: Record, base_url: str) -> Link | None:
    raw = _item_url(record)
    url = canonicalize(raw, base=base_url) if raw else None
    if url is None:
        return None
    return Link(
        url=url,
        published=_first_date(record, _PUBLISHED),
        title=clean_title(record.first("title")),
        source_kind="feed",
        lastmod=_first_date(record, _MODIFIED),
    )


def _item_url(record: Record) -> str | None:
    """The item's article URL: FeedBurner's original link, RSS ``<link>``, Atom
    ``<link rel="alternate" href>``, a permalink ``<guid>``, ``rdf:about``, an http(s) Atom id."""
    original = record.first("origlink")
    if original:
        return original
    for leaf in record.leaves:
        if leaf.name == "link" and not leaf.attrs.get("href") and leaf.text.strip():
            return leaf.text.strip()
    atom = _atom_link(record)
    if atom:
        return atom
    for leaf in record.leaves:
        if leaf.name == "guid" and leaf.attrs.get("ispermalink", "true").lower() != "false":
            guid = leaf.text.strip()
            if _is_http(guid):
                return guid
    about = record.attrs.get("about", "").strip()
    if about:
        return about
    ident = record.first("id")
    if ident and _is_http(ident):
        return ident
    return None


def _is_http(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


def _atom_link(record: Record) -> str | None:
    fallback: str | None = None
    for leaf in record.leaves:
        href = leaf.attrs.get("href", "").strip()
        if leaf.name != "link" or not href:
            continue
        rel = leaf.attrs.get("rel", "alternate").strip().lower()
        kind = leaf.attrs.get("type", "text/html").lower()
        if rel == "alternate" and ("html" in kind or not kind):
            return href
        if rel == "alternate" and fallback is None:
            fallback = href
    return fallback


def _first_date(record: Record, names: Iterable[str]) -> datetime | None:
    for name in names:
        for leaf in record.leaves:
            if leaf.name == name:
                parsed = parse_feed_date(leaf.text)
                if parsed is not None:
                    return parsed
    return None


def clean_title(text: str | None) -> str | None:
    """Plain text of a feed title: HTML entities decoded, tags removed, spaces collapsed;
    ``None`` when nothing is left."""
    if not text:
        return None
    cleaned = " ".join(_HTML_TAG.sub(" ", html.unescape(text)).split())
    return cleaned or None


def _dedupe(links: Iterable[Link]) -> list[Link]:
    seen: set[str] = set()
    out: list[Link] = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


# ---- JSON Feed ------------------------------------------------------------------------------


def _json_feed_links(text: str, base_url: str) -> list[Link]:
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return []
    feed_base = _json_str(data, "home_page_url") or base_url
    links: list[Link] = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        ident = _json_str(item, "id") or ""
        raw = _json_str(item, "url") or (ident if _is_http(ident) else None)
        url = canonicalize(raw, base=canonicalize(feed_base, base=base_url)) if raw else None
        if url is None:
            continue
        links.append(
            Link(
                url=url,
                published=parse_feed_date(_json_str(item, "date_published")),
                title=clean_title(_json_str(item, "title")),
                source_kind="feed",
                lastmod=parse_feed_date(_json_str(item, "date_modified")),
            )
        )
    return links


def _json_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


# ---- autodiscovery --------------------------------------------------------------------------


def find_feed_links(html: str, base_url: str) -> list[str]:
    """Feed URLs announced or linked by an HTML page, canonical, first-seen order.

    ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">`` come first (any
    host); then ``<a href>`` whose path looks like a feed (``/feed``, ``/rss``, ``/atom.xml``,
    ``/feeds/x.xml``...) on the page's site or on FeedBurner. ``<base href>`` is honoured.
    """
    tree = LexborHTMLParser(html)
    base = _document_base(tree, base_url)
    found: list[str] = []
    for node in tree.css("link[href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        kind = (node.attributes.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            _add(found, node.attributes.get("href"), base)
    for node in tree.css("a[href]"):
        href = node.attributes.get("href")
        url = canonicalize(href, base=base) if href else None
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.hostname in _FEED_HOSTS or (
            _FEED_PATH.search(parts.path) and same_site(url, base_url)
        ):
            _add(found, url, base)
    return found


def _document_base(tree: LexborHTMLParser, page_url: str) -> str:
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    return (canonicalize(href, base=page_url) if href else None) or page_url


def _add(found: list[str], href: str | None, base: str) -> None:
    url = canonicalize(href, base=base) if href else None
    if url is not None and url not in found:
        found.append(url)
