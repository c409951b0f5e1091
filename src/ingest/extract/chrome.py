"""Remove page chrome from the tree: chrome elements, class/id names and headed chrome blocks.

Works in place on a parsed tree, innermost nodes first, so a removed node is never touched again.
"""

from __future__ import annotations

from functools import lru_cache

from selectolax.lexbor import LexborNode

from ingest.extract.dom import clean, link_chars, remove_all, small_link_chars, text_weight
from ingest.extract.vocabulary import (
    CONTENT_CLASS,
    hidden_class,
    is_chrome_heading,
    is_chrome_name,
)

__all__ = ["strip_chrome"]

# Selector lists are wrapped in ``:is()``: Lexbor returns an element once per selector of a
# plain list that it matches (a ``nav`` with ``role=navigation`` twice), ``:is()`` once.
#: Chrome by its element or its role: Lexbor tests an element against each alternative of a
#: selector, so the attribute values are checked in Python (``_chrome_element``) on the few
#: elements that have the attributes at all.
_CHROME_TAG_NAMES = frozenset(
    {"nav", "aside", "footer", "figure", "figcaption", "picture", "img", "menu"}
)
_CHROME_TAGS = f":is({', '.join(sorted(_CHROME_TAG_NAMES))}, [role], [aria-hidden], [hidden])"
_CHROME_ROLES = frozenset({"navigation", "contentinfo", "complementary"})
#: Links, icons and list items: their container's name decides, not theirs.
_NOT_BY_OWN_NAME = frozenset(
    {"a", "img", "picture", "label", "time", "i", "hr", "br", "b", "em", "li"}
)
#: Elements with a class or id, except those whose own name never decides (fewer to read).
_NAMED = f":is([class], [id]):not({', '.join(sorted(_NOT_BY_OWN_NAME))})"
_NEVER_BY_NAME = frozenset({"html", "body", "main", "article"})
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_ALWAYS_CHROME = frozenset({"nav", "menu", "figure", "figcaption", "picture", "img"})
_HEADINGS = ":is(h2, h3, h4, h5, h6, [role=heading], [class*=title], [class*=head])"
#: An element that holds this share of the page's text is content, whatever its name says.
_PROTECT_SHARE = 0.35
_PROTECT_MIN = 600
_PROTECT_RUNNING = 700
_MAX_CANDIDATES = 20_000
_MARK = "data-ingest-drop"
_CARD_MAX = 500


def _protected(node: LexborNode, para_chars: int, *, strong: bool = False) -> bool:
    """True when ``node`` holds a large share of the page's paragraph text."""
    n = len(node.text())
    if n < _PROTECT_MIN:
        return False
    if strong:  # a comment or paywall block is protected only when it holds most of the text
        return sum(len(p.text()) for p in node.css("p")) >= 0.6 * para_chars
    inside = sum(len(p.text()) for p in node.css("p"))
    if inside >= _PROTECT_SHARE * para_chars:
        return True
    # Running text (long paragraphs, few links) is content even under a layout class name.
    return inside >= _PROTECT_RUNNING and link_chars(node) < 0.15 * n


def _chrome_element(node: LexborNode) -> bool:
    """What ``_CHROME_TAGS`` finds that is chrome: the elements, the roles of navigation,
    footer, sidebar and search form, and what is hidden."""
    tag = node.tag
    if tag in _CHROME_TAG_NAMES:
        return True
    attrs = node.attrs
    role = attrs.get("role")
    return (
        role in _CHROME_ROLES
        or (role == "search" and tag == "form")
        or attrs.get("aria-hidden") == "true"
        or "hidden" in attrs
    )


def _strip_tags(root: LexborNode, page_chars: int) -> None:
    drop = []
    for node in root.css(_CHROME_TAGS):
        if not _chrome_element(node):
            continue
        if node.tag not in _ALWAYS_CHROME and _protected(node, page_chars):
            continue  # e.g. a server-rendered body in a [hidden] holder, an <aside>-wrapped story
        drop.append(node)
    remove_all(drop)


def _strip_classes(root: LexborNode, page_chars: int) -> None:
    nodes = root.css(_NAMED)
    judged = _JUDGED
    if len(judged) >= _JUDGED_MAX:
        judged.clear()  # bounded: a long crawl meets ever new class names
    if len(nodes) > _MAX_CANDIDATES:
        nodes = nodes[:_MAX_CANDIDATES]
    for node in reversed(nodes):  # innermost first: a parent is checked after its children
        classes, ident = node.attrs.get("class") or "", node.id or ""
        names = f"{classes} {ident}"
        verdict = judged.get(names)
        if verdict is None:
            verdict = judged[names] = _judge(names.lower())
        chrome, strong = verdict
        if not chrome:
            continue
        tag = node.tag
        if tag in _NOT_BY_OWN_NAME:
            continue  # a link or icon named "share" inside a paragraph is not a block to drop
        if tag in _NEVER_BY_NAME:
            continue
        if tag == "p" and "paywall" in names:
            continue  # a paragraph marked for the paywall is the story's gated text, not a prompt
        if tag in _HEADING_TAGS and not strong and not _unseen(classes):
            continue  # a heading's own class says little, unless it hides the heading
        if _protected(node, page_chars, strong=strong):
            continue
        node.decompose()


