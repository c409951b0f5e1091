"""The error hierarchy of ``ingest``.

Library exceptions are translated at the edges (``raise X(...) from exc``) so callers only
ever see these. ``TransientError`` may succeed when retried; ``PermanentError`` will not.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ExtractionError",
    "IngestError",
    "PermanentError",
    "StoreError",
    "StoreUnavailable",
    "TransientError",
]


class IngestError(Exception):
    """Base class of every error ``ingest`` raises on purpose."""


class TransientError(IngestError):
    """A failure that may go away when the operation is retried later."""


class PermanentError(IngestError):
    """A failure that retrying will not fix."""


class ConfigError(PermanentError):
    """Settings, a sources file or a site-rules file is invalid. The message says what to fix."""


class ExtractionError(PermanentError):
    """The parser could not process a document (never raised by ``ingest.extract``)."""


class StoreError(PermanentError):
    """The store rejected an operation (schema mismatch, constraint violated unexpectedly)."""


class StoreUnavailable(TransientError):
    """The database could not be reached; the operation can be retried."""
