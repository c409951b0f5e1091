"""The page-level checks read a sample of the page's text: as much of it as they need."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

import ingest  # noqa: F401  (loads ingest.extract.page)
from ingest.extract.classify import TEXT_READ

page = sys.modules["ingest.extract.page"]

_WORDS = st.lists(
    st.tuples(
        st.text(alphabet="abcé字", min_size=1, max_size=12),
        st.text(alphabet=" \n\t\u00a0", min_size=1, max_size=40),
    ),
    max_size=4000,
)


@given(_WORDS)
def test_the_sample_is_the_collapsed_text_or_enough_of_it(parts: list[tuple[str, str]]) -> None:
    text = "".join(word + space for word, space in parts)
    full = " ".join(text[:40_000].split())
    sample = page._page_text(text)
    assert full.startswith(sample)
    assert sample == full or len(sample) >= TEXT_READ


def test_a_page_of_short_words_and_long_gaps_is_read_far_enough() -> None:
    text = "".join(f"w{n % 10}" + " " * 30 for n in range(5_000))
    assert page._page_text(text) == " ".join(text[:40_000].split())


@given(
    st.binary(max_size=20_000).map(lambda b: bytes(c & 0x7F for c in b)),
    st.one_of(st.none(), st.integers(min_value=0x80, max_value=0xFF)),
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=20_000),
)
def test_the_first_non_ascii_byte_is_found_wherever_it_lies(
    ascii_bytes: bytes, high: int | None, at: int, start: int
) -> None:
    data = ascii_bytes if high is None else ascii_bytes[:at] + bytes([high]) + ascii_bytes[at:]
    expected = next((i for i in range(start, len(data)) if data[i] > 0x7F), -1)
    assert page._first_non_ascii(data, start) == expected


def test_a_legacy_encoding_after_a_long_ascii_head_is_not_taken_for_utf8() -> None:
    head = b"<html><body>" + b"<!-- padding -->" * 8_000  # well past the sniffed head
    latin = head + "<p>Café crème</p>".encode("cp1252") + b"</body></html>"
    utf8 = head + "<p>Café crème</p>".encode() + b"</body></html>"
    assert page._utf8_head(latin) is None
    assert page._utf8_head(utf8) is not None
