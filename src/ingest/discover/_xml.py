"""Tolerant, safe reading of feed and sitemap XML (pure).

Documents are decoded (BOM, XML declaration, UTF-8 fallback), lightly repaired (HTML named
entities and bare ``&`` outside CDATA) and parsed with ``xml.etree``. A document that declares
entities (``<!ENTITY``: the "billion laughs" and external-entity attacks) is never given to
the XML parser, and every ``<!DOCTYPE>`` is removed before parsing. When the parser refuses a
document, a regular-expression scan recovers what it can; it expands no declared entity.

Both paths produce the same small values: a ``Record`` (an ``item``, ``entry``, ``url``...)
holding the ``Leaf`` elements below it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

__all__ = [
    "Leaf",
    "Record",
    "decode_xml",
    "parse_xml",
    "root_name",
    "scan_records",
    "split_name",
    "tree_records",
]

_KNOWN_NS = {
    "http://www.w3.org/2005/Atom": "atom",
    "http://purl.org/atom/ns#": "atom",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/rss/1.0/": "",
    "http://www.sitemaps.org/schemas/sitemap/0.9": "",
    "http://www.google.com/schemas/sitemap/0.84": "",
    "http://www.google.com/schemas/sitemap-news/0.9": "news",
    "http://www.google.com/schemas/sitemap-image/1.1": "image",
    "http://www.google.com/schemas/sitemap-video/1.1": "video",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://search.yahoo.com/mrss/": "media",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
}
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_ENTITY_REF = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]{0,31};)?")
_DOCTYPE = re.compile(r"<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>", re.IGNORECASE | re.DOTALL)
_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_TAG = re.compile(r"<[^>]*>")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
# Characters XML 1.0 forbids, found in real feeds (form feeds, escape codes, NUL).
_INVALID_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Labels that mean windows-1252 in practice (as browsers read them).
_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"})
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Leaf:
    """An element without child elements: local name and prefix lower-cased, attributes by
    lower-cased local name, text with CDATA unwrapped and entities decoded."""

    name: str
    prefix: str
    attrs: Mapping[str, str]
    text: str


@dataclass(frozen=True, slots=True)
class Record:
    """One repeated element (``item``, ``entry``, ``url``, ``sitemap``) and its leaves."""

    name: str
    attrs: Mapping[str, str]
    leaves: tuple[Leaf, ...] = field(default=())

    def first(self, *names: str, prefix: str | None = None) -> str | None:
        """The stripped text of the first non-empty leaf named one of ``names``."""
        for name in names:
            for leaf in self.leaves:
                if leaf.name == name and (prefix is None or leaf.prefix == prefix):
                    text = leaf.text.strip()
                    if text:
                        return text
        return None


def decode_xml(body: bytes | str) -> str:
    """The document as text: BOM honoured, then the declared encoding, then UTF-8 (with
    replacement characters). Leading BOM and whitespace are removed."""
    if isinstance(body, str):
        return body.lstrip("\ufeff \t\r\n")
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace").lstrip("\ufeff \t\r\n")
    declared = _DECL_ENCODING.match(body[:512])
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding in _WINDOWS_1252:
        encoding = "cp1252"
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        text = body.decode("utf-8", "replace")
    return text.lstrip("\ufeff \t\r\n")


def parse_xml(text: str) -> ET.Element | None:
    """Parse a decoded document; ``None`` when it declares entities or is not well-formed
    even after repair (the caller then uses ``scan_records``)."""
    if _ENTITY_DECL.search(text):
        return None
    cleaned = _DOCTYPE.sub("", _DECLARATION.sub("", text, count=1), count=1)
    try:
        return ET.fromstring(_repair(cleaned))  # noqa: S314 - no DTD reaches the parser
    except ET.ParseError:
        return None


def _repair(text: str) -> str:
    """Make common HTML-isms well-formed XML, leaving CDATA sections untouched; drop the
    control characters XML forbids everywhere."""
    text = _INVALID_CHARS.sub("", text)
    parts: list[str] = []
    pos = 0
    for m in _CDATA.finditer(text):
        parts.append(_ENTITY_REF.sub(_fix_entity, text[pos : m.start()]))
        parts.append(m.group(0))
        pos = m.end()
    parts.append(_ENTITY_REF.sub(_fix_entity, text[pos:]))
    return "".join(parts)


def _fix_entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref is None:
        return "&amp;"
    if ref.startswith("#"):
        return m.group(0) if _valid_char_ref(ref) else "&amp;" + ref
    name = ref[:-1]
    if name in _XML_ENTITIES:
        return m.group(0)
    decoded = html.unescape(m.group(0))
    if decoded == m.group(0):
        return "&amp;" + ref
    return "".join(f"&#{ord(c)};" for c in decoded)


def _valid_char_ref(ref: str) -> bool:
    try:
        code = int(ref[2:-1], 16) if ref[1] in "xX" else int(ref[1:-1])
    except ValueError:
        return False
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF


def split_name(tag: str) -> tuple[str, str]:
    """``(prefix, local)`` of an ElementTree tag, the namespace mapped to a usual prefix."""
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return _KNOWN_NS.get(uri, uri), local.lower()
    prefix, _, local = tag.rpartition(":")
    return prefix.lower(), local.lower()


def tree_records(
    root: ET.Element, names: Collection[str], *, skip: Collection[str] = ()
) -> list[Record]:
    """Every element whose local name is in ``names``, with its leaves (subtrees whose local
    name is in ``skip`` are left out)."""
    records: list[Record] = []
    for element in root.iter():  # the default tree builder keeps no comments or PIs
        _, local = split_name(element.tag)
        if local in names:
            leaves = tuple(_tree_leaves(element, skip))
            records.append(Record(local, _attrs(element.attrib), leaves))
    return records


def _tree_leaves(element: ET.Element, skip: Collection[str]) -> Iterator[Leaf]:
    for child in element:
        prefix, local = split_name(child.tag)
        if local in skip or f"{prefix}:{local}" in skip:
            continue
        if len(child):
            yield from _tree_leaves(child, skip)
        else:
            yield Leaf(local, prefix, _attrs(child.attrib), child.text or "")


def _attrs(attrib: Mapping[str, str]) -> dict[str, str]:
    return {split_name(k)[1]: v for k, v in attrib.items()}


# ---- fallback scan -------------------------------------------------------------------------

_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_ELEMENT = re.compile(
    r"<([\w.-]+:)?([\w.-]+)((?:\s[^<>]*?)?)\s*(?:/>|>(.*?)</\1?\2\s*>)",
    re.DOTALL | re.IGNORECASE,
)
_OPEN_TAG = re.compile(r"<[\w.:-]+[\s/>]")


def scan_records(text: str, names: Collection[str], *, skip: Collection[str] = ()) -> list[Record]:
    """Recover records from a document the XML parser refused, with regular expressions.

    A record runs from its opening tag to its closing tag, or to the next record's opening
    tag when it is not closed (so the scan stays linear in the document size). Only the five
    XML entities, character references and HTML named entities are decoded; declared
    entities are left as they are.
    """
    alternatives = "|".join(re.escape(n) for n in names)
    opening = re.compile(rf"<([\w.-]+:)?({alternatives})(?=[\s/>])([^>]*)>", re.IGNORECASE)
    starts = list(opening.finditer(text))
    records: list[Record] = []
    for i, m in enumerate(starts):
        stop = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        inner = text[m.end() : stop]
        close = re.search(rf"</(?:[\w.-]+:)?{re.escape(m.group(2))}\s*>", inner, re.IGNORECASE)
        if close is not None:
            inner = inner[: close.start()]
        leaves = tuple(_scan_leaves(_remove_elements(inner, skip)))
        records.append(Record(m.group(2).lower(), _scan_attrs(m.group(3)), leaves))
    return records


def _remove_elements(text: str, names: Collection[str]) -> str:
    for name in names:
        local = re.escape(name.rpartition(":")[2])
        text = re.sub(
            rf"<([\w.-]+:)?{local}(?=[\s/>])[^>]*?(?:/>|>.*?</\1?{local}\s*>)",
            "",
            text,
            flags=re.IGNORECASE | re.DOTALL,
        )
    return text


def _scan_leaves(text: str) -> Iterator[Leaf]:
    """Elements of ``text``; one whose content holds closed elements is descended into, one
    whose content only holds stray tags is a leaf with those tags removed."""
    for m in _ELEMENT.finditer(text):
        content = m.group(4) or ""
        if _ELEMENT.search(_CDATA.sub("", content)):
            yield from _scan_leaves(content)
            continue
        value = _scan_text(content)
        if _OPEN_TAG.search(content):
            value = " ".join(value.split())
        prefix = (m.group(1) or "").rstrip(":").lower()
        yield Leaf(m.group(2).lower(), prefix, _scan_attrs(m.group(3) or ""), value)


def _scan_attrs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        value = next(g for g in m.groups()[1:] if g is not None)
        out[m.group(1).rpartition(":")[2].lower()] = html.unescape(value)
    return out


def _scan_text(text: str) -> str:
    parts: list[str] = []
    pos = 0
    for m in _CDATA.finditer(text):
        parts.append(html.unescape(_TAG.sub("", text[pos : m.start()])))
        parts.append(m.group(1))
        pos = m.end()
    parts.append(html.unescape(_TAG.sub("", text[pos:])))
    return "".join(parts)


def root_name(text: str) -> str:
    """The lower-cased local name of the first element of a (possibly broken) document."""
    body = _DOCTYPE.sub("", _DECLARATION.sub("", text, count=1), count=1)
    m = re.search(r"<(?![!?])(?:[\w.-]+:)?([\w.-]+)", body)
    return m.group(1).lower() if m else ""
