"""Images of the article with their captions and credits (pure)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from ingest.extract.dom import absolute, attr, clean
from ingest.model import Image

__all__ = ["find_images"]

_CREDIT_SEL = "[class*=credit], [class*=copyright], [class*=source], [class*=author], small, cite"
_CREDIT_TAIL = re.compile(
    r"\s*(?:(?:^|\s)/\s*|\(\s*|\|\s*|©\s*|(?:photo|foto|image|bild|picture|crédit|credit|"
    r"fotografía|imagen)s?\s*[:：]\s*)([^()/|]{2,80}?)\)?\s*$",
    re.IGNORECASE,
)
_MAX_IMAGES = 30
_PARTS = frozenset({"img", "source", "figcaption"})


def _src(img: LexborNode | None) -> str:
    if img is None:
        return ""
    for name in ("src", "data-src", "data-original", "data-lazy-src", "data-srcset", "srcset"):
        value = attr(img, name).strip()
        if value and not value.startswith("data:"):
            return value.split(",")[0].split()[0]
    return ""


def _split_caption(node: LexborNode | None) -> tuple[str | None, str | None]:
    if node is None:
        return None, None
    credit_node = node.css_first(_CREDIT_SEL)
    credit = clean(credit_node.text()) if credit_node is not None else ""
    caption = clean(node.text())
    if credit and caption.endswith(credit):
        caption = clean(caption[: -len(credit)].rstrip(" /|-–—"))
    elif not credit:
        match = _CREDIT_TAIL.search(caption)
        if match and match.start() > 0:
            credit = clean(match.group(1))
            caption = clean(caption[: match.start()])
    return caption or None, credit or None


def _parts(figure: LexborNode) -> dict[str, LexborNode]:
    """The first ``img``, ``source`` and ``figcaption`` inside ``figure``, in one walk of its
    few elements (three selector matches would each parse their selector)."""
    found: dict[str, LexborNode] = {}
    for element in figure.traverse():
        tag = element.tag
        if tag in _PARTS and tag not in found:
            found[tag] = element
    return found


def find_images(
    figures: list[LexborNode], base: str | None, lead_urls: tuple[str, ...]
) -> tuple[Image, ...]:
    """The page's ``figures`` (image + caption + credit), the metadata images first."""
    out: list[Image] = []
    seen: set[str] = set()
    for figure in figures[:_MAX_IMAGES]:
        parts = _parts(figure)
        src = _src(parts.get("img")) or _src(parts.get("source"))
        if not src:
            continue
        try:
            url = absolute(base, src)
        except ValueError:
            continue
        caption, credit = _split_caption(parts.get("figcaption"))
        if url not in seen:
            seen.add(url)
            out.append(Image(url, caption, credit))
    extra = [Image(u) for u in lead_urls if u not in seen]
    return tuple(extra[:1] + out + extra[1:])[:_MAX_IMAGES]
