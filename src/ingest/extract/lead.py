"""The standfirst (lead): a lead-named element near the headline, or the paragraph after the
headline when it repeats the page description (pure)."""

from __future__ import annotations

from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract.dom import FAR, class_id, clean, distance, headline_node, link_chars
from ingest.extract.vocabulary import (
    EMBED_HINTS,
    EMBED_PLACEHOLDER,
    LEAD_CLASS,
    PROMPT,
    PROMPT_HINTS,
    any_of,
)

__all__ = ["find_lead"]

_MAX_CANDIDATES = 60
_MIN, _MAX = 30, 900


@lru_cache(maxsize=1 << 14)
def _lead_named(classes: str) -> bool:
    """True when a class attribute names a standfirst (cached: class names repeat)."""
    return LEAD_CLASS.search(classes.lower()) is not None


def _words(text: str) -> set[str]:
    return {w for w in text.casefold().split() if len(w) > 2}


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) >= 0.6 * min(len(wa), len(wb))


#: Words one of which every prompt or embed placeholder holds: one search of this pattern
#: rules both out for most texts, where the two full patterns cost ten times as much.
_HINTS = any_of(PROMPT_HINTS, EMBED_HINTS)

_NOT_LEAD_TAGS = frozenset(
    {"a", "li", "ul", "ol", "h1", "body", "form", "figure", "figcaption", "picture", "img"}
)
#: Elements that may be the standfirst: named (class) or marked as the description, and not of a
#: tag a standfirst never is (those are left out of the walk, not read one by one).
_CANDIDATES = (
    f":is([class], [itemprop=description]):not({', '.join(sorted(_NOT_LEAD_TAGS - {'body'}))})"
)
_SIDE_WORDS = (
    "widget", "related", "recommend", "most-read", "mostread", "lightbox", "modal", "popup",
    "overlay", "caption",
)  # fmt: skip


def _in_sidebar(node: LexborNode) -> bool:
    """True in or inside an aside, navigation, footer, a sidebar or related box, or an overlay
    (an image viewer's caption is no standfirst)."""
    cur: LexborNode | None = node
    for _ in range(8):
        if cur is None or cur.tag in ("body", "html"):
            return False
        if cur.tag in ("aside", "nav", "footer", "figure", "figcaption"):
            return True
        names = class_id(cur)
        if any(w in names for w in _SIDE_WORDS):
            return True
        cur = cur.parent
    return False


def _ok(node: LexborNode, text: str) -> bool:
    if not _MIN <= len(text) <= _MAX or node.tag in _NOT_LEAD_TAGS:
        return False
    low = text.lower()
    if _HINTS.search(low) and (PROMPT.search(low) or EMBED_PLACEHOLDER.search(low)):
        return False
    if "comment" in class_id(node):
        return False
    if _in_sidebar(node):
        return False
    if any(inner.mem_id != node.mem_id for inner in node.css("h1, h2, figure, ul")):
        return False
    return link_chars(node) < 0.3 * len(text)


def find_lead(
    tree: LexborHTMLParser,
    description: str,
    title: str | None,
    headlines: list[LexborNode] | None = None,
) -> LexborNode | None:
    """The standfirst element, or ``None``."""
    body = tree.body
    if body is None:
        return None
    h1 = headline_node(body, clean(title) if title else None, headlines)
    scope = body
    if h1 is not None:  # the standfirst sits next to the headline
        scope = h1
        for _ in range(4):
            parent = scope.parent
            if parent is None or parent.tag in ("body", "html"):
                break
            scope = parent
    best: tuple[int, LexborNode] | None = None
    seen = 0
    for node in scope.css(_CANDIDATES):
        attrs = node.attributes
        if attrs.get("itemprop") != "description" and not _lead_named(attrs.get("class") or ""):
            continue
        seen += 1
        if seen > _MAX_CANDIDATES:
            break
        text = clean(node.text())
        if not _ok(node, text) or (title and clean(title) == text):
            continue
        rank = 0 if description and _similar(text, description) else distance(node, h1)
        if rank < FAR and (best is None or rank < best[0]):
            best = (rank, node)  # the closest to the headline wins; ties go to the first
    if best is not None:
        return best[1]
    if h1 is not None and description:
        nxt = _next_element(h1)
        if nxt is not None and nxt.tag in ("p", "h2", "div", "span"):
            text = clean(nxt.text())
            if _ok(nxt, text) and _similar(text, description):
                return nxt
    return None


def _next_element(node: LexborNode) -> LexborNode | None:
    """The next element after ``node``, climbing at most three wrapper levels."""
    for _ in range(3):
        cur = node.next
        while cur is not None and not cur.is_element_node:
            cur = cur.next
        if cur is not None:
            return cur
        parent = node.parent
        if parent is None or parent.tag in ("body", "article", "html"):
            return None
        node = parent
    return None
