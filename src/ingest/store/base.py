"""What the pipeline needs from storage, and the records the store hands back."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ingest.extract.profile import HostProfile
from ingest.model import Article, Block, Image, PageBlock, Result

__all__ = [
    "ArticleQuery",
    "FrontierEntry",
    "FrontierUpdate",
    "OutboxEntry",
    "Store",
    "StoredArticle",
    "Version",
    "article_record",
    "blocks_record",
    "images_record",
]


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    url: str
    canonical_url: str
    source: str
    title: str
    lead: str | None
    body: str
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
    reading_time: int
    fetched_at: datetime
    content_hash: str
    cluster_id: int
    is_canonical: bool
    version: int
    strategy: str
    provenance: Mapping[str, str]
    seq: int
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    title: str
    content_hash: str
    fetched_at: datetime
    body: str


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    url_key: str
    url: str
    source: str
    first_seen: datetime
    last_fetched: datetime | None
    next_due: datetime | None
    outcome: str | None
    reason: str | None
    etag: str | None
    last_modified: str | None
    attempts: int
    article_id: int | None

    #: Outcomes after which a refetch sends the last fetch's validators (ETag, Last-Modified).
    REFETCHABLE = frozenset({"stored", "updated", "unchanged", "duplicate"})

    def due(self, now: datetime, *, force: bool = False) -> bool:
        """True when the URL should be fetched again at ``now`` (always with ``force``)."""
        return force or self.next_due is None or self.next_due <= now

    def validators(self) -> tuple[str | None, str | None]:
        """``(etag, last_modified)`` for a conditional refetch, when the last fetch got a page."""
        if self.outcome in self.REFETCHABLE:
            return self.etag, self.last_modified
        return None, None


@dataclass(frozen=True, slots=True)
class FrontierUpdate:
    """The result of one fetch attempt for the frontier."""

    url_key: str
    url: str
    source: str
    outcome: str
    reason: str
    fetched_at: datetime
    next_due: datetime | None
    etag: str | None = None
    last_modified: str | None = None
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A change whose stream event is still owed: the cursor it was issued at, the kind of
    change, and the article's current state (``None`` when the article is gone)."""

    seq: int
    article_id: int
    kind: str
    version: int | None
    cursor: int | None
    cluster_id: int | None
    url: str


@dataclass(frozen=True, slots=True)
class ArticleQuery:
    text: str | None = None
    source: str | None = None
    language: str | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None
    one_per_cluster: bool = False
    since_seq: int = 0
    limit: int = 50
    newest_first: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """Durable state: articles, their versions and clusters, the frontier, jobs."""

    def upgrade(self) -> list[int]: ...

    def save(
        self,
        article: Article,
        *,
        source_priority: int = 0,
        now: datetime,
        once_per_fetch: bool = False,
    ) -> Result: ...

    def has_copy(self, article: Article) -> bool:
        """True when the store holds this article's text or a near-duplicate of it (read only:
        what ``save`` would call a duplicate or put in an existing cluster)."""
        ...

    def frontier(self, url_keys: Sequence[str]) -> dict[str, FrontierEntry]: ...

    def record(self, updates: Sequence[FrontierUpdate]) -> None: ...

    def get_article(self, article_id: int) -> StoredArticle | None: ...

    def versions(self, article_id: int) -> list[Version]: ...

    def query(self, q: ArticleQuery) -> list[StoredArticle]: ...

    def iter_articles(self, q: ArticleQuery, *, batch: int = 500) -> Iterator[StoredArticle]: ...

    def counts(self) -> dict[str, int]: ...

    def cursors(self, article_ids: Sequence[int]) -> dict[int, int]: ...

    def published(self, cursors: Mapping[int, int]) -> None: ...

    def learn_site(
        self,
        host: str,
        blocks: Sequence[PageBlock],
        *,
        now: datetime,
        window: int,
        max_blocks: int,
    ) -> int: ...

    def site_profile(self, host: str, *, min_pages: int, min_share: float) -> HostProfile: ...

    def close(self) -> None: ...


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def blocks_record(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    """Body blocks as documented in the article record (``level`` only on headings)."""
    return [
        {"kind": b.kind, "text": b.text, **({"level": b.level} if b.kind == "h" else {})}
        for b in blocks
    ]


def images_record(images: tuple[Image, ...]) -> list[dict[str, Any]]:
    return [{"url": i.url, "caption": i.caption, "credit": i.credit} for i in images]


def article_record(a: StoredArticle) -> dict[str, Any]:
    """The one documented article schema, used by the CLI, exports and the API."""
    return {
        "id": a.id,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "source": a.source,
        "title": a.title,
        "lead": a.lead,
        "body": a.body,
        "blocks": blocks_record(a.blocks),
        "authors": list(a.authors),
        "published": _iso(a.published),
        "modified": _iso(a.modified),
        "language": a.language,
        "site_name": a.site_name,
        "section": a.section,
        "tags": list(a.tags),
        "images": images_record(a.images),
        "word_count": a.word_count,
        "reading_time": a.reading_time,
        "fetched_at": _iso(a.fetched_at),
        "content_hash": a.content_hash,
        "cluster_id": a.cluster_id,
        "is_cluster_canonical": a.is_canonical,
        "version": a.version,
        "strategy": a.strategy,
        "provenance": dict(a.provenance),
        "cursor": a.seq,
    }
