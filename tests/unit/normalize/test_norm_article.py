from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ingest.dedup.keys import content_hash, fingerprint
from ingest.errors import ConfigError
from ingest.model import Block, Extracted, Image, Page
from ingest.normalize.article import (
    NormalizeOptions,
    count_words,
    normalize_article,
    reading_minutes,
)
from ingest.normalize.urls import url_key

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)

BODY_EN = (
    "The city council voted on Tuesday to approve a new budget for public transport, including "
    "more frequent buses and a second tram line that will connect the harbour with the campus."
)


def page(**kw: object) -> Page:
    base = Page(
        url="https://example.com/news/story?utm_source=rss",
        final_url="https://www.example.com/news/story?utm_source=rss",
        status=200,
        headers={},
        body=b"<html></html>",
        fetched_at=datetime(2024, 6, 1, 14, 0),
        source="example",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def extracted(**kw: object) -> Extracted:
    base = Extracted(
        title=" Council&nbsp;approves budget ",
        blocks=(
            Block("h", " Why\u00a0it matters ", level=2),
            Block("p", BODY_EN + "\u200b"),
            Block("p", "   "),
            Block("li", "Buses &amp; trams"),
        ),
        lead=" Lead\u00ad text ",
        authors=("By Jane Doe", "jane doe", "Staff"),
        published=datetime(2024, 5, 3, 10, 0),
        modified=datetime(2030, 1, 1, tzinfo=UTC),
        language="en-GB",
        canonical_url="/news/story",
        site_name=" Example ",
        section="",
        tags=("Transport", "transport", " "),
        images=(Image("/img/a.jpg", caption=" A tram "), Image("/img/a.jpg")),
        strategy="json-ld",
        provenance={"title": "meta"},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_normalize_article_fields() -> None:
    art = normalize_article(
        extracted(), page(), now=NOW, options=NormalizeOptions(default_tz="Europe/Berlin")
    )
    assert art.title == "Council approves budget"
    assert art.lead == "Lead text"
    assert art.blocks == (
        Block("h", "Why it matters", level=2),
        Block("p", BODY_EN),
        Block("li", "Buses & trams"),
    )
    assert art.authors == ("Jane Doe",)
    assert art.published == datetime(2024, 5, 3, 8, 0, tzinfo=UTC)
    assert art.modified is None
    assert art.dropped == ("modified:future",)
    assert art.language == "en"
    assert art.canonical_url.startswith("https://") and "utm_source" not in art.canonical_url
    assert art.canonical_url.endswith("/news/story")
    assert art.url_key == url_key(art.canonical_url)
    assert art.url == "https://example.com/news/story?utm_source=rss"
    assert art.site_name == "Example"
    assert art.section is None
    assert art.tags == ("Transport",)
    assert len(art.images) == 1 and art.images[0].caption == "A tram"
    assert art.images[0].url.endswith("/img/a.jpg") and art.images[0].url.startswith("https://")
    assert art.fetched_at == datetime(2024, 6, 1, 14, 0, tzinfo=UTC)
    assert art.content_hash == content_hash(art.body)
    assert art.fingerprint == fingerprint(art.body)
    assert art.source == "example"
    assert art.strategy == "json-ld"
    assert art.provenance == {"title": "meta"}
    assert art.word_count == count_words(art.body) == 3 + 31 + 2  # "&" is not a word
    assert art.reading_time == 1


def test_missing_title_is_empty_string_and_deterministic() -> None:
    ex = extracted(title=None)
    a = normalize_article(ex, page(), now=NOW)
    b = normalize_article(ex, page(), now=NOW)
    assert a.title == ""
    assert a == b


def test_old_date_is_dropped_with_reason() -> None:
    art = normalize_article(
        extracted(published=datetime(1970, 1, 2), modified=None), page(), now=NOW
    )
    assert art.published is None
    assert art.dropped == ("published:before_1990",)


def test_foreign_canonical_is_ignored() -> None:
    art = normalize_article(extracted(canonical_url="https://other.org/x"), page(), now=NOW)
    assert "other.org" not in art.canonical_url


def test_unknown_zone_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        normalize_article(
            extracted(), page(), now=NOW, options=NormalizeOptions(default_tz="Nowhere/Land")
        )


def test_word_count_and_reading_time() -> None:
    assert count_words("one two  three\n\nfour – five") == 5
    assert count_words("東京都は新しい計画") == 9
    assert count_words("Tokyo 東京") == 3
    assert reading_minutes("word " * 10) == 1
    assert reading_minutes("word " * 2300) == 10
    assert reading_minutes("word " * 2300, words_per_minute=460) == 5
    assert reading_minutes("") == 1


def test_future_tolerance_option() -> None:
    ex = extracted(published=NOW + timedelta(hours=3), modified=None)
    kept = normalize_article(ex, page(), now=NOW)
    strict = normalize_article(
        ex, page(), now=NOW, options=NormalizeOptions(future_tolerance=timedelta(hours=1))
    )
    assert kept.published == NOW + timedelta(hours=3)
    assert strict.published is None and strict.dropped == ("published:future",)
