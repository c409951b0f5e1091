"""The seed page: a WordPress-like news page whose article is wrapped in site chrome."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from ingest.extract import extract
from ingest.model import Extracted

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed"
EXPECTED = json.loads((SEED / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def article() -> Extracted:
    result = extract((SEED / "seed.html").read_bytes(), EXPECTED["url"])
    assert isinstance(result, Extracted), result
    return result


def test_seed_matches_golden_article(article: Extracted) -> None:
    assert article.title == EXPECTED["title"]
    assert article.lead == EXPECTED["lead"]
    got = [{"kind": b.kind, "text": b.text, "level": b.level} for b in article.blocks]
    assert got == EXPECTED["blocks"]
    assert list(article.authors) == EXPECTED["authors"]
    assert article.published == datetime.fromisoformat(EXPECTED["published"])
    assert article.modified == datetime.fromisoformat(EXPECTED["modified"])
    assert article.language == EXPECTED["language"]
    assert article.canonical_url == EXPECTED["canonical_url"]
    assert article.site_name == EXPECTED["site_name"]
    assert article.section == EXPECTED["section"]
    images = [{"url": i.url, "caption": i.caption, "credit": i.credit} for i in article.images]
    assert images == EXPECTED["images"]
    for name, source in EXPECTED["provenance"].items():
        assert article.provenance[name] == source


def test_seed_body_runs_from_first_to_last_paragraph(article: Extracted) -> None:
    assert article.blocks[0].text.startswith("A telematic meeting")
    assert article.blocks[-1].text.endswith("Blinken added.")
    assert article.title == "Putin meets with other leaders who have troops in Kazakhstan"
    assert article.lead is not None and article.lead.startswith("The authorities admit")


def test_seed_keeps_both_subheadings_as_headings(article: Extracted) -> None:
    headings = [(b.text, b.level) for b in article.blocks if b.kind == "h"]
    assert headings == [("More dismissals", 2), ("Refusal of the order to shoot", 2)]


@pytest.mark.parametrize(
    "chrome",
    [
        "Friday, April 19, 2024",  # header date widget
        "Home",  # breadcrumbs
        "Russian troops go to the city",  # caption
        "afp",
        "Former head of the Kazakh secret services",  # inline teaser
        "Recent posts",
        "Morocco and Spain reopen borders",
        "Share on",
        "All rights reserved",
        "The authorities admit",  # the lead is not repeated as the first block
    ],
)
def test_seed_body_has_no_chrome(article: Extracted, chrome: str) -> None:
    assert chrome not in article.body


def test_seed_title_appears_once_and_not_in_body(article: Extracted) -> None:
    assert article.title is not None
    assert article.title not in article.body


def test_seed_caption_goes_with_the_image(article: Extracted) -> None:
    image = article.images[0]
    assert image.caption == "Russian troops go to the city of Almatí."
    assert image.credit == "afp"


def test_seed_publish_date_comes_from_metadata_not_the_header_widget(article: Extracted) -> None:
    assert article.published is not None
    assert article.published.date().isoformat() == "2022-01-10"
    assert article.provenance["published"] in {"json-ld", "meta"}
