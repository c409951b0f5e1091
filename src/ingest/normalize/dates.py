"""Date parsing and normalisation (pure)."""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["parse_date"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_date(text: str | None) -> datetime | None:
    """Parse a date as found in metadata (ISO 8601 and common variants); ``None`` if unparseable.

    The result keeps the zone the text gave, or is naive when it gave none.
    """
    if not text:
        return None
    value = text.strip()
    if not _ISO_DATE.match(value):
        return None
    value = value.replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        try:
            return datetime.fromisoformat(value[:10])
        except ValueError:
            return None
