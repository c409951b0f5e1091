"""Small DOM helpers over selectolax's Lexbor tree (pure)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = [
    "BLOCK_TAGS",
    "FAR",
    "HEADLINE_SELECTORS",
    "PROSE_END",
    "SKIP_TAGS",
    "absolute",
    "attr",
    "class_id",
    "clean",
    "distance",
    "headline_node",
    "inline_text",
    "link_chars",
    "parse",
    "remove_all",
    "small_link_chars",
    "text_of",
    "text_only",
    "text_weight",
    "unique",
    "visible",
]

#: How a paragraph of running text ends: a sentence's last character.
PROSE_END = (".", "!", "?", '"', "”", "»", "。")

#: Kana, CJK ideographs and Hangul: a character of these scripts carries about a word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

#: Zero-width characters and C0 controls, removed from text (whitespace is collapsed apart).
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\u200b\u200c\u200d\u2060\ufeff\ufffe\uffff]")
_DROP = dict.fromkeys(
    [*range(0x00, 0x09), *range(0x0E, 0x20), 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xFFFE, 0xFFFF]
)

#: Elements dropped with their content before anything else looks at the tree.
SKIP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "object",
    "embed",
    "button",
    "input",
    "select",
    "textarea",
    "option",
    "link",
    "meta",
    "audio",
    "video",
    "source",
    "map",
    "dialog",
)

#: Elements that start a new block of text.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul", "caption", "html", "frameset", "frame", "iframe", "legend", "picture",
        "noscript", "search",
    }
)  # fmt: skip


def absolute(base: str | None, url: str) -> str:
    """``url`` resolved against ``base`` (raises ``ValueError`` on a malformed URL); an
    absolute http(s) URL, the common case, is returned as it is without parsing."""
    if not base or url.startswith(("https://", "http://")):
        return url
    return urljoin(base, url)


def parse(text: str | bytes) -> LexborHTMLParser:
    """Parse a whole document with Lexbor (bytes are read as UTF-8)."""
    return LexborHTMLParser(text)


def clean(text: str | None) -> str:
    """Unescape stray entities, collapse whitespace (NBSP included) and strip."""
    if not text:
        return ""
    if "&" in text and ";" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def visible(text: str) -> str:
    """``text`` without zero-width characters and C0 controls (applied to output fields)."""
    if text.isascii() and text.isprintable():
        return text
    return " ".join(text.translate(_DROP).split()) if _INVISIBLE.search(text) else text


def text_weight(text: str) -> int:
    """Length with CJK characters counted as three: what the text would measure in a script
    that spells its words out (a length threshold for Latin text then holds for Japanese)."""
    if text.isascii():
        return len(text)
    return len(text) + 2 * len(_CJK.findall(text))


def text_of(node: LexborNode) -> str:
    """The node's whole text, whitespace collapsed."""
    return clean(node.text(separator=" "))


def inline_text(node: LexborNode) -> str:
    """The text of an element of inline content (a headline of spans), as a browser shows it:
    its pieces joined as they are (``<span>Breakpoint</span><span>: Hilfe</span>`` reads
    "Breakpoint: Hilfe"), with a space only where two words would otherwise run together (a
    kicker span styled as a line of its own: ``<span>Ukraine</span><span>Talks resume</span>``);
    an element holding blocks or line breaks gets a space between all its pieces."""
    own = node.mem_id
    pieces = []
    for element in node.traverse(include_text=True):
        if element.is_text_node:
            pieces.append(element.text_content or "")
        elif (element.tag in BLOCK_TAGS or element.tag == "br") and element.mem_id != own:
            return text_of(node)
    out = ""
    for piece in pieces:
        if out and piece and out[-1].isalnum() and piece[0].isalnum():
            out += " "
        out += piece
    return clean(out)


def attr(node: LexborNode, name: str) -> str:
    """An attribute's value, ``""`` when missing."""
    value = node.attributes.get(name)
    return value or ""


def class_id(node: LexborNode) -> str:
    """``class`` and ``id`` of a node, lower-cased, space separated."""
    # One attribute lookup and the id property: cheaper than building the attributes dict.
    return f"{node.attrs.get('class') or ''} {node.id or ''}".lower()


def link_chars(node: LexborNode) -> int:
    """Characters of text inside links below ``node``."""
    return sum(len(a.text(strip=True)) for a in node.css("a"))


def text_only(node: LexborNode) -> bool:
    """True when ``node`` has no element children, so no blocks or links inside (a cheap check
    that spares a selector match for most inline elements and plain paragraphs)."""
    child = node.child
    while child is not None:
        if child.is_element_node:
            return False
        child = child.next
    return True


def small_link_chars(node: LexborNode) -> int:
    """``link_chars`` of a small element (a heading, a list item) that is not a link itself:
    a walk over its few elements costs less than a selector match, which parses its selector
    on every call."""
    return sum(len(e.text(strip=True)) for e in node.traverse() if e.tag == "a")


#: ``distance`` when two nodes share no ancestor within the levels looked at.
FAR = 99


def distance(node: LexborNode, anchor: LexborNode | None, levels: int = 5) -> int:
    """Levels up from ``node`` to an ancestor it shares with ``anchor`` (``FAR``: none close)."""
    if anchor is None:
        return 0
    ancestors = set()
    cur = anchor.parent
    for _ in range(levels):
        if cur is None:
            break
        ancestors.add(cur.mem_id)
        cur = cur.parent
    cur = node.parent
    for level in range(levels):
        if cur is None or cur.tag in ("body", "html"):
            return FAR
        if cur.mem_id in ancestors:
            return level
        cur = cur.parent
    return FAR


#: The elements that may show the headline (``headline_node``), as a selector list that a
#: caller may join with others in one ``:is()``.
HEADLINE_SELECTORS = "h1, h2, [itemprop=headline]"
_HEADLINES = f":is({HEADLINE_SELECTORS})"


def headline_node(
    root: LexborNode, title: str | None, found: list[LexborNode] | None = None
) -> LexborNode | None:
    """The element showing the headline: an ``h1``/``h2`` whose text is the title, else the
    first ``h1`` (some templates use ``h1`` for the site logo). One walk: the walk for the
    headline elements finds the first ``h1`` too. ``found``: what ``HEADLINE_SELECTORS`` select in
    ``root``, when a walk of the caller's has it already."""
    if not title:
        return root.css_first("h1") if found is None else _first_h1(found)
    if found is None:
        found = root.css(_HEADLINES)
    for node in found[:30]:
        if clean(node.text()) == title:
            return node
    return _first_h1(found)


def _first_h1(found: list[LexborNode]) -> LexborNode | None:
    return next((node for node in found if node.tag == "h1"), None)


def unique(nodes: Iterable[LexborNode]) -> list[LexborNode]:
    """``nodes`` without repeats, in order (a plain selector list returns an element once per
    selector it matches)."""
    seen: set[int] = set()
    out = []
    for node in nodes:
        key = node.mem_id
        if key not in seen:
            seen.add(key)
            out.append(node)
    return out


def remove_all(nodes: Iterable[LexborNode]) -> None:
    """Remove nodes, innermost (last in document order) first so no freed node is touched,
    each once (a plain selector list returns an element once per selector it matches)."""
    for node in reversed(unique(nodes)):
        node.decompose()
