"""JSON-LD (schema.org) blocks: find the article object and read its fields (pure, never raises)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborNode

from ingest.extract.dom import clean

__all__ = ["SCRIPTS", "LdArticle", "read_scripts"]

_ARTICLE_TYPES = (
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "claimreview",  # a fact check
)
_LISTING_TYPES = ("collectionpage", "itemlist", "searchresultspage", "website")
_MAX_BLOCK = 2_000_000
_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_MAX_NODES = 5_000
_NESTED = (dict, list)


@dataclass(frozen=True, slots=True)
class LdArticle:
    """The fields of the page's main schema.org article object (all optional)."""

    found: bool = False
    headline: str = ""
    body: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    published: str = ""
    modified: str = ""
    language: str = ""
    publisher: str = ""
    section: str = ""
    keywords: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    url: str = ""
    listing: bool = False


def _objects(data: object) -> Iterator[dict[str, object]]:
    """Every dict in a JSON value, iteratively and bounded."""
    stack = [data]
    seen = 0
    while stack and seen < _MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            yield item
            # A list, not a generator, and a tuple for isinstance: this runs for every object.
            stack.extend([v for v in item.values() if isinstance(v, _NESTED)])
        elif isinstance(item, list):
            stack.extend(reversed(item))


_OTHER, _LISTING, _ARTICLE = 0, 1, 2


@lru_cache(maxsize=1024)
def _kind(name: str) -> int:
    """``_ARTICLE``, ``_LISTING`` or ``_OTHER`` for one ``@type`` (cached: types repeat)."""
    t = name.rsplit("/", 1)[-1].lower()
    if t in _ARTICLE_TYPES or t.endswith("article"):
        return _ARTICLE
    return _LISTING if t in _LISTING_TYPES else _OTHER


def _kind_of(obj: dict[str, object]) -> int:
    """The kind of an object; an article type wins over a listing type in a list of types."""
    t = obj.get("@type")
    if isinstance(t, str):
        return _kind(t)
    if isinstance(t, list):
        return max((_kind(v) for v in t if isinstance(v, str)), default=_OTHER)
    return _OTHER


def _text(value: object) -> str:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        for key in ("name", "@value", "text", "url", "@id"):
            if isinstance(value.get(key), str):
                return clean(str(value[key]))
    if isinstance(value, list) and value:
        return _text(value[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = value.split(",") if "," in value else [value]
        return tuple(p for p in (clean(x) for x in parts) if p)
    if isinstance(value, list):
        return tuple(t for t in (_text(v) for v in value) if t)
    text = _text(value)
    return (text,) if text else ()


def _authors(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = name[0] if name else ""
            if isinstance(name, str) and clean(name):
                out.append(clean(name))
        elif isinstance(item, str) and clean(item) and not item.startswith("http"):
            out.append(clean(item))
    return tuple(out)


def _images(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items[:10]:
        url = (
            item
            if isinstance(item, str)
            else _text(item.get("url"))
            if isinstance(item, dict)
            else ""
        )
        if url:
            out.append(url)
    return tuple(out)


def _load(raw: str) -> object:
    raw = raw.strip()
    if not raw or len(raw) > _MAX_BLOCK:
        return None
    try:
        return json.loads(raw, strict=False)
    except (ValueError, RecursionError):
        # Some sites wrap the JSON in CDATA or HTML comments, or end it with ``;``.
        cleaned = _WRAPPER.sub("", raw).strip().rstrip(";")
        try:
            return json.loads(cleaned, strict=False)
        except (ValueError, RecursionError):
            return None


def _once(body: str) -> str:
    """The articleBody without a second copy of itself (some CMSs concatenate it twice)."""
    body = body.strip()
    probe = body[:80]
    if len(probe) < 80:
        return body
    again = body.find(probe, len(body) // 3)
    return body[:again].strip() if again > 0 else body


def _score(obj: dict[str, object]) -> int:
    score = 0
    if isinstance(obj.get("articleBody"), str):
        score += 4
    if obj.get("headline"):
        score += 2
    if obj.get("datePublished"):
        score += 1
    return score


#: The page's JSON-LD blocks.
SCRIPTS = 'script[type="application/ld+json"]'


def read_scripts(scripts: list[LexborNode]) -> LdArticle:
    """The main article object of the page's JSON-LD, if any, from its ``scripts``
    (``SCRIPTS``, in document order)."""
    best: dict[str, object] | None = None
    best_score = 0
    listing = False
    for script in scripts[:30]:
        for obj in _objects(_load(script.text())):
            kind = _kind_of(obj)
            if kind == _ARTICLE:
                score = _score(obj)
                if best is None or score > best_score:
                    best, best_score = obj, score
            elif kind == _LISTING and t_has_items(obj):
                listing = True
    if best is None:
        return LdArticle(listing=listing)
    publisher = best.get("publisher")
    entity = best.get("mainEntityOfPage")
    body = best.get("articleBody")
    return LdArticle(
        found=True,
        headline=_text(best.get("headline")) or _text(best.get("name")),
        body=_once(body) if isinstance(body, str) else "",
        description=_text(best.get("description")),
        authors=_authors(best.get("author") or best.get("creator")),
        published=_text(best.get("datePublished")) or _text(best.get("dateCreated")),
        modified=_text(best.get("dateModified")),
        language=_text(best.get("inLanguage")),
        publisher=_text(publisher) if isinstance(publisher, dict | str) else "",
        section=_text(best.get("articleSection")),
        keywords=_texts(best.get("keywords")),
        images=_images(best.get("image")),
        url=_text(best.get("url")) or _text(entity),
        listing=listing,
    )


def t_has_items(obj: dict[str, object]) -> bool:
    """True for a listing object that actually lists things."""
    items = obj.get("itemListElement") or obj.get("hasPart")
    return isinstance(items, list) and len(items) >= 3
