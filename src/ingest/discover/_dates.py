"""Dates as written in feeds and sitemaps (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_feed_date"]

_ISO = re.compile(
    r"^(\d{4})-(\d{2})(?:-(\d{2}))?"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_MIN_YEAR = 1970
_MAX_YEAR = 2200


def parse_feed_date(text: str | None) -> datetime | None:
    """Parse an RFC 822 (``pubDate``) or ISO 8601 / W3C-DTF (``dc:date``, Atom, sitemap) date.

    Returns an aware datetime (UTC is assumed when the text gives no zone), or ``None`` when
    the text is empty or not a date this function understands.
    """
    if not text:
        return None
    value = " ".join(text.split())
    if not value:
        return None
    parsed = _parse_iso(value)
    if parsed is None and not value[:4].isdigit():
        parsed = _parse_rfc822(value)
    if parsed is None or not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_iso(value: str) -> datetime | None:
    m = _ISO.match(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    text = f"{year}-{month}-{day or '01'}"
    if hour is not None:
        text += f"T{hour}:{minute}:{second or '00'}"
        if frac:
            text += "." + (frac + "000000")[:6]
    if zone:
        if zone.upper() == "Z":
            text += "+00:00"
        else:
            digits = zone[1:].replace(":", "")
            text += f"{zone[0]}{digits[:2]}:{(digits[2:4] or '00')}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed
