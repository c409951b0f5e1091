"""Page metadata: JSON-LD, meta tags, <time> and the URL, each field with its provenance.

Runs on the full tree, before any chrome is removed. Pure; never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract.dates import date_from_url, parse_any_date
from ingest.extract.dom import (
    FAR,
    absolute,
    attr,
    clean,
    distance,
    headline_node,
    inline_text,
    text_of,
)
from ingest.extract.jsonld import SCRIPTS, LdArticle, read_scripts
from ingest.extract.people import clean_authors
from ingest.extract.titles import clean_title, host_key, is_site_name

__all__ = ["Meta", "org_like", "read_metadata"]

#: Byline selectors, most specific first; the first group that yields a name next to the
#: headline wins (a name far from it yields to a later group's near one). Each group
#: is searched as ``_byline_groups`` finds it, an element once per selector of it that it matches.
_BYLINE_GROUPS = (
    "[itemprop=author] [itemprop=name]",
    "[itemprop=author]",
    "[rel=author]",
    'a[href*="/author/" i], a[href*="/authors/" i], a[href*="/autor/" i], a[href*="/autoren/" i], '
    'a[href*="/auteur/" i], a[href*="/journalist/" i], a[href*="/redakteur/" i], '
    'a[href*="/writer/" i], a[href*="/writers/" i], a[href*="/columnist/" i], '
    'a[href*="/contributor/" i], a[href*="/contributors/" i], a[href*="/reporter/" i], '
    'a[href*="/reporters/" i], a[href*="/editors/" i]',
    "[class*=byline i]",
    "[class*=author i]:not([class*=authority i])",
    "[class*=autor i], [class*=auteur i], [class*=signature i], [data-testid*=author i]",
)
#: The link paths of the fourth group; Lexbor walks the page once per selector of a list, so
#: the links are found with fewer, shorter paths and checked for the real ones in Python.
_AUTHOR_PATHS = (
    "/author/", "/authors/", "/autor/", "/autoren/", "/auteur/", "/journalist/", "/redakteur/",
    "/writer/", "/writers/", "/columnist/", "/contributor/", "/contributors/", "/reporter/",
    "/reporters/", "/editors/",
)  # fmt: skip
_AUTHOR_LINKS = (
    'a:is([href*="/aut" i], [href*="/journalist/" i], [href*="/redakteur/" i], '
    '[href*="/writer" i], [href*="/columnist/" i], [href*="/contributor" i], '
    '[href*="/reporter" i], [href*="/editors/" i])'
)
#: The elements of the last two groups, in one walk: "aut" is in "author", "autor", "auteur".
_AUTHOR_CLASSES = ":is([class*=aut i], [class*=signature i], [data-testid*=author i])"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER = str.maketrans(_UPPER, _UPPER.lower())
_HEAD_DATA = f"{SCRIPTS}, meta[content]"
_DATE_LABEL = re.compile(
    r"^(?:datum|date|published|publication date|posted|veröffentlicht(?: am)?|erschienen(?: am)?|"
    r"publié le|publicado(?: el)?|fecha|pubblicato(?: il)?|data|gepubliceerd(?: op)?|"
    r"publicerad|publisert|udgivet|opublikowano|yayınlanma tarihi|yayın tarihi)\s*:?$",
    re.IGNORECASE,
)
_AUTHOR_LABEL = re.compile(
    r"^(?:autor(?:in)?(?:/autor(?:in)?)?|autorin/autor|author|authors|autoren|auteur|autore|"
    r"text|texto|reporter|redakteur(?:in)?|written by|geschrieben von|escrito por|écrit par|"
    r"scritto da|geschreven door|skrevet av|napisane przez)\s*:?$",
    re.IGNORECASE,
)
#: The most text an ``aside`` holding a story's byline and date has (``_story_aside``).
_META_ASIDE_CHARS = 300
_NOT_BYLINE = ("nav", "footer", "aside", "form", "button", "figure", "figcaption", "picture")
_TIME_SEL = (
    "[itemprop=datePublished], article time[datetime], main time[datetime], "
    "time[pubdate], time[class*=publish], time[datetime]"
)
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")


@dataclass(frozen=True, slots=True)
class Meta:
    """Metadata of one page; ``provenance`` maps field name to json-ld/meta/dom/url."""

    title: str | None = None
    description: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_urls: tuple[str, ...] = ()
    og_type: str = ""
    ld: LdArticle = field(default_factory=LdArticle)
    provenance: dict[str, str] = field(default_factory=dict)


def _meta_map(nodes: list[LexborNode]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in nodes[:2000]:
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        key = key or attrs.get("http-equiv")
        content = attrs.get("content")
        if key and content:
            out.setdefault(key.strip().lower(), []).append(content)
    return out


def _first(meta: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        for value in meta.get(key, ()):
            if text := clean(value):
                return text
    return ""


def _pick(*candidates: tuple[str, object]) -> tuple[object, str]:
    """The first truthy value and its provenance; callables are evaluated only when reached."""
    for source, value in candidates:
        if callable(value):
            value = value()
        if value:
            return value, source
    return None, ""


def _language(tree: LexborHTMLParser, meta: dict[str, list[str]], ld: LdArticle) -> tuple[str, str]:
    html = tree.css_first("html")
    for source, raw in (
        ("dom", attr(html, "lang") if html is not None else ""),
        ("meta", _first(meta, "content-language", "og:locale", "language", "dc.language")),
        ("json-ld", ld.language),
    ):
        match = _LANG.match(raw.strip())
        if match:
            return match.group(0).lower(), source
    return "", ""


def urlsplit_host(url: str) -> str:
    """The host of ``url``, ``""`` when it has none or is malformed."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _absolute(url: str, base: str | None) -> str:
    url = url.strip()
    if not url or url.startswith(("javascript:", "data:")):
        return ""
    try:
        return absolute(base, url)
    except ValueError:
        return ""


