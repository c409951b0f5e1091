"""Text cleaning (pure): Unicode NFC, entities, whitespace and invisible characters.

The words themselves are never rewritten: only encoding artefacts (entities, soft hyphens,
zero-width and control characters, odd spaces) are removed or replaced by one plain space.
Zero-width (non-)joiners (U+200C, U+200D) are kept: Persian, Indic scripts and emoji need them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from ingest.model import Block

__all__ = ["clean_blocks", "clean_body", "clean_text"]

# Removed outright: soft hyphen, zero-width space, word joiner, BOM / zero-width no-break
# space, Mongolian vowel separator, invisible operators, interlinear annotation marks, and the
# invisible bidirectional marks (LRM, RLM, ALM, embeddings, overrides, isolates).
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
# C0 and C1 control characters except tab, line feed and carriage return.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")
# Every kind of space, including the no-break ones (U+00A0, U+2007, U+202F) and line breaks.
_SPACE = re.compile(r"\s+")
# Entities left behind by double encoding ("&amp;#8217;" decodes to "&#8217;").
_LEFTOVER_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


def _decode(s: str) -> str:
    if "&" not in s:
        return s
    once = html.unescape(s)
    if "&" in once and _LEFTOVER_ENTITY.search(once):
        return html.unescape(once)
    return once


def _strip_invisible(s: str) -> str:
    s = unicodedata.normalize("NFC", _decode(s))
    s = _INVISIBLE.sub("", s)
    return _CONTROL.sub(" ", s)


def clean_text(s: str) -> str:
    """One clean paragraph: entities decoded, NFC, invisible characters removed, every run of
    whitespace (no-break spaces and line breaks included) turned into one space, trimmed."""
    return _SPACE.sub(" ", _strip_invisible(s)).strip()


def clean_body(text: str) -> str:
    """A multi-paragraph text cleaned paragraph by paragraph; paragraphs (separated by blank
    lines) are kept, empty ones dropped, and joined with one blank line."""
    paragraphs = (clean_text(p) for p in _BLANK_LINE.split(text.replace("\r\n", "\n")))
    return "\n\n".join(p for p in paragraphs if p)


def _clean_pre(s: str) -> str:
    # Preformatted text keeps its lines and indentation; only trailing spaces go.
    s = _strip_invisible(s).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in s.split("\n")]
    return "\n".join(lines).strip("\n")


def _paragraphs(block: Block) -> Iterable[Block]:
    if block.kind == "pre":
        text = _clean_pre(block.text)
        if text.strip():
            yield Block(kind="pre", text=text, level=block.level)
        return
    if block.kind == "p":
        parts = _BLANK_LINE.split(block.text.replace("\r\n", "\n"))
    else:
        parts = [block.text]
    for part in parts:
        text = clean_text(part)
        if text:
            yield Block(kind=block.kind, text=text, level=block.level)


def clean_blocks(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """Clean every block, keeping kinds, levels and order; empty blocks are dropped.

    A paragraph block holding several paragraphs (blank-line separated) becomes several
    paragraph blocks; ``pre`` blocks keep their line breaks and indentation.
    """
    return tuple(out for block in blocks for out in _paragraphs(block))
