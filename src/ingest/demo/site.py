"""The demo news site: configuration, ground truth and request routing (no I/O).

``DemoSite.render(path)`` answers any GET path with ``(status, content_type, body, headers)``;
:mod:`ingest.demo.server` serves it over HTTP. Everything is computed on request from
``(seed, n_articles, syndicated_every, revision)``, so a 100,000-article site costs no memory up
front.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from ingest.demo import feeds, pages
from ingest.demo.stories import REFERENCE_DATE, WIRE, DemoStory, StoryCatalogue, StoryRef
from ingest.demo.templates import ArticleContext, encode_article
from ingest.demo.vocab import SECTIONS, TAG_POOL

__all__ = [
    "FEED_SIZE",
    "HOME_SIZE",
    "NEWS_SITEMAP_SIZE",
    "PER_PAGE",
    "SITEMAP_SIZE",
    "DemoConfig",
    "DemoSite",
    "Rendered",
]

FEED_SIZE = 50
NEWS_SITEMAP_SIZE = 100
SITEMAP_SIZE = 10_000
#: Entries per section listing page (small, so the default site paginates).
PER_PAGE = 5
#: Latest stories on the home page and on tag pages.
HOME_SIZE = 20
HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
_ARTICLE_ID = re.compile(r"-(\d+)(?:\.html|/)?$")
_SITEMAP_PAGE = re.compile(r"^/sitemaps/articles-(\d+)\.xml(\.gz)?$")
_TRACKING = "?utm_source=rss&utm_medium=feed"
_SHORT_LINK = re.compile(r"^/r/(\d+)$")
_TAGS = tuple(sorted(set(TAG_POOL) | set(SECTIONS)))
# A 1x1 GIF, served for every image and asset path.
_PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c0000000001000100000202440100"
)


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """``syndicated_every=k``: every k-th story also appears as a syndicated copy (0: none).
    ``crawl_delay`` goes into robots.txt; ``etag`` turns on ETag/Last-Modified and 304s;
    ``rate_log`` makes the server record every request."""

    n_articles: int = 60
    seed: int = 7
    syndicated_every: int = 10
    crawl_delay: float | None = None
    etag: bool = True
    rate_log: bool = True
    #: 0 is the site as first published; each later revision updates one in ten originals
    #: (an "Update:" paragraph, a later dateModified, a new ETag): for recrawl tests.
    revision: int = 0
    #: Append ``?utm_source=rss&utm_medium=feed`` to the RSS item links (not Atom, sitemaps).
    feed_tracking: bool = False


class Rendered(NamedTuple):
    """One response: unpacks as ``(status, content_type, body, headers)``. ``headers`` holds
    ETag/Last-Modified on article pages and Location on redirects."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str]


def _html(status: int, text: str) -> Rendered:
    return Rendered(status, HTML, text.encode("utf-8"), {})


