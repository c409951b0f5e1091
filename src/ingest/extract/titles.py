"""Headline cleaning: drop " | Site name" and similar suffixes/prefixes (pure)."""

from __future__ import annotations

import re

from ingest.extract.dom import clean

__all__ = ["clean_title", "host_key", "is_site_name"]

_SEPARATORS = re.compile(r"\s+[|–—·•:/\\-]\s+|\s*[|·•ㅣ]\s*|(?<=[\u3000-\u9fff])_")
_MAX_TITLE = 400


def host_key(host: str) -> str:
    """The distinctive part of a host name: ``www.nytimes.com`` -> ``nytimes``."""
    parts = [p for p in host.lower().split(".") if p and p not in ("www", "m", "amp", "edition")]
    if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "net", "gov", "ac"):
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


_FOLD = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "á": "a", "ó": "o", "í": "i",
     "ú": "u", "ñ": "n", "ç": "c", "ø": "o", "å": "a"}
)  # fmt: skip


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold().translate(_FOLD))


def _is_site(segment: str, site_name: str | None, host: str) -> bool:
    seg = _squash(segment)
    if not seg:
        return True
    if site_name:
        site = _squash(site_name)
        if site and (seg == site or (len(seg) >= 3 and (seg in site or site in seg))):
            return True
    key = _squash(host_key(host)) if host else ""
    return bool(key) and len(seg) <= 40 and (key in seg or (len(seg) >= 4 and seg in key))


def is_site_name(text: str, site_name: str | None, host: str) -> bool:
    """True when ``text`` only names the site (its ``og:site_name`` or its host)."""
    return _is_site(text, site_name, host)


def _pipe_suffix(sep: str, segment: str) -> bool:
    """A short trailing segment after ``|`` or ``_`` is a site, section or byline label."""
    return sep.strip() in ("|", "_") and len(segment.split()) <= 4 and len(segment) <= 40


def clean_title(
    raw: str | None, *, site_name: str | None = None, host: str = "", h1: str = ""
) -> str:
    """The headline without a site-name prefix or suffix. ``""`` when nothing is left."""
    title = clean(raw)[:_MAX_TITLE]
    if not title:
        return ""
    if h1 and h1 != title and h1 in title and len(h1) >= 0.5 * len(title):
        rest = title.replace(h1, "", 1)
        if _is_site(rest, site_name, host) or not _squash(rest):
            return h1
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    seps = _SEPARATORS.findall(title)
    # Drop site-name segments from either end, keeping the longest remaining run intact.
    start, end = 0, len(parts)
    while end - start > 1 and (
        _is_site(parts[end - 1], site_name, host) or _pipe_suffix(seps[end - 2], parts[end - 1])
    ):
        end -= 1
    while end - start > 1 and _is_site(parts[start], site_name, host):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return clean(out)
