"""``ingest``: an async news ingestion pipeline.

The public, pure entry point is :func:`extract`: ``extract(html, url=None)`` returns a clean
:class:`Extracted` article or a :class:`NotArticle` with its reason. No I/O; never raises.
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

# Bound after the import of the ``ingest.extract`` package so that the name ``ingest.extract`` is
# the function (the package stays importable as ``ingest.extract.*``).
from ingest.extract import extract