def _in_chrome(node: LexborNode) -> bool:
    """True inside navigation, a footer, a form, a comment or a figure (a photo credit), unless
    an ``address`` comes first: the author's card, even one laid out as a figure with a
    portrait."""
    parent = node.parent
    for _ in range(8):
        if parent is None or parent.tag == "address":
            return False
        tag = parent.tag
        if tag in _NOT_BYLINE and not (tag == "aside" and _story_aside(parent)):
            return True
        if "comment" in (parent.attributes.get("class") or ""):
            return True
        parent = parent.parent
    return False


def _story_aside(aside: LexborNode) -> bool:
    """An ``aside`` that is a story's meta column (date, byline, share buttons), not a sidebar
    of teasers: short, without headlines, inside the story's ``article``."""
    if len(aside.text(strip=True)) > _META_ASIDE_CHARS or aside.css_first("h2, h3, h4"):
        return False
    parent = aside.parent
    for _ in range(4):
        if parent is None:
            return False
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def _dom_authors(tree: LexborHTMLParser, title: str | None) -> tuple[str, ...]:
    body = tree.body
    if body is None:
        return ()
    h1 = headline_node(body, title)
    best: tuple[int, tuple[str, ...]] | None = None
    for group in _byline_groups(body):
        for node in group[:12]:
            raw = node.text(separator="\n")
            if not 2 < len(raw) < 300 or _in_chrome(node):
                continue
            names = clean_authors(clean(part) for part in raw.split("\n"))
            # A byline names people: "First Last"; single words there are places or labels.
            names = tuple(n for n in names if len(n.split()) >= 2 and n[:1].isupper())
            if names:
                rank = distance(node, h1, 6)  # the byline next to the headline wins
                if best is None or rank < best[0]:
                    best = (rank, names)
        if best is not None and best[0] < FAR:
            return best[1]  # near the headline: a later, weaker kind of byline cannot beat it
    found = _labelled_byline(body) or (_text_byline(h1) if h1 is not None else ())
    return found or (best[1] if best is not None else ())


#: A byline written as words by the headline: "By Jane Doe", "Do 25.04. | Von Eva Muster".
_BYLINE_WORD = re.compile(r"(?:^|[|•·]\s*)(?:by|von|par|por|door|av|af)(?:\s+|$)", re.IGNORECASE)
#: Where the name ends: a date or time, a separator, a handle.
_NAME_END = re.compile(r"\s*(?:[|•·@,]|\d|\s[-–—]\s|\bat\b|\bum\b).*$", re.DOTALL)
_MONTH_END = re.compile(
    r"\s+(?:jan(?:uary|uar)?|feb(?:ruary|ruar)?|m(?:arch|ärz|ar)|apr(?:il)?|ma[yi]|june?|juni|"
    r"july?|juli|aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)"
    r"\.?$",
    re.IGNORECASE,
)
#: The byline is looked for in the text that follows the headline, up to this many characters.
_BYLINE_REACH = 1500
_BYLINE_NODES = 400


