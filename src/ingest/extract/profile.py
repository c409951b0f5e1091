"""Site-aware chrome learning: blocks that repeat across a host's pages are chrome.

Pure. A page's leaf text blocks are fingerprinted (tag + normalised text, digits folded so
"12 comments" and "3 comments" are one block); the pipeline counts, per host, on how many
distinct pages each fingerprint appeared (``ingest.store``) and hands the result back as a
:class:`HostProfile`. :func:`learn_and_strip` removes the blocks the profile calls chrome and
returns the page's fingerprints so the profile can be updated.

Safe by construction: a block is chrome only once seen on ``min_pages`` distinct pages (an
article's own text is on one page); a paragraph that sits in the body's flow, next to a long
paragraph that is not chrome, is kept even when it repeats (an agency credit, "Reporting by").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import blake2b

from selectolax.lexbor import LexborNode

from ingest.model import PageBlock

__all__ = [
    "BlockStat",
    "HostProfile",
    "PageBlock",
    "block_fingerprint",
    "is_chrome",
    "learn_and_strip",
]

#: Elements that normally hold one line or paragraph of text.
_LEAF_TAGS = "p, h1, h2, h3, h4, h5, h6, li, dt, dd, figcaption, td, th, caption, summary, label"
#: Containers that hold text directly in "div soup" pages.
_SOUP_TAGS = "div, span, section, aside, header, footer"
_LEAF_SET = frozenset(t.strip() for t in _LEAF_TAGS.split(","))
_BLOCKISH = "p, div, li, ul, ol, table, h1, h2, h3, h4, h5, h6, section, article"
_BODY_NEIGHBOUR_CHARS = 80
_MAX_PARAGRAPH_SHARE = 0.5
_FOLD_DIGITS_BELOW = 40
_MAX_TEXT = 200
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class HostProfile:
    """What was learned for one host: the fingerprints of its chrome blocks."""

    host: str
    pages: int
    chrome: frozenset[str]


@dataclass(frozen=True, slots=True)
class BlockStat:
    """How often a block was seen: ``count`` distinct pages, first and last at these indexes
    of the host's page counter."""

    count: int
    first_page: int
    last_page: int


def is_chrome(stat: BlockStat, *, min_pages: int, min_share: float) -> bool:
    """Seen on at least ``min_pages`` pages and on ``min_share`` of the pages since its first
    sighting (so a new template's chrome is learnt as fast as the first one's)."""
    if stat.count < min_pages:
        return False
    span = max(1, stat.last_page - stat.first_page + 1)
    return stat.count / span >= min_share


def _normalise(text: str) -> str:
    """Whitespace and case folded; digits folded in short texts only ("12 comments",
    "Updated 3 hours ago"), so long paragraphs that differ in figures stay different."""
    text = _SPACE.sub(" ", text).strip().casefold()
    return _DIGITS.sub("0", text) if len(text) <= _FOLD_DIGITS_BELOW else text


def block_fingerprint(tag: str, text: str) -> str:
    """The fingerprint of a block: its tag and its normalised text."""
    key = f"{tag}\x00{_normalise(text)}".encode()
    return blake2b(key, digest_size=8).hexdigest()


def _leaf_blocks(root: LexborNode) -> list[tuple[LexborNode, str]]:
    """Text blocks that contain no other block, in document order; never nested, so each
    can be removed on its own."""
    found: list[tuple[LexborNode, str]] = []
    for node in root.css(_LEAF_TAGS):
        text = node.text(separator=" ").strip()
        if len(text) >= 2 and not _has_descendant(node, _LEAF_TAGS):
            found.append((node, text))
    taken: set[int] = set()
    for node in root.css(_SOUP_TAGS):
        if not node.text(deep=False).strip() or _has_taken_ancestor(node, taken):
            continue
        if _has_descendant(node, _BLOCKISH) or _has_descendant(node, _LEAF_TAGS):
            continue
        text = node.text(separator=" ").strip()
        if len(text) >= 2:
            found.append((node, text))
            taken.add(node.mem_id)
    return found


def _has_descendant(node: LexborNode, selector: str) -> bool:
    """Whether an element below ``node`` matches (Lexbor's ``css`` includes ``node`` itself)."""
    return any(found.mem_id != node.mem_id for found in node.css(selector))


def _has_taken_ancestor(node: LexborNode, taken: set[int]) -> bool:
    """Inside a soup block already taken, or inside a leaf element (a link in a paragraph)."""
    parent = node.parent
    for _ in range(16):
        if parent is None:
            return False
        if parent.mem_id in taken or parent.tag in _LEAF_SET:
            return True
        parent = parent.parent
    return False


def _element_sibling(node: LexborNode, forward: bool) -> LexborNode | None:
    sibling = node.next if forward else node.prev
    while sibling is not None and (sibling.tag or "").startswith("-"):
        sibling = sibling.next if forward else sibling.prev
    return sibling


def _in_body_flow(node: LexborNode, chrome: frozenset[str]) -> bool:
    """A repeated paragraph next to the article's own paragraphs belongs to the article."""
    if node.tag != "p":
        return False
    for forward in (False, True):
        sibling = _element_sibling(node, forward)
        if sibling is None or sibling.tag != "p":
            continue
        text = sibling.text(separator=" ").strip()
        if len(text) >= _BODY_NEIGHBOUR_CHARS and block_fingerprint("p", text) not in chrome:
            return True
    return False


def learn_and_strip(root: LexborNode, profile: HostProfile | None) -> tuple[PageBlock, ...]:
    """Fingerprint the page's leaf blocks and remove those ``profile`` knows as chrome.

    Returns every distinct block of the page (before removal) for the profile's update.
    Mutates ``root``.
    """
    blocks = _leaf_blocks(root)
    out: dict[str, PageBlock] = {}
    doomed: list[LexborNode] = []
    chrome = profile.chrome if profile is not None else frozenset()
    for node, text in blocks:
        fp = block_fingerprint(node.tag or "", text)
        out.setdefault(fp, PageBlock(fp, text[:_MAX_TEXT]))
        if fp in chrome and not _in_body_flow(node, chrome):
            doomed.append(node)
    paragraphs = sum(len(text) for node, text in blocks if node.tag == "p")
    doomed_paragraphs = sum(len(node.text()) for node in doomed if node.tag == "p")
    if doomed_paragraphs > _MAX_PARAGRAPH_SHARE * paragraphs:
        # Most of the page's paragraphs look learnt: more likely a copy of a page seen before
        # than chrome. Paragraphs stay; the generic rules decide.
        doomed = [node for node in doomed if node.tag != "p"]
    for node in doomed:
        node.decompose()
    return tuple(out.values())
