"""Values passed between the stages of the pipeline.

Every value is a frozen dataclass: stages never pass raw dicts. The flow is
``FetchRequest -> Page | FetchFailure -> Extracted | NotArticle -> Article -> Result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

__all__ = [
    "Article",
    "Block",
    "BlockKind",
    "Extracted",
    "FetchFailure",
    "FetchRequest",
    "FetchResult",
    "Image",
    "NotArticle",
    "OutcomeKind",
    "Page",
    "PageBlock",
    "Result",
    "body_text",
]

BlockKind = Literal["p", "h", "li", "quote", "pre"]


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One URL to fetch, with the validators of a previous fetch for a conditional request."""

    url: str
    source: str = ""
    etag: str | None = None
    last_modified: str | None = None
    #: True when the URL came from a user (CLI, API, sources file): the address guard applies.
    user_supplied: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """What a successful fetch returns (status 2xx, or 304 for an unchanged page)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: datetime
    encoding: str | None = None
    elapsed: float = 0.0
    redirects: tuple[str, ...] = ()
    source: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or self.headers.get("Last-Modified")


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A fetch that produced no usable page. ``reason`` is a short stable code, e.g.
    ``timeout``, ``connection_error``, ``http_404``, ``http_503``, ``not_html``, ``too_large``,
    ``decompression_bomb``, ``redirect_loop``, ``too_many_redirects``, ``blocked_address``,
    ``robots_disallowed``, ``invalid_url``."""

    url: str
    reason: str
    detail: str = ""
    retryable: bool = False
    status: int | None = None
    fetched_at: datetime | None = None


FetchResult = Page | FetchFailure


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit of an article body, in reading order."""

    kind: BlockKind
    text: str
    level: int = 0  # heading level (2..6) for kind "h"; 0 otherwise


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class PageBlock:
    """A fingerprinted text block of a page (site-aware chrome learning), with a short
    sample of its text for display."""

    fingerprint: str
    text: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """The parser's output for a page that holds an article. Text fields are plain text.

    ``published``/``modified`` are parsed but not yet normalised: they may be naive (no zone);
    ``normalize`` applies the source's zone and converts to UTC.
    ``provenance`` maps a field name to where it came from: ``json-ld``, ``meta``, ``dom``,
    ``url``, ``rules``.
    """

    title: str | None
    blocks: tuple[Block, ...]
    lead: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    strategy: str = ""
    provenance: Mapping[str, str] = field(default_factory=dict)
    #: the page's blocks, for learning the host's chrome (empty unless asked for)
    page_blocks: tuple[PageBlock, ...] = ()

    @property
    def body(self) -> str:
        return body_text(self.blocks)


@dataclass(frozen=True, slots=True)
class NotArticle:
    """The page is not an article. ``reason`` is one of ``empty``, ``listing``, ``error_page``,
    ``consent_wall``, ``blocked``, ``captcha``, ``too_short``, ``not_html``."""

    reason: str
    detail: str = ""
    title: str | None = None


def body_text(blocks: tuple[Block, ...]) -> str:
    """The plain-text body: one paragraph per block, separated by a blank line."""
    return "\n\n".join(b.text for b in blocks if b.text)


@dataclass(frozen=True, slots=True)
class Article:
    """A normalised article, ready to deduplicate and store. Dates are aware UTC."""

    url: str
    canonical_url: str
    url_key: str
    title: str
    lead: str | None
    blocks: tuple[Block, ...]
    authors: tuple[str, ...]
    published: datetime | None
    modified: datetime | None
    language: str | None
    site_name: str | None
    section: str | None
    tags: tuple[str, ...]
    images: tuple[Image, ...]
    word_count: int
    reading_time: int  # minutes, at least 1
    fetched_at: datetime
    content_hash: str
    fingerprint: bytes  # near-duplicate signature, opaque to everything but ``dedup``
    source: str = ""
    strategy: str = ""
    provenance: Mapping[str, str] = field(default_factory=dict)
    #: notes about values dropped during normalisation, e.g. ``published:future``
    dropped: tuple[str, ...] = ()
    #: the page's blocks, passed on from :class:`Extracted` for site-aware chrome learning
    page_blocks: tuple[PageBlock, ...] = ()

    @property
    def body(self) -> str:
        return body_text(self.blocks)


class OutcomeKind(StrEnum):
    STORED = "stored"  # a new article
    UPDATED = "updated"  # a new version of an article already stored under the same URL
    UNCHANGED = "unchanged"  # refetched, same content (or HTTP 304)
    DUPLICATE = "duplicate"  # exact copy of another article (same body hash)
    NOT_ARTICLE = "not_article"
    DISALLOWED = "disallowed"  # robots.txt or the address guard refused it
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class MovedArticle:
    """An article a cluster merge moved into another cluster (a change for the stream)."""

    article_id: int
    version: int
    url: str


@dataclass(frozen=True, slots=True)
class Result:
    """What happened to one URL. ``reason`` explains not-article, disallowed and failed."""

    url: str
    kind: OutcomeKind
    reason: str = ""
    detail: str = ""
    article_id: int | None = None
    duplicate_of: int | None = None
    cluster_id: int | None = None
    version: int | None = None
    #: Articles a cluster merge moved into ``cluster_id`` when this one was stored.
    moved: tuple[MovedArticle, ...] = ()
