from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.model import Block
from ingest.normalize.text import clean_blocks, clean_body, clean_text


def test_entities_are_decoded() -> None:
    assert clean_text("Tom &amp; Jerry &quot;live&quot; &#8211; &eacute;t&eacute;") == (
        'Tom & Jerry "live" – été'
    )


def test_double_encoded_entity_is_decoded() -> None:
    assert clean_text("It&amp;#8217;s") == "It’s"


def test_nfc() -> None:
    assert clean_text("Cafe\u0301") == "Caf\u00e9"


def test_spaces_and_invisible_characters() -> None:
    raw = "\ufeff  Hello\u00a0\u00a0world\u200b,\u202fnext\tline\r\nend \u2028 x\x07y  "
    assert clean_text(raw) == "Hello world, next line end x y"


def test_soft_hyphens_removed_words_untouched() -> None:
    assert clean_text("Donau\u00addampf\u00adschiff") == "Donaudampfschiff"
    assert clean_text("co-operate e-mail") == "co-operate e-mail"


def test_bidi_marks_removed() -> None:
    assert clean_text("\u200fשלום\u200e world\u2066x\u2069") == "שלום worldx"


def test_joiners_kept() -> None:
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"


def test_clean_body_keeps_paragraphs() -> None:
    assert clean_body("  one\n two \n\n\n three&nbsp;\r\n\r\n\u200b\n\nfour") == (
        "one two\n\nthree\n\nfour"
    )


def test_clean_blocks_drops_empty_keeps_kinds_and_levels() -> None:
    blocks = (
        Block("h", " Title\u00a0 ", level=2),
        Block("p", "\u200b \u00ad "),
        Block("li", "item &amp; more"),
        Block("quote", "said"),
        Block("pre", "  def f():\r\n      return 1   \n"),
    )
    assert clean_blocks(blocks) == (
        Block("h", "Title", level=2),
        Block("li", "item & more"),
        Block("quote", "said"),
        Block("pre", "  def f():\n      return 1"),
    )


def test_paragraph_block_with_blank_lines_is_split() -> None:
    assert clean_blocks((Block("p", "first\n\nsecond"),)) == (
        Block("p", "first"),
        Block("p", "second"),
    )


@given(st.text())
def test_clean_text_is_idempotent_and_single_line(s: str) -> None:
    once = clean_text(s)
    assert clean_text(once) == once
    assert "\n" not in once
    assert once == once.strip()
    assert "\u00ad" not in once and "\u200b" not in once
