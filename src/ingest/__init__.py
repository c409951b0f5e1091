"""``ingest``: an async news ingestion pipeline.

The public, pure entry point is :func:`extract`: HTML in, a clean article (or the reason it
is not one) out, with no I/O.
"""

from __future__ import annotations

from ingest.model import Article, Block, Extracted, Image, NotArticle, OutcomeKind, Result

__all__ = [
    "Article",
    "Block",
    "Extracted",
    "Image",
    "NotArticle",
    "OutcomeKind",
    "Result",
    "__version__",
    "extract",
]

__version__ = "0.1.0"


def extract(
    html: str | bytes, url: str | None = None, **options: object
) -> Extracted | NotArticle:
    """Extract the article from one page. Pure and deterministic; never raises on bad input."""
    from ingest.extract import extract as _extract  # noqa: PLC0415 - keeps `import ingest` light

    return _extract(html, url, **options)  # type: ignore[arg-type]
