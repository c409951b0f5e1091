"""Site-aware chrome learning: blocks that repeat across a host's pages are chrome.

Pure. After the generic path has chosen the article's region, :func:`learn_region` walks the
region's leaf text blocks once: it fingerprints them (tag + normalised text, digits folded so
"12 comments" and "3 comments" are one block) for the host's count, and removes the ones the
host's :class:`HostProfile` calls chrome. The pipeline counts, per host, on how many distinct
pages each fingerprint appeared (``ingest.store``) and hands the result back as a profile
(:func:`chrome_of` decides from those counts).

Every block is counted twice: on its own (host-wide) and within its *slot*, the structural
context it sits in (its tag under the tag, id and first class of its three nearest ancestors,
e.g. ``main#main > div.entry-content > div.box > p``). Each slot also counts the pages it
appeared on, so a block's share can be taken over the pages that have its slot: the chrome of
a template that serves a sixth of a host's pages is on a sixth of the host's pages, but on
every page of its slot.

Safe by construction: a block is chrome only once seen on ``min_pages`` distinct pages (an
article's own text is on one page); a paragraph that sits in the body's flow, next to a long
paragraph that is not chrome, is kept even when it repeats (an agency credit, "Reporting by").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from hashlib import blake2b

from selectolax.lexbor import LexborNode

from ingest.model import PageBlock

__all__ = [
    "BlockStat",
    "HostProfile",
    "PageBlock",
    "block_fingerprint",
    "chrome_of",
    "is_chrome",
    "learn_region",
    "share",
    "slot_key",
    "strip_learned",
]

#: Elements that normally hold one line or paragraph of text.
_LEAF_TAGS = "p, h1, h2, h3, h4, h5, h6, li, dt, dd, figcaption, td, th, caption, summary, label"
#: Containers that hold text directly in "div soup" pages.
_SOUP_TAGS = "div, span, section, aside, header, footer"
_BLOCKISH = "p, div, li, ul, ol, table, h1, h2, h3, h4, h5, h6, section, article"
_BODY_NEIGHBOUR_CHARS = 80
_MAX_PARAGRAPH_SHARE = 0.5
_FOLD_DIGITS_BELOW = 40
#: blocks longer than this are never taken for chrome (and not counted)
_MAX_CHROME_CHARS = 400
_MAX_TEXT = 200
_DIGITS = re.compile(r"\d+")
#: ancestors that make up a block's slot, above the block itself
_SLOT_DEPTH = 3
_SLOT_TOP = frozenset({"body", "html", "#document"})
#: separates a slot from a fingerprint in a slot-scoped key ("<slot>:<fingerprint>"); a key
#: ending in it ("<slot>:") counts the pages the slot was seen on
SLOT_SEP = ":"


@dataclass(frozen=True, slots=True)
class HostProfile:
    """What was learnt for one host. ``chrome`` holds block fingerprints (chrome wherever they
    are in the article) and slot-scoped keys ``"<slot>:<fingerprint>"`` (chrome in that slot)."""

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


def share(stat: BlockStat, slot: BlockStat | None = None) -> float:
    """The share of the pages since its first sighting that the block was on: of the host's
    pages, or with ``slot`` (the counter of the block's slot) of the pages that have the slot,
    estimated as the block's share of the host's pages over the slot's (a slot's pages are
    taken to be spread evenly over the host's, as a site's templates are)."""
    own = stat.count / max(1, stat.last_page - stat.first_page + 1)
    return own if slot is None else min(1.0, own / max(share(slot), 1e-9))


def is_chrome(
    stat: BlockStat, *, min_pages: int, min_share: float, slot: BlockStat | None = None
) -> bool:
    """Seen on at least ``min_pages`` pages and on ``min_share`` of the pages since its first
    sighting (so a new template's chrome is learnt as fast as the first one's); with ``slot``,
    of the pages that have the block's slot (see :func:`share`)."""
    return stat.count >= min_pages and share(stat, slot) >= min_share


def chrome_of(
    stats: Mapping[str, BlockStat], *, min_pages: int, min_share: float
) -> frozenset[str]:
    """The chrome keys of a host from its block counts: fingerprints that are chrome
    host-wide, and slot-scoped keys that are chrome within their slot. ``stats`` maps the keys
    :func:`learn_region` returns (and may leave out rarer ones) to their counts."""
    chrome: set[str] = set()
    for key, stat in stats.items():
        if stat.count < min_pages or not key or key.endswith(SLOT_SEP):
            continue  # too rare, or a page counter
        slot, sep, _fp = key.rpartition(SLOT_SEP)
        counter = stats.get(slot + SLOT_SEP) if sep else None
        if sep and counter is None:
            continue
        if is_chrome(stat, min_pages=min_pages, min_share=min_share, slot=counter):
            chrome.add(key)
    return frozenset(chrome)


def _normalise(text: str) -> str:
    """Whitespace and case folded; digits folded in short texts only ("12 comments",
    "Updated 3 hours ago"), so long paragraphs that differ in figures stay different."""
    text = " ".join(text.casefold().split())
    return _DIGITS.sub("0", text) if len(text) <= _FOLD_DIGITS_BELOW else text


def block_fingerprint(tag: str, text: str) -> str:
    """The fingerprint of a block: its tag and its normalised text."""
    key = f"{tag}\x00{_normalise(text)}".encode()
    return blake2b(key, digest_size=8).hexdigest()


