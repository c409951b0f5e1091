"""Loading and scoring helpers for the extraction benchmark (corpus in ``../shared/corpus``)."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"  # kana, CJK, hangul
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

#: Phrases that mark page chrome when they make up a short paragraph of an extracted body.
CHROME_MARKERS = re.compile(
    r"^(recent posts|related( (articles|stories|posts|content|news))?|read (more|also|next)|"
    r"more (from|stories|on this)|most (read|popular|viewed)|trending( now)?|"
    r"(sign up|subscribe)( to| for)?( our)? newsletter|newsletter|share( this( article| story)?)?|"
    r"(we use )?cookies?|advertisement|anzeige|werbung|publicidad|publicité|"
    r"lesen sie auch|mehr zum thema|das könnte sie auch interessieren|weitere artikel|"
    r"entradas recientes|lo más leído|te puede interesar|noticias relacionadas|"
    r"à lire aussi|lire aussi|les plus lus|sur le même sujet|leggi anche|"
    r"comments?|leave a (comment|reply)|follow us|skip to (main )?content|"
    r"you (may|might) also like|recommended( for you)?|top stories)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    url: str | None
    source: str
    language: str
    title: str
    body: str
    authors: tuple[str, ...] | None
    published: str | None
    html: bytes


def load(
    corpus: Path,
    limit: int | None = None,
    only_ids: set[str] | None = None,
    *,
    obfuscate: bool = False,
    plain: bool = False,
    no_metadata: bool = False,
) -> Iterator[Case]:
    with (corpus / "corpus.jsonl").open(encoding="utf-8") as fh:
        n = 0
        for line in fh:
            row = json.loads(line)
            if only_ids and row["id"] not in only_ids:
                continue
            html = gzip.decompress((corpus / row["file"]).read_bytes())
            if no_metadata:
                html = strip_metadata(html)
            if plain:
                html = plain_markup(html)
            elif obfuscate:
                html = obfuscate_names(html)
            authors = tuple(row["authors"]) if row.get("authors") else None
            yield Case(
                row["id"],
                row.get("url"),
                row["source"],
                row["language"],
                row["title"],
                row["body"],
                authors,
                row.get("published"),
                html,
            )
            n += 1
            if limit and n >= limit:
                return


def obfuscate_names(html: bytes) -> bytes:
    """The page with every ``class`` and ``id`` value replaced by a meaningless token (the
    same value, the same token), as on sites whose class names are build-time hashes
    (``css-1x2y3z``). Rewritten through a parser, so markup inside scripts is left alone.
    It shows how much an extractor leans on class/id vocabulary."""
    from hashlib import blake2b

    from selectolax.lexbor import LexborHTMLParser

    def token(value: str) -> str:
        return "c" + blake2b(value.encode(), digest_size=4).hexdigest()

    tree = LexborHTMLParser(html)
    root = tree.root
    if root is None:
        return html
    for node in root.traverse():
        attrs = node.attributes
        if not attrs:
            continue
        for name in ("class", "id"):
            value = attrs.get(name)
            if value:
                node.attrs[name] = (
                    " ".join(token(v) for v in value.split()) if name == "class" else token(value)
                )
    return (tree.html or "").encode()


#: Elements that say what a part of the page is; ``plain_markup`` makes them all ``div``.
_SEMANTIC_TAGS = (
    "article", "main", "section", "aside", "nav", "header", "footer", "figure", "figcaption",
    "time", "address", "menu",
)  # fmt: skip
_SEMANTIC_OPEN = re.compile(rf"<(/?)(?:{'|'.join(_SEMANTIC_TAGS)})\b", re.IGNORECASE)
_TELLING_ATTRS = ("role", "itemprop", "itemscope", "itemtype", "rel", "aria-hidden", "hidden")


def plain_markup(html: bytes) -> bytes:
    """The page as a site without semantic markup would write it: names obfuscated
    (``obfuscate_names``), every semantic element a ``div``, and no ``role``, ``itemprop``,
    ``rel``, ``aria-hidden`` or ``hidden`` attribute. (The tags are renamed in the serialised
    page, so a script string spelling such a tag changes too; it does not matter here.)"""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(obfuscate_names(html))
    root = tree.root
    if root is None:
        return html
    for node in root.traverse():
        attrs = node.attributes
        for name in _TELLING_ATTRS:
            if name in attrs:
                del node.attrs[name]
    return _SEMANTIC_OPEN.sub(r"<\1div", tree.html or "").encode()


def strip_metadata(html: bytes) -> bytes:
    """The page without its structured data: no JSON-LD, no ``meta`` tag, no canonical link.
    Title, dates and authors must then come from what the page shows."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for node in tree.css('script[type="application/ld+json" i], meta, link[rel=canonical]'):
        node.decompose()
    return (tree.html or "").encode()


def tokens(text: str) -> Counter[str]:
    return Counter(t.casefold() for t in _TOKEN.findall(unicodedata.normalize("NFKC", text)))


def prf(pred: Counter[str], gold: Counter[str]) -> tuple[float, float, float]:
    overlap = sum((pred & gold).values())
    p = overlap / sum(pred.values()) if pred else (1.0 if not gold else 0.0)
    r = overlap / sum(gold.values()) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def norm_title(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)  # zero-width spaces and soft hyphens are not visible
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return _SPACE.sub(" ", text).strip().casefold()


def gold_day(published: str) -> date | None:
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def pred_day(value: datetime | str | None, gold: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    try:
        g = datetime.fromisoformat(gold.replace("Z", "+00:00"))
    except ValueError:
        return value.date()
    if value.tzinfo is not None and g.tzinfo is not None:
        return value.astimezone(g.tzinfo).date()
    return value.date()


def norm_author(name: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def author_f1(pred: tuple[str, ...], gold: tuple[str, ...]) -> float:
    p = {norm_author(a) for a in pred if a.strip()}
    g = {norm_author(a) for a in gold if a.strip()}
    if not p and not g:
        return 1.0
    hit = len(p & g)
    if not hit:
        return 0.0
    pr, rc = hit / len(p), hit / len(g)
    return 2 * pr * rc / (pr + rc)


def leaked_chrome(body: str, gold_body: str) -> list[str]:
    """Short paragraphs of ``body`` that read as chrome and are not in the ground truth."""
    gold = _SPACE.sub(" ", gold_body).casefold()
    out = []
    for para in body.split("\n"):
        para = _SPACE.sub(" ", para).strip()
        if para and len(para) < 80 and CHROME_MARKERS.match(para) and para.casefold() not in gold:
            out.append(para)
    return out
