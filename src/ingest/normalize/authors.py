"""Author name cleaning (pure).

Bylines arrive as "By Jane Doe and John Roe | Staff Writer", "Von Max Muster, 03.05.2024",
"jane@example.com" ... The cleaner splits credits on unambiguous separators, strips byline
prefixes, e-mail addresses, handles, URLs and dates, drops strings that are not names (role
words such as "Staff" or "Updated"), and removes duplicates while keeping the first occurrence's
order. Names are not re-cased or otherwise rewritten; organisations ("dpa", "Reuters") are kept,
since publishers credit them as authors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.normalize.text import clean_text

__all__ = ["clean_author", "clean_authors"]

MAX_NAME_LENGTH = 80
MAX_NAME_WORDS = 8

_SPLIT = re.compile(r"\s*(?:[,;|•·]|\s/\s|\s(?:and|und|&)\s)\s*", re.IGNORECASE)
_PREFIX = re.compile(
    r"^(?:(?:written|reported|reporting|text|words|story|posted|photos?|"
    r"by|von|por|par|door|autor(?:in)?|authors?|auteur|redakteur(?:in)?)"
    r"\b[\s:.-]*)+",
    re.IGNORECASE,
)
# "by" in Italian, Portuguese, Scandinavian bylines; also the start of surnames ("De Rosa",
# "Da Silva"), so only a lowercase particle before at least two more words is dropped.
_PARTICLE = re.compile(r"^(?:di|da|de|af|av|fra|från)\s+(?=\S+\s+\S)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_DATE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?\b"
    r"|\b(?:19|20)\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)?\b\.?",
    re.IGNORECASE,
)
_TRAILING_ROLE = re.compile(
    r"\s+[-–—]\s+(?:staff|senior|chief|political|business|sports?|foreign|.*\b(?:editor|"
    r"correspondent|reporter|writer)s?\b).*$",
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(r"\(\W*\)|\[\W*\]")
_EDGE_PUNCT = re.compile(r"^[\s\W_]+|[\s\-–—:|,;/(\[{]+$")

# Lowercased strings (after prefix stripping) that are never a person's or outlet's name.
_NON_NAMES = frozenset(
    {
        "staff", "staff writer", "staff writers", "staff reporter", "staff reporters",
        "editor", "editors", "editorial", "editorial staff", "editorial team", "news desk",
        "newsdesk", "web desk", "digital desk", "desk", "admin", "administrator", "webmaster",
        "anonymous", "unknown", "guest", "guest author", "contributor", "contributors",
        "correspondent", "reporter", "writer", "author", "authors", "team", "none", "null",
        "undefined", "n/a", "na", "updated", "update", "published", "posted", "modified",
        "last updated", "am", "pm", "uhr", "aktualisiert", "veröffentlicht", "stand",
        "actualizado", "publicado", "mis à jour", "publié le", "redaktion", "la redacción",
        "rédaction", "redazione", "share", "follow", "comments",
    }
)  # fmt: skip
# Words of a date or status line ("Updated Monday, May 3 at 10 AM").
_DATE_WORD = re.compile(
    r"^(?:am|pm|a\.m|p\.m|uhr|at|on|um|le|el|de|updated|published|posted|modified|aktualisiert|"
    r"veröffentlicht|stand|actualizado|publicado|modifié|publié|mis|à|jour|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|mai|juni|"
    r"juli|august|september|oktober|dezember|january|february|march|april|june|july|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\.?$",
    re.IGNORECASE,
)


def _is_name(name: str) -> bool:
    if not name or len(name) > MAX_NAME_LENGTH:
        return False
    if not any(ch.isalpha() for ch in name):
        return False
    lowered = name.casefold()
    if lowered in _NON_NAMES:
        return False
    words = name.split()
    if len(words) > MAX_NAME_WORDS:
        return False
    return not all(_DATE_WORD.match(w) for w in words)


def clean_author(raw: str) -> str | None:
    """One credited name, cleaned; ``None`` when what is left is not a name."""
    name = clean_text(raw)
    name = _EMAIL.sub(" ", name)
    name = _URL.sub(" ", name)
    name = _HANDLE.sub(" ", name)
    name = _DATE.sub(" ", name)
    name = _EMPTY_BRACKETS.sub(" ", name)
    name = _TRAILING_ROLE.sub("", name)
    name = _PARTICLE.sub("", _PREFIX.sub("", name.strip()))
    name = _EDGE_PUNCT.sub("", " ".join(name.split()))
    return name if _is_name(name) else None


def clean_authors(names: Sequence[str]) -> tuple[str, ...]:
    """Clean a list of credits: split joint bylines, drop non-names and duplicates (compared
    case-insensitively), keep the order of first appearance."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in names:
        for part in _SPLIT.split(clean_text(raw)):
            name = clean_author(part)
            if name is None:
                continue
            key = " ".join(name.casefold().split())
            if key not in seen:
                seen.add(key)
                out.append(name)
    return tuple(out)
