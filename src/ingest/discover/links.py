"""Article and listing links of a home or section page (pure).

``section_links`` reads the anchors of an HTML page and sorts the same-site ones into
article links (URLs that look like articles) and listing links (section and pagination
pages worth crawling to a limited depth). The heuristics use the URL (date or long numeric id
in the path, a hyphenated slug of several words), the anchor text, and where the anchor sits
(navigation, header, footer, sidebar and menus never yield articles). ``allow``/``deny``
regular expressions, searched in the canonical URL, override the heuristics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.discover._dates import parse_feed_date
from ingest.discover.base import Link
from ingest.errors import ConfigError
from ingest.normalize.urls import canonicalize, same_site

__all__ = ["SectionLinks", "section_links"]

_ARTICLE_SCORE = 3
_MAX_LISTING_DEPTH = 3
_MAX_TITLE = 300
_ASSET_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|css|js|mjs|map|json|xml|rss|atom|txt|csv"
    r"|pdf|docx?|xlsx?|pptx?|zip|gz|tgz|rar|7z|mp3|mp4|m4a|m4v|webm|ogg|wav|mov|avi"
    r"|woff2?|ttf|otf|eot|apk|exe|dmg)$",
    re.IGNORECASE,
)
_PAGE_EXT = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$", re.IGNORECASE)
_DATE_IN_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?(?:/|$)"
    r"|(?<!\d)(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?!\d)"
)
_LONG_ID = re.compile(r"(?<![0-9])\d{5,}(?![0-9])")
_SLUG_SPLIT = re.compile(r"[-_+.,~]+")
_CLASS_SPLIT = re.compile(r"[^a-z0-9]+")
_EXCLUDED_SEGMENTS = frozenset(
    [
        "tag",
        "tags",
        "author",
        "authors",
        "byline",
        "profile",
        "profiles",
        "user",
        "users",
        "people",
        "login",
        "logout",
        "signin",
        "sign-in",
        "signup",
        "sign-up",
        "register",
        "account",
        "accounts",
        "my",
        "subscribe",
        "subscription",
        "subscriptions",
        "newsletter",
        "newsletters",
        "search",
        "cart",
        "checkout",
        "basket",
        "wp-admin",
        "wp-login.php",
        "wp-json",
        "cdn-cgi",
        "print",
        "share",
        "email",
        "comments",
        "comment",
        "feed",
        "feeds",
        "rss",
        "atom",
        "static",
        "assets",
        "media",
    ]
)
_LISTING_SEGMENTS = frozenset(
    ["category", "categories", "section", "sections", "topic", "topics", "page"]
)
_BOILERPLATE = frozenset(
    [
        "about",
        "us",
        "contact",
        "contacts",
        "privacy",
        "cookie",
        "cookies",
        "policy",
        "policies",
        "terms",
        "conditions",
        "of",
        "use",
        "and",
        "the",
        "legal",
        "imprint",
        "impressum",
        "datenschutz",
        "advertise",
        "advertising",
        "careers",
        "jobs",
        "help",
        "faq",
        "faqs",
        "sitemap",
        "accessibility",
        "notice",
        "service",
        "services",
        "copyright",
        "disclaimer",
        "team",
    ]
)
_SEARCH_PARAMS = frozenset({"s", "q", "query", "search", "replytocom", "share", "action"})
_PAGINATION_PARAMS = frozenset({"page", "pg", "paged", "p", "start", "offset"})
_CHROME_TAGS = frozenset({"nav", "footer", "aside", "menu"})
_CHROME_ROLES = frozenset({"navigation", "contentinfo", "banner", "menu", "menubar", "search"})
_CHROME_TOKENS = frozenset(
    [
        "nav",
        "navbar",
        "navigation",
        "menu",
        "menubar",
        "footer",
        "breadcrumb",
        "breadcrumbs",
        "pagination",
        "pager",
        "social",
        "share",
        "sharing",
        "skip",
        "sidebar",
        "masthead",
        "topbar",
        "toolbar",
        "cookie",
        "consent",
    ]
)
# Class names of the small labels inside headline links ("Live", "Opinion", "2h ago").
_KICKER_CLASSES = ("kicker", "eyebrow", "overline", "label", "badge", "flag", "timestamp")
_CARD_TOKENS = frozenset(["card", "teaser", "story", "item", "post", "entry", "promo", "tile"])


@dataclass(frozen=True, slots=True)
class SectionLinks:
    """``articles``: same-site article links, first-seen order, each canonical URL once.
    ``listings``: same-site section and pagination pages, canonical, first-seen order."""

    articles: list[Link] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Anchor:
    url: str
    text: str = ""
    in_content: bool = False
    published: datetime | None = None


def section_links(
    html: str,
    page_url: str,
    *,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
) -> SectionLinks:
    """Split the same-site links of a home/section page into articles and listings.

    A URL matching a ``deny`` pattern is dropped; one matching an ``allow`` pattern is an
    article wherever its anchor is; the rest are classified by the heuristics. Links to
    other sites (hosts equal up to ``www.``/``m.``/``amp.`` count as the same site) are never
    returned. ``published`` is taken from a ``<time datetime>`` in the anchor's card, if any.
    Raises ``ConfigError`` when a pattern is not a valid regular expression.
    """
    allow_re = _compile(allow)
    deny_re = _compile(deny)
    page = canonicalize(page_url) or page_url
    anchors = _collect(LexborHTMLParser(html), page)
    out = SectionLinks()
    for anchor in anchors.values():
        if any(p.search(anchor.url) for p in deny_re):
            continue
        forced = any(p.search(anchor.url) for p in allow_re)
        kind = "article" if forced else _classify(anchor)
        if kind == "article":
            title = anchor.text[:_MAX_TITLE] or None
            out.articles.append(
                Link(url=anchor.url, published=anchor.published, title=title, source_kind="section")
            )
        elif kind == "listing":
            out.listings.append(anchor.url)
    return out


def _compile(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    try:
        return [re.compile(p) for p in patterns]
    except re.error as exc:
        raise ConfigError(f"invalid link pattern {exc.pattern!r}: {exc}") from exc


def _collect(tree: LexborHTMLParser, page: str) -> dict[str, _Anchor]:
    """Same-site anchors by canonical URL, merging repeated ones (longest text wins)."""
    base_node = tree.css_first("base[href]")
    base_href = base_node.attributes.get("href") if base_node is not None else None
    base = (canonicalize(base_href, base=page) if base_href else None) or page
    anchors: dict[str, _Anchor] = {}
    verdicts: dict[int, bool] = {}
    for node in tree.css("a[href]"):
        href = node.attributes.get("href")
        url = canonicalize(href, base=base) if href else None
        if url is None or url == page or not same_site(url, page):
            continue
        anchor = anchors.setdefault(url, _Anchor(url))
        text = _anchor_text(node)
        if len(text) > len(anchor.text):
            anchor.text = text
        card = _context(node, verdicts)
        if isinstance(card, _Chrome):
            continue
        anchor.in_content = True
        if anchor.published is None and card is not None:
            anchor.published = _card_time(card)
    return anchors


def _anchor_text(node: LexborNode) -> str:
    """The anchor's headline: its heading if it holds one, else its text without kickers,
    labels and timestamps; else its ``title`` or image ``alt``."""
    heading = node.css_first("h1, h2, h3, h4, h5, h6")
    if heading is not None and _text(heading):
        return _text(heading)
    text = _text(node)
    for extra in node.css("time, " + ", ".join(f"[class*={t}]" for t in _KICKER_CLASSES)):
        if not _tokens(extra) & set(_KICKER_CLASSES) and extra.tag != "time":
            continue
        fragment = _text(extra)
        if fragment and fragment != text:
            text = " ".join(text.replace(fragment, " ", 1).split())
    if text:
        return text
    image = node.css_first("img[alt]")
    alt = image.attributes.get("alt") if image is not None else None
    return " ".join((node.attributes.get("title") or alt or "").split())


def _text(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ", strip=True).split())


class _Chrome:
    """Marker: the anchor sits in page chrome (navigation, header, footer, sidebar)."""


_CHROME = _Chrome()


def _context(node: LexborNode, verdicts: dict[int, bool]) -> LexborNode | _Chrome | None:
    """``_CHROME`` when an ancestor is page chrome, else the nearest card-like ancestor.

    ``verdicts`` caches, per element, whether it is chrome by its class or id."""
    chain: list[LexborNode] = []
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        chain.append(parent)
        parent = parent.parent
    in_article = any(p.tag == "article" for p in chain)
    card: LexborNode | None = None
    for element in chain:
        tag = element.tag or ""
        if tag in _CHROME_TAGS or _role(element) in _CHROME_ROLES:
            return _CHROME
        # An <article>'s own <header> holds its headline; only the page header is chrome.
        if tag == "header" and not in_article:
            return _CHROME
        tokens = _tokens(element)
        if tokens & _CHROME_TOKENS and _named_chrome(element, verdicts):
            return _CHROME
        if card is None and (tag in ("article", "li") or tokens & _CARD_TOKENS):
            card = element
    return card


def _role(element: LexborNode) -> str:
    return (element.attributes.get("role") or "").lower()


def _tokens(element: LexborNode) -> set[str]:
    attrs = element.attributes
    return set(_CLASS_SPLIT.split(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()))


def _named_chrome(element: LexborNode, verdicts: dict[int, bool]) -> bool:
    """A ``menu``/``footer``/``sidebar``... container, unless it wraps the main content
    (a page wrapper with a class such as ``with-sidebar`` is not chrome)."""
    key = element.mem_id
    if key not in verdicts:
        verdicts[key] = element.css_first("main, article, [role=main]") is None
    return verdicts[key]


def _card_time(card: LexborNode) -> datetime | None:
    node = card.css_first("time[datetime]")
    return parse_feed_date(node.attributes.get("datetime")) if node is not None else None


def _classify(anchor: _Anchor) -> str:
    """``article``, ``listing`` or ``other``."""
    parts = urlsplit(anchor.url)
    path = parts.path
    segments = [s for s in path.lower().split("/") if s]
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if _ASSET_EXT.search(path) or _SEARCH_PARAMS & params.keys():
        return "other"
    if any(s in _EXCLUDED_SEGMENTS for s in segments):
        return "other"
    strong = bool(_DATE_IN_PATH.search(path) or _LONG_ID.search(path))
    if not strong and any(_is_boilerplate(s) for s in segments):
        return "other"
    if _article_score(segments, path, params, anchor.text) >= _ARTICLE_SCORE:
        return "article" if anchor.in_content else "other"
    if strong:
        return "other"
    if _is_listing(segments, params):
        return "listing"
    return "other"


def _article_score(segments: list[str], path: str, params: dict[str, str], text: str) -> int:
    score = 0
    if _DATE_IN_PATH.search(path):
        score += 3
    if _LONG_ID.search(path) or any(
        params.get(k, "").isdigit() for k in ("p", "id", "story", "article", "storyid")
    ):
        score += 2
    if segments:
        last = _PAGE_EXT.sub("", segments[-1])
        words = [w for w in _SLUG_SPLIT.split(last) if w.isalpha()]
        if len(words) >= 3:
            score += 2
        if len(words) >= 5:
            score += 1
    words_in_text = len(text.split())
    if words_in_text >= 4 and len(text) >= 20:
        score += 1
    elif words_in_text <= 1:
        score -= 1
    return score


def _is_boilerplate(segment: str) -> bool:
    words = [w for w in _SLUG_SPLIT.split(_PAGE_EXT.sub("", segment)) if w]
    return bool(words) and all(w in _BOILERPLATE for w in words)


def _is_listing(segments: list[str], params: dict[str, str]) -> bool:
    if params.keys() & _PAGINATION_PARAMS and all(
        params[k].isdigit() for k in params.keys() & _PAGINATION_PARAMS
    ):
        return True
    if any(s in _LISTING_SEGMENTS for s in segments):
        return True
    if len(segments) > _MAX_LISTING_DEPTH or params:
        return False
    if segments and not _PAGE_EXT.search(segments[-1]) and "." in segments[-1]:
        return False
    return all(len(_SLUG_SPLIT.split(s)) <= 3 for s in segments)
