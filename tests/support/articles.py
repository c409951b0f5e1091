"""Build realistic :class:`~ingest.model.Article` values for store and pipeline tests."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.dedup.keys import content_hash, fingerprint
from ingest.model import Article, Block
from ingest.normalize.urls import canonicalize, url_key

WORDS = [
    "council",
    "harbour",
    "budget",
    "minister",
    "river",
    "election",
    "rail",
    "strike",
    "vaccine",
    "drought",
    "museum",
    "festival",
    "court",
    "ruling",
    "airport",
    "tariff",
    "wildfire",
    "senate",
    "merger",
    "satellite",
    "orchestra",
    "league",
    "bridge",
    "reservoir",
    "pension",
    "protest",
    "census",
    "glacier",
    "verdict",
    "shipyard",
    "refinery",
]


def story_text(seed: int, paragraphs: int = 6) -> list[str]:
    """Distinct, deterministic prose for story ``seed``."""
    out = []
    for p in range(paragraphs):
        words = [
            WORDS[(seed * 7 + p * 13 + i * i * (seed % 5 + 3)) % len(WORDS)] for i in range(40)
        ]
        out.append(f"Story {seed} paragraph {p}: " + " ".join(words) + f" number {seed * 31 + p}.")
    return out


def make_article(
    url: str,
    paragraphs: list[str],
    *,
    title: str = "A title",
    published: datetime | None = None,
    source: str = "test",
) -> Article:
    canonical = canonicalize(url)
    assert canonical is not None
    blocks = tuple(Block("p", p) for p in paragraphs)
    body = "\n\n".join(paragraphs)
    return Article(
        url=url,
        canonical_url=canonical,
        url_key=url_key(canonical),
        title=title,
        lead=None,
        blocks=blocks,
        authors=("Ana Ruiz",),
        published=published or datetime(2024, 5, 3, tzinfo=UTC),
        modified=None,
        language="en",
        site_name="Example",
        section=None,
        tags=(),
        images=(),
        word_count=len(body.split()),
        reading_time=1,
        fetched_at=datetime(2024, 5, 4, tzinfo=UTC),
        content_hash=content_hash(body),
        fingerprint=fingerprint(body),
        source=source,
    )
