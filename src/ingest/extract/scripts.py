"""Article HTML that a page ships only inside its scripts (pure).

A page rendered in the browser (a Next.js stream, a ``window.__STATE__ = {...}`` object...)
can hold no article text in its markup at all: the body travels as an HTML string inside a
JSON or JavaScript string literal, often escaped twice (``\\u003cp\\u003e``). When the markup
gave no article, :func:`script_html` finds the longest such string that reads as article
HTML (several paragraphs), so the page is extracted instead of being judged empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

__all__ = ["script_html"]

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
#: A JSON/JavaScript string literal; possessive, so a failed match does not backtrack.
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*+)"', re.DOTALL)
_MIN_LITERAL = 300
_PARAGRAPH = re.compile(r"<p[\s>]", re.IGNORECASE)
#: Keys and items of a JSON document: a string holding them is data with HTML inside, not HTML.
_JSONISH = re.compile(r'"\s*:\s*["{\[]|"\s*,\s*"')
_ESCAPED_TAG = ("\\u003c", "\\u003C", "<p", "<P")
_MIN_PARAGRAPHS = 3
_MAX_DEPTH = 3
_MAX_SCRIPT = 4_000_000


def script_html(page: str) -> str | None:
    """The longest HTML string with at least three paragraphs inside the page's inline
    scripts (JSON-LD excluded), unescaped however many times it was escaped; ``None`` when
    there is none."""
    best: str | None = None
    for match in _SCRIPT.finditer(page):
        if "ld+json" in match.group(1).lower():
            continue
        code = match.group(2)[:_MAX_SCRIPT]
        if not any(tag in code for tag in _ESCAPED_TAG):
            continue
        for html in _html_strings(code, 0):
            if best is None or len(html) > len(best):
                best = html
    return best


def _html_strings(code: str, depth: int) -> list[str]:
    """String values in ``code`` that are article HTML, looking inside strings that hold
    further escaped strings (a JSON document inside a JavaScript string) up to a depth."""
    found: list[str] = []
    for raw in _literals(code):
        if len(raw) < _MIN_LITERAL or not any(tag in raw for tag in _ESCAPED_TAG):
            continue
        try:
            value = json.loads(f'"{raw}"')
        except ValueError:
            continue
        if not isinstance(value, str):
            continue
        if len(_PARAGRAPH.findall(value)) >= _MIN_PARAGRAPHS and not _JSONISH.search(value):
            found.append(value)
        elif depth < _MAX_DEPTH:
            found.extend(_html_strings(value, depth + 1))
    return found


def _literals(code: str) -> Iterator[str]:
    """The string literals of ``code``, left to right, each character read once: a quote
    that no closing quote follows ends the search (a later one would read to the end again,
    which on a long unterminated string would cost quadratic time)."""
    pos = 0
    while (start := code.find('"', pos)) >= 0:
        literal = _LITERAL.match(code, start)
        if literal is None:
            return
        pos = literal.end()
        yield literal.group(1)
