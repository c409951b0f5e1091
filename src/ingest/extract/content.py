"""Find the main content region of a cleaned tree: semantic containers, then text and link
density (a paragraph-scoring pass), merging sibling containers of a split body (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborNode

from ingest.extract.dom import PROSE_END, class_id, clean, text_only
from ingest.extract.vocabulary import CONTENT_CLASS

__all__ = ["Region", "find_region"]

_UNITS = "p, pre, td, blockquote, dd, li"
_TEXT_CONTAINERS = "div, section, article, main, font, center, span, td, body"
_UNIT_TAGS = frozenset(_UNITS.replace(" ", "").split(","))
_CONTAINER_TAGS = frozenset(_TEXT_CONTAINERS.replace(" ", "").split(","))
_UNITS_AND_CONTAINERS = f":is({', '.join(sorted(_UNIT_TAGS | _CONTAINER_TAGS))})"
_SEMANTIC = (  # in ``:is()``: an element matching two of them comes back once
    ':is([itemprop="articleBody"], [itemprop="articlebody"], [data-testid*=article-body], '
    "article, [role=article], main, [role=main])"
)
_MIN_UNIT = 25
_MAX_UNITS = 6_000
_DIVIDERS = (1, 2, 6, 9, 12)
_OWN_AND_DIVIDERS = (1, *_DIVIDERS)
_PARENT_SHARE = 0.75


class _Sizes:
    """Text and link lengths of nodes, measured once: the region search asks for the same big
    containers' sizes several times, and the tree does not change while it runs."""

    __slots__ = ("_link", "_links", "_raw", "_strip")

    def __init__(self) -> None:
        self._strip: dict[int, int] = {}
        self._raw: dict[int, int] = {}
        self._links: dict[int, int] = {}
        self._link: dict[int, int] = {}  # one link's own text length

    def text(self, node: LexborNode) -> int:
        """``len(node.text(strip=True))``"""
        key = node.mem_id
        size = self._strip.get(key)
        if size is None:
            size = self._strip[key] = len(node.text(strip=True))
        return size

    def raw(self, node: LexborNode) -> int:
        """``len(node.text())``"""
        key = node.mem_id
        size = self._raw.get(key)
        if size is None:
            size = self._raw[key] = len(node.text())
        return size

    def links(self, node: LexborNode) -> int:
        """``link_chars(node)``; each link's text is measured once for all the (often nested)
        candidates that hold it."""
        key = node.mem_id
        size = self._links.get(key)
        if size is None:
            sizes = self._link
            size = 0
            for link in node.css("a"):
                link_key = link.mem_id
                chars = sizes.get(link_key)
                if chars is None:
                    chars = sizes[link_key] = len(link.text(strip=True))
                size += chars
            self._links[key] = size
        return size


@dataclass(frozen=True, slots=True)
class Region:
    """The chosen content nodes (in document order) and the strategy that chose them."""

    nodes: tuple[LexborNode, ...]
    strategy: str


def _unit_score(text: str) -> float:
    commas = text.count(",") + text.count("，") + text.count("、") + text.count("،")
    return 1.0 + min(commas, 10) + min(len(text) / 100.0, 3.0)


def _score_units(root: LexborNode, sizes: _Sizes) -> dict[int, tuple[LexborNode, float]]:
    totals: dict[int, float] = {}  # by ``mem_id``; the nodes are kept apart, set once each
    nodes: dict[int, LexborNode] = {}
    units = []
    found = root.css(_UNITS_AND_CONTAINERS)  # one walk of the tree for both kinds
    for node in [n for n in found if n.tag in _UNIT_TAGS][:_MAX_UNITS]:
        raw = node.text()
        if len(raw) >= _MIN_UNIT:  # ``clean`` only ever shortens a text
            units.append((node, clean(raw)))
    for node in [n for n in found if n.tag in _CONTAINER_TAGS][:_MAX_UNITS]:
        direct = node.text(deep=False, strip=True)
        if len(direct) >= _MIN_UNIT * 2:
            units.append((node, clean(direct)))
    for node, text in units:
        if len(text) < _MIN_UNIT:
            continue
        tag = node.tag
        score = _unit_score(text) * (0.5 if tag in ("li", "td", "dd") else 1.0)
        links = sizes.links(node) if tag != "pre" and not text_only(node) else 0
        score *= max(0.0, 1.0 - links / len(text))
        # A text container holds the text itself; every unit scores its ancestors too.
        own = tag in _CONTAINER_TAGS
        target = node if own else node.parent
        for divider in _OWN_AND_DIVIDERS if own else _DIVIDERS:
            if target is None or target.tag in ("html", "#document"):
                break
            key = target.mem_id
            if key not in nodes:
                nodes[key] = target
            totals[key] = totals.get(key, 0.0) + score / divider
            target = target.parent
    return {key: (nodes[key], total) for key, total in totals.items()}


