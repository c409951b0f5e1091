"""``Extracted`` + ``Page`` -> ``Article`` (pure and deterministic; the time is an argument)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.dedup.keys import content_hash, fingerprint
from ingest.model import Article, Extracted, Image, Page, body_text
from ingest.normalize import urls
from ingest.normalize.authors import clean_authors
from ingest.normalize.dates import resolve_zone, to_utc
from ingest.normalize.language import detect_language
from ingest.normalize.text import clean_blocks, clean_text

__all__ = ["NormalizeOptions", "count_words", "normalize_article", "reading_minutes"]

# Han ideographs and kana: each character counts as one word (as word processors do).
_CJK = re.compile(
    "[\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
# Scripts written without spaces whose characters are letters, not words.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]+")
#: Characters per word for Thai, Lao, Khmer and Myanmar text.
UNSPACED_CHARS_PER_WORD = 6
#: A CJK character takes this fraction of the time of a word in a spaced language.
CJK_READING_WEIGHT = 2 / 3


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """Per-source normalisation settings. ``default_tz`` is an IANA zone name."""

    default_tz: str = "UTC"
    future_tolerance: timedelta = timedelta(days=1)
    words_per_minute: int = 230


def _counts(text: str) -> tuple[int, int]:
    """(words in spaced scripts, CJK characters)."""
    cjk = len(_CJK.findall(text))
    words = 0
    for token in _CJK.sub(" ", text).split():
        if not any(ch.isalnum() for ch in token):
            continue  # a lone dash or bullet is not a word
        unspaced = sum(len(run) for run in _UNSPACED.findall(token))
        words += max(1, round(unspaced / UNSPACED_CHARS_PER_WORD)) if unspaced else 1
    return words, cjk


def count_words(text: str) -> int:
    """Whitespace-separated words; each CJK character counts as one word, and runs of Thai,
    Lao, Khmer or Myanmar letters count one word per ``UNSPACED_CHARS_PER_WORD`` letters."""
    words, cjk = _counts(text)
    return words + cjk


def reading_minutes(text: str, *, words_per_minute: int = 230) -> int:
    """Estimated reading time in whole minutes, at least 1."""
    words, cjk = _counts(text)
    effort = words + cjk * CJK_READING_WEIGHT
    return max(1, math.ceil(effort / max(1, words_per_minute) - 0.25))


def _optional(text: str | None) -> str | None:
    cleaned = clean_text(text) if text else ""
    return cleaned or None


def _tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = clean_text(tag)
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return tuple(seen.values())


def _images(images: tuple[Image, ...], base: str) -> tuple[Image, ...]:
    out: list[Image] = []
    seen: set[str] = set()
    for image in images:
        url = urls.canonicalize(image.url, base=base) or image.url.strip()
        if not url or url in seen:
            continue
        seen.add(url)
        out.append(Image(url=url, caption=_optional(image.caption), credit=_optional(image.credit)))
    return tuple(out)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize_article(
    extracted: Extracted,
    page: Page,
    *,
    now: datetime,
    options: NormalizeOptions = NormalizeOptions(),
) -> Article:
    """The normalised article for a parsed page.

    ``url`` is the URL that was requested (the frontier's key); ``canonical_url`` comes from
    :func:`ingest.normalize.urls.choose_canonical`. Dates are aware UTC; a naive date takes
    ``options.default_tz``; impossible dates become ``None`` and are recorded in ``dropped``
    (``"published:future"``, ``"modified:before_1990"``). Raises ``ConfigError`` for an
    unknown ``default_tz``.
    """
    zone = resolve_zone(options.default_tz)
    page_url = page.final_url or page.url
    canonical = urls.choose_canonical(page_url, extracted.canonical_url)
    blocks = clean_blocks(extracted.blocks)
    body = body_text(blocks)
    dropped: list[str] = []
    dates: dict[str, datetime | None] = {}
    for name, raw in (("published", extracted.published), ("modified", extracted.modified)):
        value, reason = to_utc(
            raw, default_tz=zone, now=now, future_tolerance=options.future_tolerance
        )
        dates[name] = value
        if reason is not None:
            dropped.append(f"{name}:{reason}")
    return Article(
        url=page.url or page_url,
        canonical_url=canonical,
        url_key=urls.url_key(canonical),
        title=clean_text(extracted.title or ""),
        lead=_optional(extracted.lead),
        blocks=blocks,
        authors=clean_authors(extracted.authors),
        published=dates["published"],
        modified=dates["modified"],
        language=detect_language(body, extracted.language),
        site_name=_optional(extracted.site_name),
        section=_optional(extracted.section),
        tags=_tags(extracted.tags),
        images=_images(extracted.images, page_url),
        word_count=count_words(body),
        reading_time=reading_minutes(body, words_per_minute=options.words_per_minute),
        fetched_at=_as_utc(page.fetched_at),
        content_hash=content_hash(body),
        fingerprint=fingerprint(body),
        source=page.source,
        strategy=extracted.strategy,
        provenance=dict(extracted.provenance),
        dropped=tuple(dropped),
        page_blocks=extracted.page_blocks,
    )
