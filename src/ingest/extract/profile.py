"""Site-aware chrome learning: blocks that repeat across a host's pages are chrome.

Pure. A page's leaf text blocks are fingerprinted (tag + normalised text, digits folded so
"12 comments" and "3 comments" are one block); the pipeline counts, per host, on how many
distinct pages each fingerprint appeared (``ingest.store``) and hands the result back as a
:class:`HostProfile`. :func:`page_blocks` gives a page's fingerprints for that count;
:func:`strip_learned` removes the blocks the profile calls chrome from the article's region.

Safe by construction: a block is chrome only once seen on ``min_pages`` distinct pages (an
article's own text is on one page); a paragraph that sits in the body's flow, next to a long
paragraph that is not chrome, is kept even when it repeats (an agency credit, "Reporting by").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    "page_blocks",
    "strip_learned",
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
#: blocks longer than this are never taken for chrome (and not counted)
_MAX_CHROME_CHARS = 400
_MAX_TEXT = 200
_DIGITS = re.compile(r"\d+")


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
    text = " ".join(text.casefold().split())
    return _DIGITS.sub("0", text) if len(text) <= _FOLD_DIGITS_BELOW else text


def block_fingerprint(tag: str, text: str) -> str:
    """The fingerprint of a block: its tag and its normalised text."""
    key = f"{tag}\x00{_normalise(text)}".encode()
    return blake2b(key, digest_size=8).hexdigest()


def _ancestors_of(nodes: Sequence[LexborNode], limit: int = 40) -> set[int]:
    """The ids of every element above any of ``nodes`` (within ``limit`` levels)."""
    above: set[int] = set()
    for node in nodes:
        parent = node.parent
        for _ in range(limit):
            if parent is None or parent.mem_id in above:
                break
            above.add(parent.mem_id)
            parent = parent.parent
    return above


def _leaf_blocks(root: LexborNode) -> list[tuple[LexborNode, str]]:
    """Text blocks that contain no other block, in document order; never nested, so each
    can be removed on its own."""
    leaves = root.css(_LEAF_TAGS)
    above_leaves = _ancestors_of(leaves)
    found: list[tuple[LexborNode, str]] = []
    for node in leaves:
        if node.mem_id in above_leaves:
            continue
        text = node.text(separator=" ").strip()
        if len(text) >= 2:
            found.append((node, text))
    above_blocks = above_leaves | _ancestors_of(root.css(_BLOCKISH))
    inside_leaf = {n.mem_id for n in leaves}
    taken: set[int] = set()
    for node in root.css(_SOUP_TAGS):
        if node.mem_id in above_blocks or not node.text(deep=False).strip():
            continue
        if _has_taken_ancestor(node, taken | inside_leaf):
            continue
        text = node.text(separator=" ").strip()
        if len(text) >= 2:
            found.append((node, text))
            taken.add(node.mem_id)
    return found


def _has_taken_ancestor(node: LexborNode, taken: set[int]) -> bool:
    parent = node.parent
    for _ in range(40):
        if parent is None:
            return False
        if parent.mem_id in taken:
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


def page_blocks(root: LexborNode) -> tuple[PageBlock, ...]:
    """Every distinct leaf block of the page up to chrome size, fingerprinted, for the host's
    profile (longer blocks are article text or never learnt anyway)."""
    out: dict[str, PageBlock] = {}
    for node, text in _leaf_blocks(root):
        if len(text) > _MAX_CHROME_CHARS:
            continue
        fp = block_fingerprint(node.tag or "", text)
        out.setdefault(fp, PageBlock(fp, text[:_MAX_TEXT]))
    return tuple(out.values())


def strip_learned(nodes: Sequence[LexborNode], profile: HostProfile) -> None:
    """Remove the blocks ``profile`` knows as chrome from the article's region ``nodes``.

    Subtractive only: it runs after the main content was chosen, so it can only take chrome
    out, never change which part of the page is the article. Mutates the nodes.
    """
    if not profile.chrome:
        return
    blocks = [pair for node in nodes for pair in _leaf_blocks(node)]
    doomed = [
        node
        for node, text in blocks
        if len(text) <= _MAX_CHROME_CHARS
        and block_fingerprint(node.tag or "", text) in profile.chrome
        and not _in_body_flow(node, profile.chrome)
    ]
    paragraphs = sum(len(text) for node, text in blocks if node.tag == "p")
    doomed_paragraphs = sum(len(node.text()) for node in doomed if node.tag == "p")
    if doomed_paragraphs > _MAX_PARAGRAPH_SHARE * paragraphs:
        # Most of the article's paragraphs look learnt: more likely a copy of a page seen
        # before than chrome. Paragraphs stay; the generic rules decide.
        doomed = [node for node in doomed if node.tag != "p"]
    for node in doomed:
        node.decompose()
