"""One page through the parser: decode, metadata, chrome, main content, structured-data check,
not-an-article verdict. Each stage is a small pure function; ``extract_page`` wires them."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.extract.blocks import walk_blocks
from ingest.extract.chrome import strip_chrome
from ingest.extract.classify import ARTICLE_WORDS, TEXT_READ, page_problem, result_problem
from ingest.extract.content import find_region
from ingest.extract.dates import parse_any_date
from ingest.extract.decode import decode_html, sanitize_text
from ingest.extract.dom import (
    HEADLINE_SELECTORS,
    SKIP_TAGS,
    attr,
    clean,
    parse,
    remove_all,
    text_of,
    unique,
    visible,
)
from ingest.extract.filters import filter_blocks
from ingest.extract.guide import guide_blocks, unescape
from ingest.extract.images import find_images
from ingest.extract.lead import find_lead
from ingest.extract.metadata import Meta, org_like, read_metadata, urlsplit_host
from ingest.extract.people import clean_authors
from ingest.extract.profile import HostProfile, learn_region
from ingest.extract.rules import SiteRules
from ingest.extract.scripts import script_html
from ingest.extract.titles import host_key
from ingest.extract.vocabulary import BYLINE_PREFIX
from ingest.model import Block, Extracted, Image, NotArticle, PageBlock

__all__ = ["MAX_CHARS", "extract_page"]

#: Pages longer than this are cut: no article needs more, and it bounds time and memory.
MAX_CHARS = 8_000_000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_NAME_LINE = re.compile(r"^(?:[A-ZÀ-Þ][^\W\d_]+\.?\s){1,3}[A-ZÀ-Þ][^\W\d_]+$")
_BINARY_SHARE = 0.1
_PAGE_SAMPLE = 40_000
_SAMPLE_WORDS = 1_300  # enough words for ``TEXT_READ`` characters on all but odd pages
_UTF8_BOM = b"\xef\xbb\xbf"
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_UTF8_WINDOW = 32 * 1024
_ASCII_CHUNK = 4096
_SAMPLE_BYTES = 64 * 1024
_SKIP = frozenset(SKIP_TAGS)
_HEADLINE_LINKS = "h2 a[href], h3 a[href], a[href] h2, a[href] h3"
_FIGURES_AND_HEADLINES = f":is(figure, {HEADLINE_SELECTORS})"
#: Verdicts of a page without article text, for which the scripts are searched for one.
_NO_TEXT = frozenset({"empty", "too_short"})


@dataclass(frozen=True, slots=True)
class _Body:
    blocks: tuple[Block, ...]
    strategy: str
    lead: str | None
    lead_source: str
    page_blocks: tuple[PageBlock, ...] = ()


def words(text: str) -> int:
    """Word count, CJK characters counted as half a word each."""
    return _with_cjk(len(text.split()), text)


def _block_words(block: Block) -> int:
    """``words`` of a block: ``clean`` left its text with single spaces only (not a ``pre``
    block's, which keeps its layout)."""
    text = block.text
    if block.kind == "pre":
        return words(text)
    return _with_cjk(text.count(" ") + 1 if text else 0, text)


def _with_cjk(count: int, text: str) -> int:
    return count if text.isascii() else count + len(_CJK.findall(text)) // 2


def _source(html: str | bytes) -> tuple[str, str | bytes]:
    """A sample of the page as text (for the checks) and the page as the parser should get it:
    UTF-8 bytes go to the parser as they are, anything else is decoded and sanitised first."""
    if isinstance(html, bytes | bytearray | memoryview):
        data = bytes(html[:MAX_CHARS])
        sample = None if data.startswith(_UTF8_BOM) else _utf8_head(data)
        if sample is not None:
            return (sample if sample.strip() else data.decode("utf-8", "replace")), data
        html = decode_html(data)
    text = sanitize_text(html[:MAX_CHARS])
    return text, text


def _utf8_head(data: bytes) -> str | None:
    """The first ``_SAMPLE_BYTES`` of ``data`` as text when ``data`` is UTF-8, else ``None``.

    UTF-8 is judged on the head, or on the stretch from the first non-ASCII byte when the head
    is plain ASCII: decoding the whole page would cost as much as a tenth of the parse, and a
    page in a legacy encoding fails on its first accented letter, which is not a valid UTF-8
    sequence. Invalid bytes further on become U+FFFD in the parser, as with any malformed input."""
    try:
        head = codecs.utf_8_decode(data[:_SAMPLE_BYTES], "strict", False)[0]
        if head.isascii() and (start := _first_non_ascii(data, _SAMPLE_BYTES)) >= 0:
            codecs.utf_8_decode(data[start : start + _UTF8_WINDOW], "strict", False)
    except UnicodeDecodeError:
        return None
    return head


def _first_non_ascii(data: bytes, start: int) -> int:
    """The offset of the first byte above 0x7F in ``data`` from ``start`` on, else -1: chunks
    are ruled out by ``bytes.isascii`` (many bytes at a time), the regex reads only the chunk
    that holds one, where a regex scan of a long ASCII page alone costs a tenth of the parse."""
    end = len(data)
    while start < end:
        chunk = data[start : start + _ASCII_CHUNK]
        if not chunk.isascii():
            found = _NON_ASCII.search(chunk)
            return start + found.start() if found is not None else -1
        start += _ASCII_CHUNK
    return -1


def _page_text(text: str) -> str:
    """The start of the page's text, whitespace collapsed, for the page-level checks (consent
    walls, error and block pages): as much as they read (``TEXT_READ`` characters), taken
    from the first ``_PAGE_SAMPLE`` characters of the raw text at most."""
    head = text[:_PAGE_SAMPLE]
    words = head.split(None, _SAMPLE_WORDS)  # the last item holds the rest, unsplit
    if len(words) > _SAMPLE_WORDS:
        sample = " ".join(words[:-1])
        return sample if len(sample) >= TEXT_READ else " ".join(head.split())
    return " ".join(words)


def _looks_binary(text: str) -> bool:
    head = text[:4096]
    bad = head.count("\ufffd")
    return bad > _BINARY_SHARE * len(head) or "<" not in text[:65536]


def extract_page(
    html: str | bytes,
    url: str | None,
    rules: SiteRules | None,
    profile: HostProfile | None = None,
) -> Extracted | NotArticle:
    """The article of one page, or why it is not one (may raise on parser failure)."""
    text, source = _source(html)
    if not text.strip():
        return NotArticle("empty", "empty document")
    if _looks_binary(text):
        return NotArticle("not_html", "binary or non-HTML content")
    tree = parse(source)
    meta = read_metadata(tree, url)
    if rules is not None:
        meta = _apply_rules(tree, meta, rules)
    # The head has given its metadata: drop it whole, then what holds no article text below.
    if (head := tree.head) is not None:
        head.decompose()
    body_node = tree.body
    if body_node is not None:
        # A walk of the tree with a set lookup beats Lexbor matching a list of 21 tag names.
        remove_all([node for node in body_node.traverse() if node.tag in _SKIP])
    page_text = _page_text(body_node.text(separator=" ") if body_node else "")
    problem = page_problem(page_text, meta.title or "")
    if problem or body_node is None:
        reason, detail = problem or ("empty", "no body")
        return NotArticle(reason, detail, meta.title)
    # Only a page without JSON-LD is judged a listing by its headline links (``_listing``).
    headline_links = 0 if meta.ld.found else len(body_node.css(_HEADLINE_LINKS))
    # One walk for the figures and the headline's candidates (nothing is removed in between).
    walked = body_node.css(_FIGURES_AND_HEADLINES)
    figures = [node for node in walked if node.tag == "figure"]
    headlines = [node for node in walked if node.tag != "figure"]
    images = find_images(figures, meta.canonical_url or url, meta.image_urls)
    body, meta = _main_content(
        tree, body_node, meta, url, rules, profile=profile, headlines=headlines
    )
    count = _article_words(body)
    problem = result_problem(count, meta, page_text, meta.title or "", headline_links)
    # No article in the markup: a page rendered by its scripts may carry it in them.
    if (
        problem
        and problem[0] in _NO_TEXT
        and rules is None
        and (found := _script_body(source, meta, url)) is not None
    ):
        body, meta = found
        count = _article_words(body)
        problem = result_problem(count, meta, page_text, meta.title or "", headline_links)
    if problem:
        return NotArticle(problem[0], problem[1], meta.title)
    return _result(meta, body, images)


def _article_words(body: _Body) -> int:
    """The body's words, counted up to where the verdict on the page cannot change."""
    count = 0
    for block in body.blocks:
        count += _block_words(block)
        if count >= ARTICLE_WORDS:
            break
    return count


def _script_body(source: str | bytes, meta: Meta, url: str | None) -> tuple[_Body, Meta] | None:
    """The body of a page whose article HTML travels only inside its scripts (strategy
    ``script``), read like any page's; ``None`` when the scripts hold none."""
    page = source if isinstance(source, str) else source.decode("utf-8", "replace")
    html = script_html(page)
    if html is None:
        return None
    tree = parse(f"<html><body><article>{html}</article></body></html>")
    if tree.body is None:
        return None
    body, meta = _main_content(tree, tree.body, meta, url, None)
    return replace(body, strategy="script"), meta


def _main_content(
    tree: LexborHTMLParser,
    body: LexborNode,
    meta: Meta,
    url: str | None,
    rules: SiteRules | None,
    *,
    profile: HostProfile | None = None,
    headlines: list[LexborNode] | None = None,
) -> tuple[_Body, Meta]:
    """Lead, chrome removal, main region, blocks, then the structured-data check
    (``headlines``: what ``dom.HEADLINE_SELECTORS`` select in ``body``, when already known)."""
    lead_node = find_lead(tree, meta.description, meta.title, headlines)
    lead = clean(lead_node.text()) if lead_node is not None else None
    lead_source = "dom"
    if lead_node is not None:
        lead_node.decompose()
    nodes, strategy = _region(body, rules, meta.title)
    # Site-aware learning: the region's blocks are counted for its host, and the host's learnt
    # chrome is taken out of the region (it never changes which region is chosen).
    learnt = learn_region(nodes, profile) if profile is not None else ()
    if lead is None and _visible_description(meta.description, body):
        lead, lead_source = clean(meta.description), "meta"
    raw_blocks = walk_blocks(nodes)
    meta = _byline_from_body(meta, raw_blocks, url)
    if lead and lead_source == "meta" and _repeats_body(lead, raw_blocks):
        lead = None  # the description repeats body text: it is not a separate standfirst
    blocks = filter_blocks(raw_blocks, meta.title, lead)
    if strategy != "rules":
        blocks, strategy = _structured(blocks, strategy, meta, lead)
    return _Body(tuple(blocks), strategy, lead, lead_source, learnt), meta


def _region(
    body: LexborNode, rules: SiteRules | None, title: str | None
) -> tuple[list[LexborNode], str]:
    if rules is not None and rules.remove:
        remove_all(body.css(", ".join(rules.remove)))
    if rules is not None and rules.body:
        strip_chrome(body, keep_classes=True)
        return unique(body.css(", ".join(rules.body))), "rules"
    strip_chrome(body)
    region = find_region(body, title)
    return (list(region.nodes), region.strategy) if region else ([], "none")


def _structured(
    blocks: list[Block], strategy: str, meta: Meta, lead: str | None
) -> tuple[list[Block], str]:
    """JSON-LD articleBody: the body when the DOM lost most of it (a paywall, a script-built
    page), else a check of which DOM blocks belong to the article."""
    ld_words = words(meta.ld.body) if meta.ld.body else 0
    if ld_words < 60:
        return blocks, strategy
    if sum(_block_words(b) for b in blocks) < 0.6 * ld_words:
        return filter_blocks(_json_ld_blocks(meta.ld.body), meta.title, lead), "json-ld"
    guided = guide_blocks(blocks, meta.ld.body, meta.description or "")
    if guided is not None and len(guided) < len(blocks):
        return guided, f"json-ld+{strategy}"
    return blocks, strategy


def _opt(text: str | None) -> str | None:
    return visible(text) or None if text else None


def _result(meta: Meta, body: _Body, images: tuple[Image, ...]) -> Extracted:
    """The article, every text field free of invisible characters."""
    provenance = dict(meta.provenance)
    provenance["body"] = body.strategy
    if body.lead:
        provenance["lead"] = body.lead_source
    blocks = tuple(Block(b.kind, text, b.level) for b in body.blocks if (text := visible(b.text)))
    pictures = tuple(Image(i.url, _opt(i.caption), _opt(i.credit)) for i in images)
    return Extracted(
        title=_opt(meta.title),
        blocks=blocks,
        lead=_opt(body.lead),
        authors=tuple(a for a in (visible(n) for n in meta.authors) if a),
        published=meta.published,
        modified=meta.modified,
        language=meta.language,
        canonical_url=meta.canonical_url,
        site_name=_opt(meta.site_name),
        section=_opt(meta.section),
        tags=tuple(t for t in (visible(t) for t in meta.tags) if t),
        images=pictures,
        strategy=body.strategy,
        provenance=provenance,
        page_blocks=body.page_blocks,
    )


def _apply_rules(tree: LexborHTMLParser, meta: Meta, rules: SiteRules) -> Meta:
    prov = dict(meta.provenance)
    changes: dict[str, object] = {}
    if rules.title and (node := tree.css_first(rules.title)) is not None and text_of(node):
        changes["title"], prov["title"] = text_of(node), "rules"
    if rules.date and (node := tree.css_first(rules.date)) is not None:
        values = [attr(node, "datetime"), attr(node, "content")]
        values += [v for v in node.attributes.values() if v and v[:1].isdigit()]
        for value in [*values, text_of(node)]:
            if (parsed := parse_any_date(value)) is not None:
                changes["published"], prov["published"] = parsed, "rules"
                break
    if rules.authors:
        names = clean_authors(text_of(n) for n in tree.css(rules.authors))
        if names:
            changes["authors"], prov["authors"] = names, "rules"
    return replace(meta, provenance=prov, **changes)  # type: ignore[arg-type]


def _visible_description(description: str, body: LexborNode) -> bool:
    """True when the page's description is also printed on the page, outside its chrome
    (a standfirst the markup does not name)."""
    text = clean(description)
    if not 40 <= len(text) <= 600:
        return False
    raw = body.text(separator=" ")
    words = text.split(" ")
    if words[0] not in raw or words[-1] not in raw:
        return False  # a word of it is missing: no need to collapse the page's whitespace
    return text in " ".join(raw.split())


def _byline_from_body(meta: Meta, blocks: list[Block], url: str | None) -> Meta:
    """When metadata names no person, a byline opening the body ("By Jane Doe", or just the
    name on its own line) does."""
    orgs = (meta.site_name or "", meta.ld.publisher, host_key(urlsplit_host(url or "")))
    if meta.authors and not all(org_like(a, orgs) for a in meta.authors):
        return meta
    for block in blocks[:3]:
        text = block.text
        if block.kind != "p" or len(text) > 60:
            continue
        if BYLINE_PREFIX.match(text) or _NAME_LINE.match(text):
            names = clean_authors([text])
            if names and not any(org_like(n, orgs) for n in names):
                provenance = {**meta.provenance, "authors": "dom"}
                return replace(meta, authors=names, provenance=provenance)
    return meta


def _repeats_body(lead: str, blocks: list[Block]) -> bool:
    """True when the lead is (part of) the opening paragraphs, or they are part of it."""
    head = blocks[:6]
    if lead in " ".join(b.text for b in head):
        return True
    return any(len(b.text) >= 30 and b.text in lead for b in head)


def _json_ld_blocks(body: str) -> list[Block]:
    parts = [clean(p) for p in re.split(r"\n\s*\n|\n|<br\s*/?>", unescape(body))]
    return [Block("p", clean(LexborHTMLParser(p).text()) if "<" in p else p) for p in parts if p]