@lru_cache(maxsize=1 << 12)
def _content_named(names: str) -> bool:
    return CONTENT_CLASS.search(names) is not None


def _weight(node: LexborNode) -> float:
    itemprop = node.attributes.get("itemprop") or ""
    weight = 0.0
    if _content_named(class_id(node)):
        weight += 25.0
    if itemprop.lower() == "articlebody":
        weight += 50.0
    if node.tag == "article":
        weight += 10.0
    return weight


def _final_scores(
    scores: dict[int, tuple[LexborNode, float]], sizes: _Sizes
) -> list[tuple[float, LexborNode]]:
    ranked = sorted(scores.values(), key=lambda item: item[1], reverse=True)[:6]
    final = []
    for node, raw in ranked:
        text_len = max(1, sizes.text(node))
        density = sizes.links(node) / text_len
        final.append(((raw + _weight(node)) * (1.0 - min(density, 1.0)), node))
    final.sort(key=lambda item: item[0], reverse=True)
    return final


def _contains(ancestor: LexborNode, node: LexborNode, limit: int = 40) -> bool:
    target = ancestor.mem_id
    cur: LexborNode | None = node
    for _ in range(limit):
        if cur is None:
            return False
        if cur.mem_id == target:
            return True
        cur = cur.parent
    return False


def _lift(top: LexborNode, best: float, final: list[tuple[float, LexborNode]]) -> LexborNode:
    """Use a common ancestor when several strong candidates sit under it (a split body)."""
    parent = top.parent
    for score, node in final[1:4]:
        if parent is not None and node.mem_id == parent.mem_id and score >= _PARENT_SHARE * best:
            return parent  # the parent scores nearly as well: it holds more of the body
    rivals = [node for score, node in final[1:] if score >= 0.5 * best]
    if len(rivals) < 2:
        return top
    ancestor = top.parent
    for _ in range(4):
        if ancestor is None or ancestor.tag in ("body", "html"):
            return top
        if sum(1 for r in rivals if _contains(ancestor, r)) >= 2:
            return ancestor
        ancestor = ancestor.parent
    return top


def _widen(top: LexborNode, sizes: _Sizes) -> LexborNode:
    """Climb past wrappers that hold (almost) nothing but ``top``."""
    for _ in range(6):
        parent = top.parent
        if parent is None or parent.tag in ("body", "html"):
            break
        if sizes.raw(top) < 0.85 * sizes.raw(parent):
            break
        top = parent
    return top


def _sibling_is_content(child: LexborNode, top_class: str, sizes: _Sizes) -> bool:
    """A sibling of the main container that continues the body (a split body)."""
    text_len = sizes.text(child)
    if text_len < 60:
        return False
    links = sizes.links(child)
    if links > 0.25 * text_len:
        return False
    if top_class and (child.attributes.get("class") or "") == top_class:
        return True
    if text_len - links >= 300 and child.css_first("p") is not None and links < 0.1 * text_len:
        return True
    return links == 0 and text_len >= 150 and _one_paragraph(child)


def _one_paragraph(node: LexborNode) -> bool:
    """A wrapper around one paragraph of running text (a body set one ``p`` per ``div``)."""
    paragraphs = node.css("p")
    if len(paragraphs) != 1:
        return False
    text = clean(paragraphs[0].text())
    return len(text) >= 150 and text.endswith(PROSE_END)


