"""Site-aware chrome learning on the parser's side: fingerprints, removal and its safety."""

from __future__ import annotations

from ingest import extract
from ingest.extract.profile import BlockStat, HostProfile, block_fingerprint, is_chrome
from ingest.model import Extracted
from support.pages import STOCK_LINE, story_page


def learnt_from(pages: list[str]) -> HostProfile:
    """Count blocks as the store does: every block seen on every page is chrome."""
    counts: dict[str, int] = {}
    for html in pages:
        result = extract(
            html, "https://news.example.com/a", profile=HostProfile("h", 0, frozenset())
        )
        assert isinstance(result, Extracted)
        for block in result.page_blocks:
            counts[block.fingerprint] = counts.get(block.fingerprint, 0) + 1
    chrome = frozenset(fp for fp, n in counts.items() if n == len(pages))
    return HostProfile("news.example.com", len(pages), chrome)


def test_without_a_profile_the_widget_leaks_and_no_blocks_are_computed() -> None:
    result = extract(story_page(1), "https://news.example.com/a")
    assert isinstance(result, Extracted)
    assert "weekly digest" in result.body
    assert result.page_blocks == ()


def test_learnt_chrome_is_removed_and_the_article_kept() -> None:
    profile = learnt_from([story_page(i) for i in range(2, 6)])
    result = extract(story_page(1), "https://news.example.com/a", profile=profile)
    assert isinstance(result, Extracted)
    assert "weekly digest" not in result.body and "Don't miss" not in result.body
    assert len(result.blocks) == 6
    assert all(f"raised point {i} in" in result.body for i in range(6))


def test_a_repeated_stock_line_inside_the_body_flow_is_kept() -> None:
    profile = learnt_from([story_page(i, stock_line=True) for i in range(2, 6)])
    assert block_fingerprint("p", STOCK_LINE) in profile.chrome
    result = extract(story_page(1, stock_line=True), "https://news.example.com/a", profile=profile)
    assert isinstance(result, Extracted)
    assert STOCK_LINE in result.body
    assert "weekly digest" not in result.body


def test_a_copy_of_a_learnt_page_keeps_its_paragraphs() -> None:
    profile = learnt_from([story_page(1)] * 4)  # as if one story had been counted four times
    result = extract(story_page(1), "https://news.example.com/a", profile=profile)
    assert isinstance(result, Extracted)
    assert all(f"raised point {i} in" in result.body for i in range(6))


def test_fingerprints_fold_digits_and_whitespace() -> None:
    assert block_fingerprint("a", "12 comments") == block_fingerprint("a", " 3  Comments")
    assert block_fingerprint("p", "12 comments") != block_fingerprint("a", "12 comments")


def test_chrome_needs_enough_pages_and_share() -> None:
    assert not is_chrome(BlockStat(2, 1, 2), min_pages=3, min_share=0.2)
    assert is_chrome(BlockStat(3, 10, 12), min_pages=3, min_share=0.2)  # new, seen each page
    assert not is_chrome(BlockStat(3, 1, 100), min_pages=3, min_share=0.2)  # rare