class DemoSite:
    """A deterministic news site. Holds only its configuration; pages are built on request.

    Raises ``ValueError`` for ``n_articles < 1`` or a negative ``revision``. Thread-safe: no
    method changes the instance.
    """

    def __init__(self, config: DemoConfig | None = None) -> None:
        self.config = config or DemoConfig()
        self.catalogue = StoryCatalogue(
            seed=self.config.seed,
            n_articles=self.config.n_articles,
            syndicated_every=self.config.syndicated_every,
            revision=self.config.revision,
        )
        #: The date the header widgets show as "today" (after every publication date).
        self.today: date = REFERENCE_DATE.date()

    def __len__(self) -> int:
        """The number of article pages (originals and syndicated copies)."""
        return len(self.catalogue)

    def story(self, i: int) -> DemoStory:
        """Ground truth of story ``i``: ``0 .. n_articles-1`` originals, then the copies.

        Raises ``IndexError`` when ``i`` is not below ``len(self)``."""
        return self.catalogue.story(i)

    def ref(self, i: int) -> StoryRef:
        return self.catalogue.ref(i)

    def article_paths(self) -> Iterator[str]:
        """Every article URL path, originals then syndicated copies (lazy)."""
        return (self.catalogue.ref(i).path for i in range(len(self.catalogue)))

    def story_index(self, path: str) -> int | None:
        """The story served at ``path``, or ``None`` when ``path`` is not an article."""
        match = _ARTICLE_ID.search(path)
        if match is None or path.startswith("/private/"):
            return None
        i = int(match.group(1))
        if i >= len(self.catalogue) or self.catalogue.ref(i).path != path:
            return None
        return i

    def lookup(self, url: str) -> DemoStory | None:
        """The ground truth of the article at ``url`` (absolute or a path), else ``None``."""
        parts = urlsplit(url)
        index = self.story_index(parts.path or "/")
        return None if index is None else self.catalogue.story(index)

    def page_kind(self, path: str) -> str:
        """What ``path`` is, as ground truth for classifiers: ``article``, ``home``, ``listing``,
        ``tag``, ``static``, ``soft_404`` (200 "Page not found"), ``private``, ``feed``,
        ``sitemap``, ``robots``, ``asset``, ``redirect`` (``/r/<id>`` short links) or ``error``."""
        route = urlsplit(path).path or "/"
        if self.story_index(route) is not None:
            return "article"
        status = self.render(path).status
        if status in (301, 302):
            return "redirect"
        if status != 200:
            return "error"
        fixed = {"/": "home", "/robots.txt": "robots", "/feed.xml": "feed", "/atom.xml": "feed"}
        fixed |= {pages.SOFT_404_PATH: "soft_404", "/sitemap.xml": "sitemap"}
        fixed |= dict.fromkeys(pages.STATIC_PAGES, "static")
        if route in fixed:
            return fixed[route]
        prefixes = {"/sitemaps/": "sitemap", "/section/": "listing", "/tag/": "tag"}
        prefixes |= {"/private/": "private", "/media/": "asset", "/assets/": "asset"}
        return next(kind for prefix, kind in prefixes.items() if route.startswith(prefix))

    def listing_sections(self) -> tuple[str, ...]:
        return (*SECTIONS, WIRE)

    def listing_pages(self, section: str) -> int:
        return max(1, math.ceil(self.catalogue.section_size(section) / PER_PAGE))

    def sitemap_children(self) -> list[str]:
        """The sitemap index's children: news and pages sitemaps, then the article pages."""
        files = math.ceil(len(self.catalogue) / SITEMAP_SIZE)
        return [
            "/sitemaps/news.xml",
            "/sitemaps/pages.xml.gz",
            *(f"/sitemaps/articles-{k}.xml" for k in range(1, files + 1)),
        ]

    def non_article_sitemap_paths(self) -> list[str]:
        """What ``/sitemaps/pages.xml.gz`` lists: home, sections, static pages, a soft 404."""
        return [
            "/",
            *(f"/section/{s}" for s in self.listing_sections()),
            *pages.STATIC_PAGES,
            pages.SOFT_404_PATH,
        ]

    def expected_counts(self) -> dict[str, int]:
        """What a complete, polite crawl of the site should find.

        ``articles`` originals + ``syndicated`` copies = ``article_urls`` (all in sitemaps);
        ``not_article_pages`` = home + listing pages + tag pages + static pages + the soft 404
        (all answer 200); ``error_pages`` answer 404; ``private_pages`` are disallowed.
        """
        listing = sum(self.listing_pages(s) for s in self.listing_sections())
        total = len(self.catalogue)
        counts = {
            "articles": self.config.n_articles,
            "syndicated": self.catalogue.n_copies,
            "article_urls": total,
            "feed_items": min(FEED_SIZE, total),
            "news_sitemap_urls": min(NEWS_SITEMAP_SIZE, total),
            "sitemap_files": len(self.sitemap_children()),
            "sitemap_non_article_urls": len(self.non_article_sitemap_paths()),
            "sections": len(self.listing_sections()),
            "listing_pages": listing,
            "tag_pages": len(_TAGS),
            "static_pages": len(pages.STATIC_PAGES),
            "soft_404_pages": 1,
            "error_pages": len(pages.ERROR_PATHS),
            "private_pages": 1,
            "revision_updated_articles": self.catalogue.updated_in_revision(),
        }
        counts["not_article_pages"] = 1 + listing + len(_TAGS) + len(pages.STATIC_PAGES) + 1
        return counts

    def render(
        self, path: str, *, base_url: str = "", request_headers: Mapping[str, str] | None = None
    ) -> Rendered:
        """Answer a GET of ``path`` (which may carry a query string).

        ``base_url`` (``http://host:port``) makes canonical links, feeds and sitemaps absolute.
        ``request_headers`` enable conditional requests (If-None-Match, If-Modified-Since).
        """
        parts = urlsplit(path)
        route = parts.path or "/"
        query = parse_qs(parts.query)
        index = self.story_index(route)
        if index is not None:
            return self._article(index, base_url, request_headers or {})
        machine = self._machine(route, base_url)
        if machine is not None:
            return machine
        short = _SHORT_LINK.match(route)
        if short is not None and int(short.group(1)) < len(self.catalogue):
            target = base_url + self.catalogue.ref(int(short.group(1))).path
            return Rendered(301, HTML, b"", {"Location": target})
        return self._page(route, query)

    # -- articles -------------------------------------------------------------------------

    def _context(self, i: int, base_url: str) -> ArticleContext:
        story = self.catalogue.story(i)
        n = self.config.n_articles
        anchor = story.syndicated_of if story.syndicated_of is not None else i
        shift = 2 if story.syndicated_of is not None else 0
        recent_ids = dict.fromkeys((anchor - d - shift) % n for d in range(1, 6))
        recent = tuple(self.catalogue.ref(k) for k in recent_ids if k != anchor)
        teaser_id = (anchor * 7 + 3 + shift) % n
        if teaser_id == anchor:
            teaser_id = (anchor + 1) % n
        teaser = self.catalogue.ref(teaser_id) if teaser_id != anchor else None
        return ArticleContext(story, base_url, self.today, recent, teaser)

    def _article(self, i: int, base_url: str, headers: Mapping[str, str]) -> Rendered:
        charset, body = encode_article(self._context(i, base_url))
        ctype = f"text/html; charset={charset}"
        if not self.config.etag:
            return Rendered(200, ctype, body, {})
        lastmod = self.catalogue.ref(i).lastmod
        validators = {
            "ETag": '"' + hashlib.sha256(body).hexdigest()[:20] + '"',
            "Last-Modified": format_datetime(lastmod, usegmt=True),
        }
        if _not_modified(headers, validators["ETag"], lastmod):
            return Rendered(304, ctype, b"", validators)
        return Rendered(200, ctype, body, validators)

    # -- feeds, sitemaps, robots ----------------------------------------------------------

    def _machine(self, route: str, base: str) -> Rendered | None:
        if route == "/robots.txt":
            text = feeds.robots_txt(base, crawl_delay=self.config.crawl_delay)
            return Rendered(200, "text/plain; charset=utf-8", text.encode(), {})
        if route in ("/feed.xml", "/atom.xml"):
            stories = [self.catalogue.story(r.id) for r in self.catalogue.latest(FEED_SIZE)]
            if route == "/feed.xml":
                tracking = _TRACKING if self.config.feed_tracking else ""
                rss = feeds.rss_feed(stories, base, tracking=tracking)
                return _xml(rss, "application/rss+xml; charset=utf-8")
            return _xml(feeds.atom_feed(stories, base), "application/atom+xml; charset=utf-8")
        if route == "/sitemap.xml":
            return _xml(feeds.sitemap_index(self.sitemap_children(), base))
        if route == "/sitemaps/news.xml":
            return _xml(feeds.news_sitemap(self.catalogue.latest(NEWS_SITEMAP_SIZE), base))
        if route in ("/sitemaps/pages.xml", "/sitemaps/pages.xml.gz"):
            plain: list[tuple[str, datetime | None]] = [
                (p, None) for p in self.non_article_sitemap_paths()
            ]
            return _xml(feeds.urlset(plain, base), gz=route.endswith(".gz"))
        match = _SITEMAP_PAGE.match(route)
        if match is not None:
            k = int(match.group(1))
            start = (k - 1) * SITEMAP_SIZE
            stop = min(len(self.catalogue), start + SITEMAP_SIZE)
            if k < 1 or start >= stop:
                return None
            refs = (self.catalogue.ref(i) for i in range(start, stop))
            entries = ((r.path, r.lastmod) for r in refs)
            return _xml(feeds.urlset(entries, base), gz=match.group(2) is not None)
        if route.startswith(("/media/", "/assets/")):
            if route.endswith(".css"):
                return Rendered(200, "text/css", b"body{font-family:serif}\n", {})
            return Rendered(200, "image/gif", _PIXEL, {})
        return None

    # -- pages that are not articles ------------------------------------------------------

    def _page(self, route: str, query: Mapping[str, list[str]]) -> Rendered:
        today = self.today
        if route == "/":
            return _html(200, pages.home_page(self.catalogue.latest(HOME_SIZE), today))
        if route in pages.STATIC_PAGES:
            return _html(200, pages.static_page(route, today))
        if route == pages.SOFT_404_PATH:
            return _html(200, pages.error_page(today, self.catalogue.latest(5)))
        if route.startswith("/private/"):
            return _html(200, pages.private_page(route, today))
        name = route.rsplit("/", 1)[-1]
        if route == f"/section/{name}" and name in self.listing_sections():
            listing = self._listing(name, query)
            if listing is not None:
                return listing
        if route == f"/tag/{name}" and name in _TAGS and not query:
            refs = self.catalogue.latest(HOME_SIZE)
            return _html(200, pages.listing_page(f"Topic: {name}", route, refs, page=1, pages=1,
                                                 today=today))  # fmt: skip
        return _html(404, pages.error_page(today, self.catalogue.latest(5)))

    def _listing(self, section: str, query: Mapping[str, list[str]]) -> Rendered | None:
        raw = query.get("page", ["1"])[-1]
        if not raw.isdigit() or set(query) - {"page"}:
            return None
        page, total = int(raw), self.listing_pages(section)
        if not 1 <= page <= total:
            return None
        refs = self.catalogue.section_refs(section, start=(page - 1) * PER_PAGE, count=PER_PAGE)
        title = "Wire: partner stories" if section == WIRE else section.title()
        path = f"/section/{section}"
        text = pages.listing_page(title, path, refs, page=page, pages=total, today=self.today)
        return _html(200, text)


def _xml(text: str, content_type: str = XML, *, gz: bool = False) -> Rendered:
    data = text.encode("utf-8")
    if gz:
        return Rendered(200, "application/gzip", gzip.compress(data, mtime=0), {})
    return Rendered(200, content_type, data, {})


def _not_modified(headers: Mapping[str, str], etag: str, lastmod: datetime) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    inm = lowered.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return etag in tags or "*" in tags
    ims = lowered.get("if-modified-since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return lastmod <= since
