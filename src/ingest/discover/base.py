"""Values produced by the discovery parsers (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Link", "SourceKind"]

SourceKind = Literal["feed", "sitemap", "news-sitemap", "section", "seed", "warc"]


@dataclass(frozen=True, slots=True)
class Link:
    """One discovered article URL.

    ``url`` is canonical (``ingest.normalize.urls.canonicalize``). ``published`` is the date
    the source gives for the article (feed item date, ``news:publication_date``); ``lastmod``
    the date it was last changed (Atom ``updated``, sitemap ``lastmod``). Both are aware
    datetimes (a date given without a zone is taken as UTC) or ``None``.
    """

    url: str
    published: datetime | None = None
    title: str | None = None
    source_kind: SourceKind = "feed"
    lastmod: datetime | None = None
