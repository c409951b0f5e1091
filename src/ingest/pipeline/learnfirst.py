"""Learn first, extract second: the bookkeeping of a batch run's learning pass.

A batch (a WARC file, or live sources fetched into one first) can be read twice: pass 1 only
counts each article page's blocks into its host's profile (``Crawler.learn_pages``), pass 2
processes the pages with the learnt profiles and counts nothing (``CrawlOptions.count_blocks``
off), so no page of the batch is extracted cold. Pass 1 counts a page only when the online
crawl would have: a new article that is not a copy of one counted before. :class:`SeenArticles`
remembers, for that, what the pass has met; the pages themselves are never kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from ingest.dedup import MemoryIndex, similarity
from ingest.dedup.decide import NEAR_DUP_THRESHOLD
from ingest.model import Article

__all__ = ["LearnOutcome", "LearnSummary", "SeenArticles"]


class LearnOutcome(StrEnum):
    """What the learning pass did with one page."""

    COUNTED = "counted"  # its blocks were counted in its host's profile
    NOT_ARTICLE = "not_article"  # not an article (or an article without text blocks)
    SAME_URL = "same_url"  # the same article URL was met earlier in the pass
    DUPLICATE = "duplicate"  # the same text as an article met earlier in the pass
    NEAR_DUPLICATE = "near_duplicate"  # a near-duplicate of one met earlier in the pass
    KNOWN = "known"  # already in the store (an earlier run counted it, or would have)


@dataclass(slots=True)
class LearnSummary:
    """What a learning pass did: ``counted`` pages per host, ``skipped`` pages per reason."""

    pages: int = 0
    counted: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, host: str, outcome: LearnOutcome) -> None:
        self.pages += 1
        if outcome is LearnOutcome.COUNTED:
            self.counted[host] += 1
        else:
            self.skipped[str(outcome)] += 1

    @property
    def counted_pages(self) -> int:
        return sum(self.counted.values())

    @property
    def hosts(self) -> int:
        return len(self.counted)

    def as_dict(self) -> dict[str, object]:
        return {
            "pages_read": self.pages,
            "pages_counted": self.counted_pages,
            "hosts": dict(self.counted.most_common()),
            "skipped": dict(self.skipped),
        }


class SeenArticles:
    """The articles a learning pass has met, to count every story once, as the store's
    deduplication does online: URL keys, content hashes and near-duplicate fingerprints in an
    in-memory LSH index (about 5 KB per article; no page is kept). Not thread-safe."""

    __slots__ = ("_hashes", "_index", "_urls", "threshold")

    def __init__(self, *, threshold: float = NEAR_DUP_THRESHOLD) -> None:
        self.threshold = threshold
        self._urls: set[bytes] = set()
        self._hashes: set[bytes] = set()
        self._index = MemoryIndex()

    def __len__(self) -> int:
        return len(self._urls)

    def match(self, article: Article) -> LearnOutcome | None:
        """Why ``article`` repeats one met before, or ``None`` when it is new."""
        if _key(article.url_key) in self._urls:
            return LearnOutcome.SAME_URL
        if _key(article.content_hash) in self._hashes:
            return LearnOutcome.DUPLICATE
        for other in self._index.query(article.fingerprint):
            if similarity(article.fingerprint, self._index.fingerprint(other)) >= self.threshold:
                return LearnOutcome.NEAR_DUPLICATE
        return None

    def add(self, article: Article) -> None:
        self._urls.add(_key(article.url_key))
        self._hashes.add(_key(article.content_hash))
        self._index.add(len(self._index), article.fingerprint)


def _key(hex_digest: str) -> bytes:
    """A digest's first 16 bytes (hex digests are kept as bytes to halve their memory)."""
    try:
        return bytes.fromhex(hex_digest)[:16]
    except ValueError:
        return hex_digest.encode()