_STRONG = (
    "related", "share", "comment", "newsletter", "paywall", "subscri", "disqus",
    "recommend", "outbrain", "taboola", "cookie", "consent", "promo", "advert", "trending",
    "most-read", "mostread", "popular", "author-bio", "authorbio", "author-box", "respond",
)  # fmt: skip


#: ``_judge`` of an element's ``class`` and ``id`` as written, the one cache of the verdicts (a
#: dict is cheaper than an ``lru_cache`` call in the hottest loop of the pass): class names
#: repeat within a page and across a site's pages. Emptied when full.
_JUDGED: dict[str, tuple[bool, bool]] = {}
_JUDGED_MAX = 1 << 16

_CONTENT_STEMS = ("article", "story", "post", "entry", "body", "content", "text", "news", "td-")


def _judge(names: str) -> tuple[bool, bool]:
    """(is chrome, is strong chrome) for a class/id string."""
    if not is_chrome_name(names):
        return False, False
    content = any(s in names for s in _CONTENT_STEMS) and CONTENT_CLASS.search(names) is not None
    strong = _strong_chrome(names)
    if content and not strong:
        return False, False
    return True, strong and not content


#: Class names of text kept for screen readers only ("Article content", "Main content").
_UNSEEN = ("sr-only", "visually-hidden", "visuallyhidden", "screen-reader", "offscreen")


@lru_cache(maxsize=1 << 12)
def _unseen(classes: str) -> bool:
    """True when an element's classes hide it from view: a heading for screen readers."""
    low = classes.lower()
    return any(w in low for w in _UNSEEN) or hidden_class(low)


def _strong_chrome(names: str) -> bool:
    """Names that mark chrome whatever the text inside (comments, paywalls, teasers...)."""
    return any(w in names for w in _STRONG)


def _strip_headed_blocks(root: LexborNode) -> None:
    marked = False
    for head in root.css(_HEADINGS):
        text = clean(head.text())
        if is_chrome_heading(text):
            for node in _headed_block(head):
                node.attrs[_MARK] = "1"
                marked = True
    if marked:
        remove_all(root.css(f"[{_MARK}]"))


def _headed_block(head: LexborNode) -> list[LexborNode]:
    """The block a chrome heading introduces: its parent when that is mostly links or short,
    else the heading and the link list right after it."""
    node = head
    head_len = len(clean(head.text()))
    for _ in range(3):
        parent = node.parent
        if parent is None or parent.tag in ("body", "html", "main", "article"):
            break
        raw = parent.text()
        if len(raw) > 8000:
            break
        text = clean(raw)
        if len(text) > 4000:
            break
        if len(text) - head_len < 40:
            node = parent
            continue
        dense = link_chars(parent) >= 0.4 * len(text)
        if not dense and text_weight(text) > 700:
            break  # a long text that is not a link list: more than the chrome block
        node = parent
    if node is not head:
        return [node]
    out = [head]
    nxt = head.next
    while nxt is not None and not nxt.is_element_node:
        nxt = nxt.next
    if nxt is not None and nxt.tag in ("ul", "ol", "div", "section"):
        text = clean(nxt.text())
        if text and link_chars(nxt) >= 0.4 * len(text):
            out.append(nxt)
    return out


def _strip_teaser_cards(root: LexborNode) -> None:
    """Remove teaser cards: a linked headline with a short summary, in a small container."""
    marked = False
    for head in root.css("h2, h3, h4, h5")[:400]:
        text = head.text(strip=True)
        if not text or small_link_chars(head) < 0.8 * len(text):
            continue
        card = head
        for _ in range(3):
            parent = card.parent
            if parent is None or parent.tag in ("body", "main", "article", "html"):
                break
            if len(parent.text(strip=True)) > _CARD_MAX:
                break
            card = parent
        if card is head or card.css_first("p") is None:
            continue
        card.attrs[_MARK] = "1"
        marked = True
    if marked:
        remove_all(root.css(f"[{_MARK}]"))


def _strip_alt_captions(root: LexborNode, images: list[LexborNode]) -> None:
    """Remove captions outside ``figure``: the element right after an image (of ``images``,
    those with an ``alt`` text) that repeats the image's ``alt`` text."""
    marked = False
    for img in images[:200]:
        alt = clean(img.attributes.get("alt"))
        if len(alt) < 20:
            continue
        nxt = img.next
        while nxt is not None and not nxt.is_element_node:
            nxt = nxt.next
        if nxt is not None and clean(nxt.text()).startswith(alt[:60]):
            nxt.attrs[_MARK] = "1"
            marked = True
    if marked:
        remove_all(root.css(f"[{_MARK}]"))


def strip_chrome(root: LexborNode, *, keep_classes: bool = False) -> None:
    """Remove chrome below ``root`` in place (tags, class/id names, headed chrome blocks).

    ``keep_classes`` skips the class/id pass (used under per-site body selectors)."""
    found = root.css(":is(p, img[alt])")  # one walk for the page's text and its images
    page_chars = sum(len(node.text()) for node in found if node.tag == "p")
    _strip_alt_captions(root, [node for node in found if node.tag == "img"])
    _strip_tags(root, page_chars)
    if not keep_classes:
        _strip_classes(root, page_chars)
    _strip_headed_blocks(root)
    _strip_teaser_cards(root)
