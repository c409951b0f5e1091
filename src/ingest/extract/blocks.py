"""Turn a content region of the tree into ordered ``Block`` values (pure).

The walk is iterative (a stack of child iterators), so deeply nested markup cannot exhaust the
Python stack. Inline runs (text, links, ``<br>``) become paragraphs; ``p``/``h2``-``h6``/``li``/
``blockquote``/``pre`` map to their block kinds. Link-heavy and chrome-looking blocks are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

from selectolax.lexbor import LexborNode

from ingest.extract.dom import PROSE_END, clean, small_link_chars, text_only
from ingest.model import Block, BlockKind

__all__ = ["walk_blocks"]

_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "ins", "kbd", "label", "mark", "nobr", "q", "rp", "rt", "ruby", "s",
        "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
        "wbr", "acronym",
    }
)  # fmt: skip
_SKIP = frozenset(
    {
        "figure", "figcaption", "picture", "img", "h1", "nav", "aside", "footer", "hr",
        "-comment", "script", "style", "noscript", "template", "iframe", "svg", "button",
        "form", "input", "select", "textarea", "video", "audio", "caption", "dialog", "menu",
    }
)  # fmt: skip
_HEADINGS = {"h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Elements that make an inline element or a list item a container of blocks.
_BLOCK_INSIDE = frozenset(
    {"p", "div", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "section",
     "article", "pre", "br"}
)  # fmt: skip
_BR = frozenset({"br"})
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_H1 = frozenset({"h1"})
_MAX_LINK_SHARE = 0.5
#: A paragraph this long, ending as a sentence, may link up to this share of its text.
_PROSE_MIN = 150
_PROSE_LINK_SHARE = 0.85
_LINKED_RUN = 3
_RUNNING_TEXT = 200
_MAX_BLOCKS = 5_000


@dataclass(slots=True)
class _Frame:
    children: Iterator[LexborNode]
    #: the inline run's pieces of text; a ``<br>`` is a piece of its own, ``"\n"``
    parts: list[str] = field(default_factory=list)
    #: the link characters of each piece
    links: list[int] = field(default_factory=list)
    #: inside a link: a teaser card whose headline and summary are one big link
    in_link: bool = False


@dataclass(slots=True)
class _Out:
    blocks: list[Block] = field(default_factory=list)
    in_link: bool = False
    #: positions of headings that are mostly a link (kept only in a run of list items)
    linked_heads: list[int] = field(default_factory=list)

    def add(self, kind: BlockKind, text: str, level: int = 0, link_len: int = 0) -> None:
        text = clean(text)
        if not text or len(self.blocks) >= _MAX_BLOCKS or self.in_link:
            return
        if link_len > _MAX_LINK_SHARE * len(text) and not _linked_prose(kind, text, link_len):
            if kind != "h":
                return
            self.linked_heads.append(len(self.blocks))
        self.blocks.append(Block(kind, text, level))

    def result(self) -> list[Block]:
        """The blocks, with linked headings only where they head a list article's items: at
        least ``_LINKED_RUN`` of them each followed by running text (a "best games" list
        linking each title), never a lone "read also" headline or a list of headlines."""
        if not self.linked_heads:
            return self.blocks
        blocks = self.blocks
        keep = {i for i in self.linked_heads if _heads_text(blocks, i)}
        if len(keep) < _LINKED_RUN:
            keep = set()
        drop = set(self.linked_heads) - keep
        return [b for i, b in enumerate(blocks) if i not in drop]

    def flush(self, frame: _Frame) -> None:
        """The inline run as paragraphs, one per line. A line counts as links when its own
        text is mostly a link (a linked section label) or when the whole run is (the labels
        among a list of links)."""
        parts, links = frame.parts, frame.links
        joined = "".join(parts)
        if "\n" not in parts:  # one line, the common case
            self._line(joined, sum(links), 0.0)
        elif not joined.isspace():
            share = sum(links) / len(joined)
            line: list[str] = []
            line_links = 0
            for piece, piece_links in zip(parts, links, strict=True):
                if piece == "\n":
                    self._line("".join(line), line_links, share)
                    line.clear()
                    line_links = 0
                else:
                    line.append(piece)
                    line_links += piece_links
            self._line("".join(line), line_links, share)
        parts.clear()
        links.clear()

    def _line(self, text: str, links: int, share: float) -> None:
        if text and not text.isspace():
            self.add("p", text, link_len=max(links, int(share * len(text))))


def _linked_prose(kind: BlockKind, text: str, link_len: int) -> bool:
    """A paragraph of running text that links much of what it says ("Trump [imposed tariffs on
    steel in 2018], prompting [duties on pork]."): sentences, not a list of links."""
    return (
        kind == "p"
        and len(text) >= _PROSE_MIN
        and link_len <= _PROSE_LINK_SHARE * len(text)
        and text.endswith(PROSE_END)
        and text.count(" ") >= _PROSE_MIN // 8
    )


