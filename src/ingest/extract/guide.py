"""Use a complete JSON-LD ``articleBody`` to confirm DOM blocks: the DOM keeps the structure
(paragraphs, headings, lists) and structured data vouches for which blocks are the article (pure).
"""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser

from ingest.model import Block

__all__ = ["guide_blocks", "ld_text", "unescape"]

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")
_WORD = re.compile(r"\w+")  # the same tokens as _TOKEN on text without CJK, twice as fast
#: Every ASCII byte that ``\w`` does not match (all but letters, digits and ``_``) to a space.
_ASCII_SPACES = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128))
_ASCII_SPACES += bytes(range(128, 256))
#: A block belongs to the article when this share of its words is in the articleBody.
_IN_BODY = 0.6
#: The articleBody must hold at least this share of the DOM text to be trusted as complete.
_COMPLETE = 0.5


def unescape(body: str) -> str:
    """Undo HTML escaping, also when it was applied twice ("&amp;ccedil;")."""
    for _ in range(2):
        if "&" not in body:
            break
        body = html.unescape(body)
    return body


def ld_text(body: str) -> str:
    """The articleBody as plain text (some sites put markup or escaped entities in it)."""
    body = unescape(body)
    if "<" in body and ">" in body:
        return LexborHTMLParser(body).text(separator=" ")
    return body


def _tokens(text: str) -> list[str]:
    if text.isascii():  # _WORD's tokens without a regex: casefold() is lower() on ASCII
        return text.encode().lower().translate(_ASCII_SPACES).decode().split()
    text = text.casefold()
    return _TOKEN.findall(text) if _HAS_CJK.search(text) else _WORD.findall(text)


def guide_blocks(blocks: list[Block], ld_body: str, summary: str = "") -> list[Block] | None:
    """The blocks the articleBody vouches for, or ``None`` when it cannot judge (too short,
    truncated, or matching too little of the DOM text). ``summary``, the page's description,
    vouches for its own words too: a standfirst printed in the body is seldom in articleBody."""
    ld_body = ld_text(ld_body)
    ld_tokens = _tokens(ld_body)
    vocabulary = set(ld_tokens)
    if summary:
        vocabulary.update(_tokens(summary))
    if len(vocabulary) < 30 or not blocks:
        return None
    per_block = [_tokens(b.text) for b in blocks]
    dom_words = sum(len(t) for t in per_block)
    ld_words = len(ld_tokens)
    if ld_words < _COMPLETE * dom_words:
        return None
    keep: list[bool] = []
    for toks in per_block:
        inside = sum(map(vocabulary.__contains__, toks))  # True counts as 1
        keep.append(bool(toks) and inside >= _IN_BODY * len(toks))
    # A heading stays when the block after it stays (headings are often missing from JSON-LD).
    for i, block in enumerate(blocks):
        if block.kind == "h" and not keep[i] and i + 1 < len(blocks) and keep[i + 1]:
            keep[i] = True
    kept = [b for b, k in zip(blocks, keep, strict=True) if k]
    kept_words = sum(len(t) for t, k in zip(per_block, keep, strict=True) if k)
    if kept_words < 0.5 * min(ld_words, dom_words):
        return None
    return kept
