"""``extract`` is safe on any input: it never raises and its output stays bounded."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import MAX_CHARS, extract
from ingest.model import Block, Extracted, NotArticle

ARTICLE = (
    "<html><head><title>Title</title></head><body><article><h1>Title</h1>"
    + "".join(
        f"<p>Paragraph {i} has enough words to count as running article text here.</p>"
        for i in range(12)
    )
    + "</article></body></html>"
)
_TAG_NAMES = "p div article a h2 li ul br span script table td figure figcaption nav blockquote pre"
_TAGS = st.sampled_from(_TAG_NAMES.split())


def _check(result: Extracted | NotArticle) -> None:
    assert isinstance(result, Extracted | NotArticle)
    if isinstance(result, Extracted):
        assert all(isinstance(b, Block) and b.text for b in result.blocks)
        assert all("<" not in b.text or ">" not in b.text or b.kind == "pre" for b in result.blocks)
    else:
        assert result.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    _check(extract(data))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=4000), st.one_of(st.none(), st.text(max_size=200)))
def test_random_text_and_urls_never_raise(text: str, url: str | None) -> None:
    _check(extract(text, url))


@st.composite
def _markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        tag = draw(_TAGS)
        attrs = draw(st.sampled_from(["", ' class="share"', ' class="article-body"', ' id="x"']))
        text = draw(st.text(max_size=80))
        closing = draw(st.booleans())
        parts.append(f"<{tag}{attrs}>{text}" + (f"</{tag}>" if closing else ""))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(_markup())
def test_random_markup_never_raises(html: str) -> None:
    _check(extract(html, "https://example.com/2024/01/02/story"))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet='"\\<>/pu003cx ,:{}[]', max_size=3000))
def test_random_script_text_never_raises(code: str) -> None:
    _check(extract(f"<html><body><p>Short.</p><script>{code}</script></body></html>"))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(ARTICLE)))
def test_truncated_pages_never_raise(cut: int) -> None:
    _check(extract(ARTICLE[:cut]))
    _check(extract(ARTICLE.encode()[:cut]))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 1000,
        b"\xff\xfe\x00\x00garbage",
        "<p>caf\udce9</p>",  # lone surrogate
        "<html><body>\x00\x01\x02<p>text</p></body></html>",
        b"<html><meta charset='no-such-charset'><p>\xe9t\xe9</p></html>",
        b"<html><meta charset='windows-1252'><p>" + "é".encode("cp1252") * 50 + b"</p></html>",
        b"\xef\xbb\xbf<html><body><p>bom</p></body></html>",
        "<script>" * 5000,
        '<script type="application/ld+json">' + "[" * 5000 + "</script>",
        "<" * 100_000,
        # Escaped quotes and tags in a script, never closed: the search of the scripts for
        # article HTML reads each character once (it was quadratic here).
        '<p>Short.</p><script>"' + '\\"\\\\\\"<p>' * 300_000 + "</script>",
        "<p>Short.</p><script>" + '"\\u003cp\\u003e' * 200_000 + "</script>",
        # No metadata: the byline and date searches after the headline, and the comment-head
        # scan of the blocks, meet endless lines that almost qualify.
        "<h1>The harbour reopens after repairs</h1>" + "<span>By </span><span>x</span>" * 50_000,
        "<h1>The harbour reopens after repairs</h1>"
        + "<p>Jane says:</p><p>Updated 3.4.2024</p>" * 20_000,
        "<div>" * 5_000 + "<h1>The <span>harbour</span> reopens</h1>" + "<p>By</p>" * 5_000,
    ],
)
def test_hostile_inputs_never_raise(data: str | bytes) -> None:
    _check(extract(data, "http://[::1"))


def test_ten_thousand_levels_of_nesting() -> None:
    html = "<div class='share'>" * 10_000 + ARTICLE + "</div>" * 10_000
    result = extract(html)
    _check(result)
    assert isinstance(result, Extracted)
    assert len(result.blocks) == 12


def test_deep_inline_nesting() -> None:
    html = "<body>" + "<span><b>" * 5_000 + "deep text" + "</b></span>" * 5_000 + "</body>"
    _check(extract(html))


def test_twenty_megabyte_page_is_cut_and_memory_bounded() -> None:
    paragraph = "<p>" + "word " * 200 + "</p>"
    html = "<html><body><article>" + paragraph * (20_000_000 // len(paragraph)) + "</article>"
    assert len(html) > 2 * MAX_CHARS
    tracemalloc.start()
    try:
        result = extract(html)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, Extracted)
    # Only the first MAX_CHARS are parsed, so the text out is bounded by the text in.
    assert len(result.body) <= MAX_CHARS
    assert peak < 40 * MAX_CHARS


def test_extraction_is_deterministic() -> None:
    assert extract(ARTICLE, "https://example.com/a") == extract(ARTICLE, "https://example.com/a")