def _lines_after(h1: LexborNode) -> Iterator[tuple[LexborNode, str]]:
    """The text nodes after the headline with their text, whitespace collapsed, empty ones
    left out, up to ``_BYLINE_REACH`` characters or ``_BYLINE_NODES`` nodes."""
    reach = 0
    for seen, node in enumerate(_following(h1)):
        if seen >= _BYLINE_NODES or reach >= _BYLINE_REACH:
            return
        if node.is_text_node and (text := clean(node.text_content)):
            reach += len(text)
            yield node, text


def _following(node: LexborNode) -> Iterator[LexborNode]:
    """The nodes after ``node`` in document order (text nodes included), its subtree left out."""
    cur: LexborNode | None = node
    while cur is not None:
        sibling = cur.next
        while sibling is not None:
            yield from sibling.traverse(include_text=True)
            sibling = sibling.next
        cur = cur.parent
        if cur is not None and cur.tag in ("body", "html"):
            return


def _line_after(node: LexborNode, text: str) -> str:
    """The text after ``text`` in the line of the nearest element around ``node`` that holds
    more than it (``<span>By </span><span>Jane Doe</span>``)."""
    parent = node.parent
    for _ in range(3):
        if parent is None:
            return ""
        line = clean(parent.text(separator=" "))
        if len(line) > 160:
            return ""
        if line != text:
            at = line.find(text)
            return line[at + len(text) :] if at >= 0 else ""
        parent = parent.parent
    return ""


def _text_byline(h1: LexborNode) -> tuple[str, ...]:
    """The names after a "By" word in a short line by the headline: found by its words, where
    the markup names no author element."""
    for node, text in _lines_after(h1):
        if len(text) > 120 or (match := _BYLINE_WORD.search(text)) is None:
            continue
        rest = text[match.end() :]
        if not rest:  # "By <a>Jane Doe</a>": the name follows, in the line the word opens
            rest = _line_after(node, text)
        name = _MONTH_END.sub("", _NAME_END.sub("", rest.strip()))
        if not name[:1].isupper() or len(name) > 60 or _in_chrome(node):
            continue
        names = tuple(n for n in clean_authors([name]) if 2 <= len(n.split()) <= 4)
        if names:
            return names
    return ()


def _byline_groups(body: LexborNode) -> Iterator[list[LexborNode]]:
    """What each selector group of ``_BYLINE_GROUPS`` finds in ``body``, in order, with fewer
    walks of the page: no ``[itemprop=author]`` means no name inside one either."""
    authors = body.css(_BYLINE_GROUPS[1])
    if authors:
        yield body.css(_BYLINE_GROUPS[0])
        yield authors
    yield body.css(_BYLINE_GROUPS[2])
    yield _repeated(body.css(_AUTHOR_LINKS), lambda n: _count(_lower(n, "href"), _AUTHOR_PATHS))
    yield body.css(_BYLINE_GROUPS[4])
    named = body.css(_AUTHOR_CLASSES)
    yield [n for n in named if "author" in (c := _lower(n, "class")) and "authority" not in c]
    yield _repeated(named, _other_author_names)


def _lower(node: LexborNode, name: str) -> str:
    """An attribute's value lower-cased as CSS ``i`` matching does it (ASCII letters only)."""
    value = node.attrs.get(name) or ""
    return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)


def _count(text: str, parts: tuple[str, ...]) -> int:
    return sum(part in text for part in parts)


def _other_author_names(node: LexborNode) -> int:
    """How many selectors of the last byline group ``node`` matches."""
    names = _count(_lower(node, "class"), ("autor", "auteur", "signature"))
    return names + ("author" in _lower(node, "data-testid"))


def _repeated(nodes: list[LexborNode], times: Callable[[LexborNode], int]) -> list[LexborNode]:
    """``nodes`` as a plain selector list returns them: each once per selector it matches."""
    out: list[LexborNode] = []
    for node in nodes:
        out.extend([node] * times(node))
        if len(out) >= 12:
            break
    return out


