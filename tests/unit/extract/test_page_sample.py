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
