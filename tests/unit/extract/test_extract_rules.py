"""Per-site rules: loading, host matching, applying, and checking a rule file against a page."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.extract import extract
from ingest.extract.rules import RuleSet, SiteRules, check_rules, load_rule_file, load_rules
from ingest.model import Extracted

ROOT = Path(__file__).resolve().parents[3]
RULES_DIR = ROOT / "config" / "sites"
PAGE = ROOT / "tests" / "fixtures" / "sites" / "example.html"
EXPECTED = json.loads((PAGE.parent / "example.expected.json").read_text(encoding="utf-8"))


def test_every_shipped_rule_file_loads() -> None:
    ruleset = load_rules(RULES_DIR)
    assert ruleset.rules
    assert all(rule.hosts for rule in ruleset.rules)


def test_example_rules_give_the_expected_article() -> None:
    rules = load_rules(RULES_DIR).for_url(EXPECTED["url"])
    assert rules is not None
    result = extract(PAGE.read_bytes(), EXPECTED["url"], rules=rules)
    assert isinstance(result, Extracted)
    assert result.title == EXPECTED["title"]
    assert list(result.authors) == EXPECTED["authors"]
    assert result.published == datetime.fromisoformat(EXPECTED["published"])
    assert result.strategy == EXPECTED["strategy"] == "rules"
    blocks = [{"kind": b.kind, "text": b.text, "level": b.level} for b in result.blocks]
    assert blocks == EXPECTED["blocks"]
    assert result.provenance["title"] == "rules"
    assert "morning briefing" not in result.body


def test_generic_path_does_not_need_the_rules() -> None:
    result = extract(PAGE.read_bytes(), EXPECTED["url"])
    assert isinstance(result, Extracted)
    assert result.strategy != "rules"
    assert result.blocks[0].text == EXPECTED["blocks"][0]["text"]
    assert result.blocks[-1].text == EXPECTED["blocks"][-1]["text"]


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        ("https://news.example.com/a", True),
        ("https://www.news.example.com/a", True),
        ("https://sub.example-news.test/a", True),
        ("https://example-news.test/a", True),
        ("https://example.com/a", False),
        ("https://evilexample-news.test/a", False),
        ("not a url", False),
        (None, False),
    ],
)
def test_rules_are_matched_by_host(url: str | None, matches: bool) -> None:
    ruleset = RuleSet((SiteRules(hosts=("news.example.com", "*.example-news.test")),))
    assert (ruleset.for_url(url) is not None) is matches


def test_check_rules_reports_selector_matches(tmp_path: Path) -> None:
    report = check_rules(RULES_DIR / "example.yaml", PAGE, EXPECTED["url"])
    assert report.ok, report.problems
    assert report.host_matches is True
    counts = {(c.field, c.selector): c.matches for c in report.selectors}
    assert counts[("authors", ".story-byline .name")] == 2
    assert counts[("body", "div.story-text")] == 1
    assert isinstance(report.result, Extracted)


def test_check_rules_flags_selectors_that_match_nothing(tmp_path: Path) -> None:
    rule = tmp_path / "broken.yaml"
    rule.write_text("hosts: [other.example]\nbody: ['div.missing']\ntitle: 'h1.nope'\n")
    report = check_rules(rule, PAGE, EXPECTED["url"])
    assert not report.ok
    assert report.host_matches is False
    assert any("div.missing" in p for p in report.problems)
    assert any("h1.nope" in p for p in report.problems)


@pytest.mark.parametrize(
    "text",
    [
        "just a string",
        "body: ['div']\n",  # no hosts
        "hosts: []\n",
        "hosts: [a.example]\nbody: 3\n",
        "hosts: [a.example]\nunknown_key: x\n",
        "hosts: [a.example]\nbody: ['div[']\n",  # invalid selector
        "hosts: [a.example\n",  # invalid YAML
    ],
)
def test_invalid_rule_files_raise_config_error(tmp_path: Path, text: str) -> None:
    rule = tmp_path / "bad.yaml"
    rule.write_text(text)
    with pytest.raises(ConfigError):
        load_rule_file(rule)


def test_missing_rules_directory_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_rules(tmp_path / "missing")


def test_rule_selectors_matching_one_element_twice_take_it_once() -> None:
    def paragraphs(first: int) -> str:
        return "".join(
            f"<p>Paragraph {n} of the story, long enough to be kept as running text.</p>"
            for n in range(first, first + 4)
        )

    html = (
        "<html><head><title>Story</title></head><body>"
        f"<article id='story' class='story'>{paragraphs(1)}<h2>Background</h2>{paragraphs(5)}"
        "<div class='promo' id='promo'>Buy the paper</div></article></body></html>"
    )
    rules = SiteRules(
        hosts=("news.example.com",),
        body=("article", "#story", ".story"),
        remove=(".promo", "#promo"),
    )
    result = extract(html, "https://news.example.com/a", rules=rules)
    assert isinstance(result, Extracted)
    texts = [b.text for b in result.blocks]
    assert texts.count("Background") == 1
    assert texts[0].startswith("Paragraph 1 ")
    assert "Buy the paper" not in result.body