def _labelled(
    body: LexborNode, label_pattern: re.Pattern[str], longest: int
) -> Iterator[tuple[LexborNode, str]]:
    """Each label element (``strong``, ``b``, ``dt``, ``th``, ``span`` of at most ``longest``
    characters matching ``label_pattern``) outside chrome, with the text it labels: its
    ``dd`` for a ``dt``, else its parent's text without the label."""
    for label in body.css("strong, b, dt, th, span")[:300]:
        text = label.text(strip=True)
        if not text or len(text) > longest or not label_pattern.match(text):
            continue
        parent = label.parent
        if parent is None or _in_chrome(label):
            continue
        if label.tag == "dt" and label.next is not None:
            yield label, clean(label.next.text())
        else:
            yield label, clean(parent.text()).replace(clean(label.text()), "", 1)


def _labelled_byline(body: LexborNode) -> tuple[str, ...]:
    """A name after a label: ``<strong>Autor</strong> Jane Doe``, ``<dt>Author</dt><dd>...``."""
    for _, rest in _labelled(body, _AUTHOR_LABEL, 20):
        names = tuple(n for n in clean_authors([rest]) if len(n.split()) >= 2)
        if names and len(rest) < 120:
            return names
    return ()


def _dom_date(tree: LexborHTMLParser) -> datetime | None:
    for node in tree.css(_TIME_SEL)[:20]:
        if _in_site_header(node):
            continue
        value = attr(node, "datetime") or attr(node, "content") or text_of(node)
        parsed = parse_any_date(value)
        if parsed is not None:
            return parsed
    body = tree.body
    return _labelled_date(body) if body is not None else None


#: Words of a line that gives another date than the publication's.
_NOT_PUBLISHED = re.compile(
    r"updated|modified|aktualisiert|geändert|mis à jour|modifié|actualizado|aggiornato|"
    r"oppdatert|uppdaterad|opdateret|bijgewerkt|更新",
    re.IGNORECASE,
)
_DATE_LINE = 80
_BODY_TEXT = 200


def _text_date(tree: LexborHTMLParser, title: str | None) -> datetime | None:
    """The date of a short line between the headline and the story ("March 11, 2015 3:46 PM",
    "Do 25.04.24 | 14:07 Uhr"), where no element, meta tag or URL gives one; an "Updated"
    line is skipped, and the search stops where the story's text starts (after a standfirst
    that may come before the date)."""
    body = tree.body
    h1 = headline_node(body, title) if body is not None else None
    if h1 is None:
        return None
    paragraphs = 0
    for _, text in _lines_after(h1):
        if len(text) > _BODY_TEXT:
            paragraphs += 1
            if paragraphs > 1:
                break  # past a standfirst, the story has started
            continue
        if len(text) > _DATE_LINE or _NOT_PUBLISHED.search(text):
            continue
        if any(ch.isdigit() for ch in text) and (parsed := parse_any_date(text)) is not None:
            return parsed
    return None


def _labelled_date(body: LexborNode) -> datetime | None:
    """A date after a label: ``<strong>Datum</strong> 28.04.2023``, ``<dt>Published</dt>
    <dd>...``, outside site headers and chrome."""
    for label, rest in _labelled(body, _DATE_LABEL, 25):
        parsed = parse_any_date(rest) if len(rest) < 60 and not _in_site_header(label) else None
        if parsed is not None:
            return parsed
    return None


def _in_site_header(node: LexborNode) -> bool:
    """True inside a page header or navigation that holds no headline (date widgets); a
    header inside the article or the main content is the article's own."""
    parent = node.parent
    header: LexborNode | None = None
    for _ in range(16):
        if parent is None:
            break
        if parent.tag in ("article", "main"):
            return False
        if header is None and (
            parent.tag in ("header", "nav") or parent.attributes.get("role") == "banner"
        ):
            header = parent
        parent = parent.parent
    return header is not None and header.css_first("h1") is None


def _tags(meta: dict[str, list[str]], ld: LdArticle) -> tuple[tuple[str, ...], str]:
    values: Iterable[str] = meta.get("article:tag", [])
    source = "meta"
    if not values and ld.keywords:
        values, source = ld.keywords, "json-ld"
    if not values:
        raw = _first(meta, "news_keywords", "keywords")
        values = raw.split(",") if raw else []
    out: list[str] = []
    for value in values:
        tag = clean(value)
        if tag and tag.casefold() not in {t.casefold() for t in out} and len(tag) < 80:
            out.append(tag)
    return tuple(out[:30]), source if out else ""