def _step(node: LexborNode) -> str:
    """One element of a slot path: tag, id and first class, digits folded ("post-0")."""
    attrs = node.attrs
    step = node.tag or ""
    ident = attrs.get("id")
    if ident:
        step += "#" + ident.strip()
    classes = (attrs.get("class") or "").split()
    if classes:
        step += "." + classes[0]
    return _DIGITS.sub("0", step)


class _Slots:
    """Slots of a region's blocks: the block's tag under the path of its nearest ancestors,
    memoised per parent and per ancestor (siblings and cousins share their context)."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, str], tuple[str, str]] = {}
        self._steps: dict[int, str] = {}

    def _step(self, node: LexborNode) -> str:
        step = self._steps.get(node.mem_id)
        if step is None:
            step = self._steps[node.mem_id] = _step(node)
        return step

    def of(self, node: LexborNode) -> tuple[str, str]:
        """``(key, path)`` of the slot ``node`` sits in."""
        parent = node.parent
        tag = node.tag or ""
        memo = (parent.mem_id if parent is not None else 0, tag)
        known = self._known.get(memo)
        if known is None:
            steps = [tag]
            above = parent
            while above is not None and len(steps) <= _SLOT_DEPTH and above.tag not in _SLOT_TOP:
                steps.append(self._step(above))
                above = above.parent
            path = " > ".join(reversed(steps))
            known = self._known[memo] = (slot_key(path), path)
        return known


def slot_key(path: str) -> str:
    """The short key of a slot path (as it appears in slot-scoped keys)."""
    return blake2b(path.encode(), digest_size=4).hexdigest()


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
    taken = {n.mem_id for n in leaves}  # leaves, and the soup blocks taken so far
    for node in root.css(_SOUP_TAGS):
        if node.mem_id in above_blocks or not node.text(deep=False).strip():
            continue
        if _has_taken_ancestor(node, taken):
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


def _in_body_flow(
    node: LexborNode, is_chrome_node: dict[int, bool], chrome: frozenset[str]
) -> bool:
    """A repeated paragraph next to the article's own paragraphs belongs to the article.
    ``is_chrome_node`` holds the verdicts of the region's blocks by node id."""
    if node.tag != "p":
        return False
    for forward in (False, True):
        sibling = _element_sibling(node, forward)
        if sibling is None or sibling.tag != "p":
            continue
        text = sibling.text(separator=" ").strip()
        if len(text) < _BODY_NEIGHBOUR_CHARS:
            continue
        verdict = is_chrome_node.get(sibling.mem_id)
        if verdict is None:  # outside the region: its text alone decides
            verdict = block_fingerprint("p", text) in chrome
        if not verdict:
            return True
    return False


def learn_region(nodes: Sequence[LexborNode], profile: HostProfile) -> tuple[PageBlock, ...]:
    """One walk over the leaf blocks of the article's region ``nodes``: their keys for the
    host's count (each block's fingerprint, its slot-scoped key and its slot's page counter),
    and removal of the blocks ``profile`` knows as chrome.

    Subtractive only: it runs after the main content was chosen, so it can only take chrome
    out, never change which part of the page is the article. Mutates the nodes.
    """
    blocks = [pair for node in nodes for pair in _leaf_blocks(node)]
    chrome = profile.chrome
    slots = _Slots()
    keys: dict[str, PageBlock] = {}
    verdicts: dict[int, bool] = {}
    candidates: list[tuple[LexborNode, str]] = []
    for node, text in blocks:
        if len(text) > _MAX_CHROME_CHARS:
            continue
        fp = block_fingerprint(node.tag or "", text)
        slot, path = slots.of(node)
        scoped = f"{slot}{SLOT_SEP}{fp}"
        if fp not in keys:
            keys[fp] = PageBlock(fp, text[:_MAX_TEXT])
        if scoped not in keys:
            keys[scoped] = PageBlock(scoped, text[:_MAX_TEXT])
            counter = slot + SLOT_SEP
            if counter not in keys:
                keys[counter] = PageBlock(counter, path[-_MAX_TEXT:])
        learnt = fp in chrome or scoped in chrome
        verdicts[node.mem_id] = learnt
        if learnt:
            candidates.append((node, text))
    if candidates:
        _remove(nodes, candidates, verdicts, chrome)
    return tuple(keys.values())


def _remove(
    nodes: Sequence[LexborNode],
    candidates: list[tuple[LexborNode, str]],
    verdicts: dict[int, bool],
    chrome: frozenset[str],
) -> None:
    doomed = [node for node, _text in candidates if not _in_body_flow(node, verdicts, chrome)]
    doomed_paragraphs = sum(len(node.text()) for node in doomed if node.tag == "p")
    if doomed_paragraphs and doomed_paragraphs > _MAX_PARAGRAPH_SHARE * sum(
        len(node.text()) for node in nodes
    ):
        # Most of the article's text looks learnt: more likely a copy of a page seen before
        # than chrome. Paragraphs stay; the generic rules decide.
        doomed = [node for node in doomed if node.tag != "p"]
    for node in doomed:
        node.decompose()


def strip_learned(nodes: Sequence[LexborNode], profile: HostProfile) -> None:
    """Remove the blocks ``profile`` knows as chrome from the article's region ``nodes``
    (:func:`learn_region` without the keys)."""
    if profile.chrome:
        learn_region(nodes, profile)