def _siblings(
    top: LexborNode,
    best: float,
    scores: dict[int, tuple[LexborNode, float]],
    sizes: _Sizes,
    boundary: LexborNode | None = None,
) -> list[LexborNode]:
    """``top`` and the siblings that continue its text, up to the one that holds ``boundary``
    (the next story's headline)."""
    top = _widen(top, sizes)
    parent = top.parent
    if parent is None or parent.tag in ("html",):
        return [top]
    threshold = max(10.0, best * 0.2)
    top_class = top.attributes.get("class") or ""
    out = []
    for child in parent.iter():
        if boundary is not None and _contains(child, boundary):
            break
        if child.mem_id == top.mem_id:
            out.append(child)
            continue
        score = scores.get(child.mem_id, (child, 0.0))[1]
        if score >= threshold or _sibling_is_content(child, top_class, sizes):
            out.append(child)
        elif child.tag == "p":
            text = clean(child.text())
            links = sizes.links(child)
            if (len(text) > 80 and links < 0.25 * len(text)) or (
                text.endswith(".") and links == 0 and len(text) > 20
            ):
                out.append(child)
    return out


def _good_chars(node: LexborNode, sizes: _Sizes) -> int:
    return sizes.text(node) - sizes.links(node)


def find_region(root: LexborNode, title: str | None = None) -> Region | None:
    """The main content of ``root`` (a cleaned ``<body>``), or ``None`` when it has no text
    (``title``: the page's headline, which tells its story from the next one on the page)."""
    sizes = _Sizes()
    scores = _score_units(root, sizes)
    if not scores:
        return None
    final = _final_scores(scores, sizes)
    if not final or final[0][0] <= 0:
        return None
    best, top = final[0]
    own, boundary = _own_story(root, top, best, final, title) if title else (top, None)
    top = own if boundary is not None else _lift(top, best, final)
    nodes = _siblings(top, best, scores, sizes, boundary)
    region_chars = sum(_good_chars(n, sizes) for n in nodes)
    semantic = _semantic(root, nodes, region_chars, sizes)
    if semantic is not None:
        nodes = [semantic]
    nodes = _first_article(nodes)
    return Region(tuple(nodes), "semantic" if semantic is not None else "density")


#: A candidate under the page's own headline wins over a stronger one under the next story's
#: headline when it scores at least this share of the best.
_OWN_STORY_SHARE = 0.25


def _own_story(
    root: LexborNode,
    top: LexborNode,
    best: float,
    final: list[tuple[float, LexborNode]],
    title: str,
) -> tuple[LexborNode, LexborNode | None]:
    """On a page that runs stories one after another, each under its own ``h1`` and none in an
    element of its own (``_first_article`` needs ``article`` elements), the page's story is the
    best candidate between its headline (the ``h1`` that reads ``title``) and the next ``h1``:
    the next story may be the longer one. Returns that candidate and the next ``h1``, or
    ``top`` and ``None`` when ``top`` is the page's story."""
    h1s = root.css("h1")
    if len(h1s) < 2:
        return top, None
    own = next((h for h in h1s if clean(h.text()) == title), None)
    if own is None:
        return top, None
    order = {node.mem_id: i for i, node in enumerate(root.traverse())}
    start = order[own.mem_id]
    after = [h for h in h1s if order[h.mem_id] > start]
    if not after or order[top.mem_id] < order[after[0].mem_id]:
        return top, None  # the chosen text starts before the next story's headline
    end = order[after[0].mem_id]
    for score, node in final:
        if start < order[node.mem_id] < end and score >= _OWN_STORY_SHARE * best:
            return node, after[0]
    return top, None


def _first_article(nodes: list[LexborNode]) -> list[LexborNode]:
    """On a page that appends further stories (infinite scroll), keep the first one."""
    if len(nodes) != 1:
        return nodes
    stories = [
        a
        for a in nodes[0].css("article")[:20]
        if len(a.text(strip=True)) > 800 and a.css_first("h1, h2") is not None
    ]
    if len(stories) < 2 or any(_contains(stories[0], s) for s in stories[1:]):
        return nodes
    return [stories[0]]


def _semantic(
    root: LexborNode, nodes: list[LexborNode], region_chars: int, sizes: _Sizes
) -> LexborNode | None:
    """A semantic container holding (nearly) the same text as the density region."""
    for candidate in root.css(_SEMANTIC)[:10]:
        chars = _good_chars(candidate, sizes)
        if chars < 200:
            continue
        if any(_contains(candidate, n) for n in nodes):
            specific = candidate.tag not in ("article", "main") or _weight(candidate) > 10
            if chars <= (1.3 if specific else 1.1) * region_chars:
                return candidate
        elif any(_contains(n, candidate) for n in nodes) and chars >= 0.85 * region_chars:
            return candidate
    return None