def _canonical(
    tree: LexborHTMLParser, meta: dict[str, list[str]], ld: LdArticle, base: str | None
) -> tuple[str, str]:
    node = tree.css_first("link[rel=canonical][href]")
    raw, source = _pick(
        ("dom", attr(node, "href") if node is not None else ""),
        ("meta", _first(meta, "og:url")),
        ("json-ld", ld.url if ld.url.startswith("http") else ""),
    )
    return (_absolute(str(raw), base), source) if raw else ("", "")


def read_metadata(tree: LexborHTMLParser, url: str | None) -> Meta:
    """Read every metadata field the page offers, preferring JSON-LD, then meta tags, then DOM."""
    # One walk of the document for both the JSON-LD scripts and the meta tags.
    found = tree.css(_HEAD_DATA)
    ld = read_scripts([n for n in found if n.tag == "script"])
    meta = _meta_map([n for n in found if n.tag == "meta"])
    prov: dict[str, str] = {}
    base = url
    canonical, prov_c = _canonical(tree, meta, ld, base)
    site, prov_s = _pick(
        ("meta", _first(meta, "og:site_name", "application-name")),
        ("json-ld", ld.publisher),
    )
    site_name = str(site).lstrip("@") if site else None
    title, prov_t = _title(tree, meta, ld, site_name, url)
    authors, prov_a = _authors(tree, meta, ld, (site_name or "", ld.publisher, url or ""), title)
    published, prov_p = _pick(
        ("json-ld", parse_any_date(ld.published)),
        ("meta", lambda: parse_any_date(_first(meta, *_PUBLISHED_KEYS))),
        ("dom", lambda: _dom_date(tree)),
        ("url", lambda: date_from_url(url) or date_from_url(canonical)),
        ("dom", lambda: _text_date(tree, title)),
    )
    modified, prov_m = _pick(
        ("json-ld", parse_any_date(ld.modified)),
        ("meta", lambda: parse_any_date(_first(meta, *_MODIFIED_KEYS))),
    )
    language, prov_l = _language(tree, meta, ld)
    section, prov_sec = _pick(
        ("meta", _first(meta, "article:section", "section", "parsely-section")),
        ("json-ld", ld.section),
    )
    tags, prov_tags = _tags(meta, ld)
    images = [_absolute(u, base) for u in (_first(meta, "og:image", "twitter:image"), *ld.images)]
    pairs = (
        ("canonical_url", prov_c), ("site_name", prov_s), ("title", prov_t),
        ("authors", prov_a), ("published", prov_p), ("modified", prov_m),
        ("language", prov_l), ("section", prov_sec), ("tags", prov_tags),
    )  # fmt: skip
    prov.update({name: source for name, source in pairs if source})
    return Meta(
        title=title,
        description=_first(meta, "og:description", "description", "twitter:description")
        or ld.description,
        authors=authors if isinstance(authors, tuple) else (),
        published=published if isinstance(published, datetime) else None,
        modified=modified if isinstance(modified, datetime) else None,
        language=language or None,
        canonical_url=canonical or None,
        site_name=site_name,
        section=str(section) if section else None,
        tags=tags,
        image_urls=tuple(dict.fromkeys(u for u in images if u)),
        og_type=_first(meta, "og:type").lower(),
        ld=ld,
        provenance=prov,
    )


_PUBLISHED_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "date",
    "pubdate", "publishdate", "publish-date", "published_time", "publication_date",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dc.date", "dcterms.date",
    "dcterms.created", "article.published", "cxenseparse:recs:publishtime", "og:published_time",
    "originalpublicationdate", "date.available", "release_date", "article:published:time",
)  # fmt: skip
_MODIFIED_KEYS = (
    "article:modified_time", "og:updated_time", "datemodified", "last-modified",
    "dcterms.modified", "article.updated", "article:modified:time",
)  # fmt: skip