def _heads_text(blocks: list[Block], i: int) -> bool:
    """True when the block after heading ``i`` is a paragraph of running text."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return nxt is not None and nxt.kind == "p" and len(nxt.text) >= _RUNNING_TEXT


def _header_is_chrome(node: LexborNode) -> bool:
    return _inside(node, _H1)[0] or len(node.text()) < 400


def _inside(node: LexborNode, stop: frozenset[str]) -> tuple[bool, int]:
    """Whether ``node`` or an element below it has a tag in ``stop``, and if not, the
    characters of link text below it (``dom.small_link_chars``).

    One walk over the elements answers both; a ``css`` call parses its selector every time,
    which costs more than walking the few elements of a paragraph or list item. Like ``css``,
    the walk includes ``node`` itself.
    """
    links = 0
    for element in node.traverse():
        tag = element.tag
        if tag in stop:
            return True, 0
        if tag == "a":
            links += len(element.text(strip=True))
    return False, links


def _leaf(node: LexborNode, out: _Out, kind: BlockKind, level: int = 0, links: int = -1) -> None:
    """A block of ``node``'s text; ``links`` is its link text when already known."""
    out.add(kind, node.text(), level, small_link_chars(node) if links < 0 else links)


def _br_lines(node: LexborNode) -> list[str]:
    """The lines of ``node``'s text, as its ``<br>`` elements break them (empty ones left out)."""
    pieces = []
    for element in node.traverse(include_text=True):
        if element.is_text_node:
            pieces.append(element.text_content or "")
        elif element.tag == "br":
            pieces.append("\0")  # the HTML parser drops or replaces NUL in text: a safe line mark
    return [line for line in (clean(part) for part in "".join(pieces).split("\0")) if line]


def _list_items(node: LexborNode, stack: list[_Frame], out: _Out) -> None:
    """``li`` children become blocks; from the first child that holds blocks itself (or is no
    ``li``), the rest of the list is walked as a frame, so its items keep their order."""
    children = node.iter()
    for child in children:
        tag = child.tag
        if tag == "li" and not (inside := _inside(child, _BLOCK_INSIDE))[0]:
            _leaf(child, out, "li", links=inside[1])
        elif tag not in _SKIP:
            stack.append(_Frame(chain([child], children), in_link=out.in_link))
            return


#: Where the links of a social media post embedded as a quote go (the unrendered form of a
#: tweet or an Instagram post: its text, "— Name (@handle) date" and a link to the post).
_EMBED_LINKS = re.compile(
    r"(?:twitter\.com|//x\.com)/\w+/status/|instagram\.com/(?:p|reel)/|tiktok\.com/@|"
    r"bsky\.app/profile/",
    re.IGNORECASE,
)


def _embedded_post(node: LexborNode) -> bool:
    return any(_EMBED_LINKS.search(link.attributes.get("href") or "") for link in node.css("a"))


def _quote(node: LexborNode, out: _Out) -> None:
    if _embedded_post(node):
        return
    paras = node.css("p")
    if not paras:
        broken, links = _inside(node, _BR)
        if not broken:
            _leaf(node, out, "quote", links=links)
            return
        if (links := small_link_chars(node)) > 0:
            out.add("quote", " ".join(_br_lines(node)), 0, links)
            return
        for line in _br_lines(node):  # lines broken with <br>, each a paragraph of the quote
            out.add("quote", line, 0, 0)
        return
    for p in paras:
        _leaf(p, out, "quote")


