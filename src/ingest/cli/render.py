"""JSON rendering of an :class:`~ingest.model.Extracted` for ``ingest extract``."""

from __future__ import annotations

from typing import Any

from ingest.model import Extracted
from ingest.store.base import blocks_record, images_record

__all__ = ["extracted_record"]


def extracted_record(e: Extracted) -> dict[str, Any]:
    return {
        "title": e.title,
        "lead": e.lead,
        "body": e.body,
        "blocks": blocks_record(e.blocks),
        "authors": list(e.authors),
        "published": e.published.isoformat() if e.published else None,
        "modified": e.modified.isoformat() if e.modified else None,
        "language": e.language,
        "canonical_url": e.canonical_url,
        "site_name": e.site_name,
        "section": e.section,
        "tags": list(e.tags),
        "images": images_record(e.images),
        "strategy": e.strategy,
        "provenance": dict(e.provenance),
    }