def org_like(name: str, orgs: tuple[str, ...]) -> bool:
    """True for a publisher, site or domain name given as the author."""
    key = _squash(name)
    if "." in name and " " not in name:
        return True
    words = name.split()
    initials = "".join(w[0] for w in words).casefold() if len(words) > 1 else ""
    for org in orgs:
        other = _squash(org)
        if len(other) >= 3 and (key in other or other in key):
            return True
        if len(initials) >= 2 and initials == other:  # "Deutsche Welle" on dw.com
            return True
        first = _squash(words[0]) if words else ""
        if len(first) >= 5 and len(other) > len(first) and other.startswith(first):
            return True  # "Ilanga D" on the site "Ilanga News"
    return False


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _authors(
    tree: LexborHTMLParser,
    meta: dict[str, list[str]],
    ld: LdArticle,
    orgs: tuple[str, ...],
    title: str | None,
) -> tuple[tuple[str, ...], str]:
    """People first: a source naming only the publisher yields to one that names a person."""
    host = urlsplit_host(orgs[2])
    orgs = (orgs[0], orgs[1], host_key(host) if host else "")
    fallback: tuple[tuple[str, ...], str] = ((), "")
    sources: tuple[tuple[str, Callable[[], tuple[str, ...]]], ...] = (
        ("json-ld", lambda: clean_authors(ld.authors)),
        ("meta", lambda: _meta_authors(meta)),
        ("dom", lambda: _dom_authors(tree, title)),
    )
    for source, get in sources:
        names = get()
        if not names:
            continue
        people = tuple(n for n in names if not org_like(n, orgs))
        if people:
            return people, source
        if not fallback[0]:
            fallback = (names, source)
    return fallback


def _meta_authors(meta: dict[str, list[str]]) -> tuple[str, ...]:
    """The names of the first author meta tag that names anyone, cleaned."""
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "cxenseparse:author", "byl"):  # fmt: skip
        if names := clean_authors(v for v in meta.get(key, []) if "://" not in v):
            return names
    return clean_authors(_written_by(meta))


def _written_by(meta: dict[str, list[str]]) -> list[str]:
    """The author of WordPress SEO plugins' reading card: ``twitter:label1`` "Written by" and
    ``twitter:data1`` the name, or ``twitter:misc:Written by``."""
    if names := meta.get("twitter:misc:written by"):
        return names
    for i in "1234":
        label = _first(meta, f"twitter:label{i}")
        if label and _AUTHOR_LABEL.match(label):
            return meta.get(f"twitter:data{i}", [])
    return []


def _title(
    tree: LexborHTMLParser,
    meta: dict[str, list[str]],
    ld: LdArticle,
    site_name: str | None,
    url: str | None,
) -> tuple[str | None, str]:
    h1 = tree.css_first("h1")
    h1_text = inline_text(h1) if h1 is not None else ""
    host = urlsplit_host(url or "")
    candidates: tuple[tuple[str, Callable[[], str]], ...] = (
        ("json-ld", lambda: ld.headline),
        ("meta", lambda: _first(meta, "og:title", "twitter:title", "title")),
        ("dom", lambda: _dom_title(tree, h1_text, site_name, host)),
    )
    for source, raw in candidates:
        title = clean_title(raw(), site_name=site_name, host=host, h1=h1_text)
        if title:
            return title, source
    return None, ""


#: An ``h1`` of this many words is a headline; a shorter one may be a section banner.
_HEADLINE_WORDS = 5


def _dom_title(tree: LexborHTMLParser, h1: str, site_name: str | None, host: str) -> str:
    """The first ``h1`` when it reads as a headline (five words or more); a shorter one
    yields to the ``<title>`` when that names something else than it and the site.

    On a page without metadata a short first ``h1`` is often a section or site banner
    ("Allergies Health Center") while the ``<title>`` carries the headline; a long one is the
    headline the page shows, which an SEO ``<title>`` may word differently.
    """
    if len(h1.split()) >= _HEADLINE_WORDS and not is_site_name(h1, site_name, host):
        return h1  # a headline, not a section banner: what the page shows
    page = clean_title(_title_text(tree), site_name=site_name, host=host, h1=h1)
    a, b = _squash(h1), _squash(page)
    if not a or not b or is_site_name(page, site_name, host):
        return h1 if a else page
    return h1 if (a in b or b in a) else page


def _title_text(tree: LexborHTMLParser) -> str:
    node = tree.css_first("title")
    return text_of(node) if node is not None else ""
