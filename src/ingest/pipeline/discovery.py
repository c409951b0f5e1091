"""Discovery for one source: fetch its feeds, sitemaps and section pages; return article links.

A feed URL may be a home page (its announced feeds are used) and a sitemap URL may be a
robots.txt (its ``Sitemap:`` lines are used).

The parsing is pure (``ingest.discover``); this module only drives the fetches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ingest.discover.base import Link
from ingest.discover.feeds import find_feed_links, parse_feed
from ingest.discover.links import section_links
from ingest.discover.sitemaps import newest_first, parse_sitemap, sitemaps_from_robots
from ingest.fetch.base import Fetcher, FetchKind
from ingest.model import FetchFailure, FetchRequest, Page
from ingest.normalize.urls import canonicalize
from ingest.sources import Source

__all__ = ["Discovered", "discover_source"]

MAX_SITEMAP_DEPTH = 3
MAX_SITEMAP_FILES = 500
MAX_LISTING_PAGES = 200


@dataclass(slots=True)
class Discovered:
    """Article links found for a source, and what went wrong on the way."""

    links: list[Link] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    fetched: int = 0  # discovery documents fetched

    def add(self, links: Iterable[Link]) -> None:
        self.links.extend(links)


async def _get(fetcher: Fetcher, url: str, source: Source, out: Discovered) -> Page | None:
    result = await fetcher.fetch(
        FetchRequest(url=url, source=source.name, user_supplied=True), kind=FetchKind.DISCOVERY
    )
    if isinstance(result, FetchFailure):
        out.failures.append(result)
        return None
    out.fetched += 1
    return result


def _text(page: Page) -> str:
    return page.body.decode(page.encoding or "utf-8", errors="replace")


def _looks_like_html(page: Page) -> bool:
    kind = page.headers.get("content-type", "").lower()
    return "html" in kind or page.body.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    )


async def _feeds(fetcher: Fetcher, urls: Iterable[str], source: Source, out: Discovered) -> None:
    """Feeds; a feed URL that turns out to be an HTML page (a home page) is searched for the
    feeds it announces, which are fetched in turn (one hop)."""
    pages = await asyncio.gather(*(_get(fetcher, u, source, out) for u in urls))
    announced: list[str] = []
    for page in pages:
        if page is None:
            continue
        links = parse_feed(page.body, page.final_url)
        if not links and _looks_like_html(page):
            announced.extend(find_feed_links(_text(page), page.final_url))
        out.add(links)
    more = await asyncio.gather(*(_get(fetcher, u, source, out) for u in dict.fromkeys(announced)))
    for page in more:
        if page is not None:
            out.add(parse_feed(page.body, page.final_url))


async def _sitemaps(
    fetcher: Fetcher, roots: Iterable[str], source: Source, out: Discovered
) -> None:
    seen: set[str] = set()
    level = [u for u in roots]
    for _depth in range(MAX_SITEMAP_DEPTH + 1):
        level = [u for u in dict.fromkeys(level) if u not in seen][: MAX_SITEMAP_FILES - len(seen)]
        if not level:
            return
        seen.update(level)
        pages = await asyncio.gather(*(_get(fetcher, u, source, out) for u in level))
        children: list[str] = []
        for page in pages:
            if page is None:
                continue
            if urlsplit(page.final_url).path == "/robots.txt":
                children.extend(sitemaps_from_robots(_text(page)))
                continue
            doc = parse_sitemap(page.body, page.final_url)
            out.add(doc.links)
            children.extend(doc.sitemaps)
        level = children


def _under(url: str, root: str) -> bool:
    """Whether listing ``url`` belongs to section ``root``: its pagination or a sub-section."""
    a, b = urlsplit(url), urlsplit(root)
    prefix = b.path if b.path.endswith("/") else b.path + "/"
    return a.netloc == b.netloc and (a.path == b.path or a.path.startswith(prefix))


async def _section(fetcher: Fetcher, root: str, source: Source, out: Discovered) -> None:
    """One section page and, up to ``source.max_depth`` hops, the listings under it."""
    seen: set[str] = set()
    level = [root]
    for _depth in range(source.max_depth + 1):
        level = [u for u in dict.fromkeys(level) if u not in seen][:MAX_LISTING_PAGES]
        if not level:
            return
        seen.update(level)
        pages = await asyncio.gather(*(_get(fetcher, u, source, out) for u in level))
        nxt: list[str] = []
        for page in pages:
            if page is None:
                continue
            found = section_links(_text(page), page.final_url, allow=source.allow, deny=source.deny)
            out.add(found.articles)
            nxt.extend(u for u in found.listings if _under(u, root))
        level = nxt


async def _sections(
    fetcher: Fetcher, roots: Iterable[str], source: Source, out: Discovered
) -> None:
    await asyncio.gather(*(_section(fetcher, root, source, out) for root in roots))


async def discover_source(fetcher: Fetcher, source: Source) -> Discovered:
    """Fetch the source's discovery documents and return its article links, newest first,
    each canonical URL once. Failures are recorded, never raised."""
    out = Discovered()

    await asyncio.gather(
        _feeds(fetcher, source.feeds, source, out),
        _sitemaps(fetcher, source.sitemaps, source, out),
        _sections(fetcher, source.sections, source, out),
    )
    for seed in source.seeds:
        url = canonicalize(seed)
        if url is not None:
            out.links.append(Link(url=url, published=None, title=None, source_kind="seed"))
    unique: dict[str, Link] = {}
    for link in newest_first(out.links):
        unique.setdefault(link.url, link)
    out.links = list(unique.values())
    return out