def _sole_quote(node: LexborNode) -> LexborNode | None:
    """The ``<q>`` a block element holds and nothing else (no other element, no text)."""
    found = None
    for child in node.iter(include_text=True):
        if child.is_text_node:
            if not (child.text_content or "").isspace():
                return None
        elif child.tag == "q" and found is None:
            found = child
        elif child.is_element_node:
            return None
    return found


def _element(child: LexborNode, frame: _Frame, stack: list[_Frame], out: _Out) -> None:
    tag = child.tag
    out.in_link = frame.in_link
    if tag in _SKIP:
        return
    if tag in _INLINE:
        blocks, links = (False, 0) if text_only(child) else _inside(child, _BLOCK_INSIDE)
        if not blocks:
            text = child.text()
            _add_text(frame, text, len(clean(text)) if tag == "a" else links)
            return
    if tag == "br":
        frame.parts.append("\n")
        frame.links.append(0)
        return
    if frame.parts:
        out.flush(frame)
    if tag in {"p", "dt", "dd"}:
        broken, links = _inside(child, _BR)
        if not broken:
            _leaf(child, out, "p", links=links)
        else:  # lines broken with <br> become paragraphs of their own
            stack.append(_Frame(child.iter(include_text=True), in_link=out.in_link or tag == "a"))
    elif tag in _HEADINGS:
        broken, links = _inside(child, _BR)
        if not broken:
            _leaf(child, out, "h", _HEADINGS[tag], links=links)
        else:  # a heading set in lines: its lines read apart, "유세<br>선언" is "유세 선언"
            out.add("h", " ".join(_br_lines(child)), _HEADINGS[tag], small_link_chars(child))
    elif tag in ("ul", "ol"):
        _list_items(child, stack, out)
    elif tag == "li":
        blocks, links = _inside(child, _BLOCK_INSIDE)
        if not blocks:
            _leaf(child, out, "li", links=links)
        else:
            stack.append(_Frame(child.iter(include_text=True), in_link=out.in_link or tag == "a"))
    elif tag == "blockquote":
        _quote(child, out)
    elif tag == "pre":
        text = child.text().strip("\n")
        if text.strip() and len(out.blocks) < _MAX_BLOCKS:
            out.blocks.append(Block("pre", text))
    elif tag == "header" and _header_is_chrome(child):
        return
    elif (quote := _sole_quote(child)) is not None:
        _leaf(quote, out, "quote")  # a pull quote: a box holding nothing but a <q>
    else:
        stack.append(_Frame(child.iter(include_text=True), in_link=out.in_link or tag == "a"))


def _add_text(frame: _Frame, text: str, links: int) -> None:
    """Add a piece of an inline run's text. A newline inside prose is a space (the source wraps
    the sentence); a blank line separates paragraphs (a template that renders its text with
    ``white-space: pre-line``); and a blank node holding a newline between two elements
    separates them like a ``<br>``: templates put side-by-side items (a section label, a date,
    a kicker) on lines of their own, and a paragraph made of them would read as one."""
    if "\n" not in text:
        frame.parts.append(text)
        frame.links.append(links)
        return
    if text.isspace():
        frame.parts.append("\n")
        frame.links.append(0)
        return
    segments = _BLANK_LINE.split(text)
    total = sum(len(segment) for segment in segments) or 1
    for i, segment in enumerate(segments):
        if i:
            frame.parts.append("\n")
            frame.links.append(0)
        frame.parts.append(segment.replace("\n", " "))
        frame.links.append(links * len(segment) // total)


def walk_blocks(regions: list[LexborNode]) -> list[Block]:
    """The blocks of ``regions`` (in order), before any text-level filtering."""
    out = _Out()
    for region in regions:
        if region.tag in _SKIP:
            continue
        stack = [_Frame(iter([region]))]
        while stack:
            frame = stack[-1]
            depth = len(stack)
            for child in frame.children:
                if child.is_text_node:
                    text = child.text_content or ""
                    if "\n" in text:
                        _add_text(frame, text, 0)
                    else:
                        frame.parts.append(text)
                        frame.links.append(0)
                elif child.is_element_node:
                    _element(child, frame, stack, out)
                    if len(stack) > depth:
                        break  # walk the frames just pushed first; this one resumes after them
            else:
                out.in_link = frame.in_link
                if frame.parts:
                    out.flush(frame)
                stack.pop()
    return out.result()
