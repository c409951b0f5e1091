from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.discover.base import Link
from ingest.discover.feeds import find_feed_links, parse_feed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discover" / "feeds"
BASE = "https://www.dailyexample.com/world/feed/"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_url(links: list[Link]) -> dict[str, Link]:
    return {link.url: link for link in links}


# ---- RSS 2.0 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rss2() -> list[Link]:
    return parse_feed(load("rss2_news.xml"), BASE)


def test_rss2_fixture_starts_with_bom_and_whitespace() -> None:
    assert load("rss2_news.xml").startswith(b"\xef\xbb\xbf  \n<?xml")


def test_rss2_urls_in_document_order_canonical_and_deduplicated(rss2: list[Link]) -> None:
    assert [link.url for link in rss2] == [
        "https://www.dailyexample.com/world/2024/03/05/ministers-sign-climate-pact/",
        "https://www.dailyexample.com/world/2024/03/05/flooding-coastal-towns/",
        "https://www.dailyexample.com/culture/2024/03/04/obituary-creator",
        "https://www.dailyexample.com/politics/live/election-results",
        "https://www.dailyexample.com/business/2024/03/05/markets-rally",
        "https://dailyexample.com/world/2024/03/05/ministers-sign-climate-pact/",
        "https://www.dailyexample.com/world/2024/03/05/bad-date",
    ]


def test_rss2_all_links_are_feed_kind(rss2: list[Link]) -> None:
    assert {link.source_kind for link in rss2} == {"feed"}


def test_rss2_cdata_title_with_markup_becomes_plain_text(rss2: list[Link]) -> None:
    assert rss2[0].title == "Ministers agree & sign climate pact"


def test_rss2_html_entities_in_title_are_decoded(rss2: list[Link]) -> None:
    assert rss2[1].title == "Flooding hits coastal towns – thousands evacuated"
    assert rss2[2].title == "Tom & Jerry’s creator dies at 95"


def test_rss2_bare_ampersand_in_title_is_tolerated(rss2: list[Link]) -> None:
    assert rss2[4].title == "Markets rally as AT&T beats forecasts"


def test_rss2_pubdate_rfc822_is_aware(rss2: list[Link]) -> None:
    assert rss2[0].published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert rss2[1].published == datetime(2024, 3, 5, 7, 5, tzinfo=UTC)


def test_rss2_named_zone_and_lowercase_tag(rss2: list[Link]) -> None:
    assert rss2[4].published == datetime(2024, 3, 5, 6, 0, tzinfo=timezone(timedelta(hours=-5)))


def test_rss2_dc_date_iso(rss2: list[Link]) -> None:
    assert rss2[2].published == datetime(2024, 3, 4, 21, 15, tzinfo=UTC)


def test_rss2_missing_or_bad_dates_are_none(rss2: list[Link]) -> None:
    links = by_url(rss2)
    assert links["https://www.dailyexample.com/politics/live/election-results"].published is None
    assert links["https://www.dailyexample.com/world/2024/03/05/bad-date"].published is None


def test_rss2_tracking_parameters_removed(rss2: list[Link]) -> None:
    assert all("utm_" not in link.url for link in rss2)


def test_rss2_content_elements_do_not_leak_links(rss2: list[Link]) -> None:
    assert not any(link.url.endswith(("/other", "/bogus")) for link in rss2)


def test_rss2_relative_link_resolved_against_feed_url(rss2: list[Link]) -> None:
    assert rss2[1].url.startswith("https://www.dailyexample.com/world/2024/")


def test_rss2_permalink_guid_used_when_no_link(rss2: list[Link]) -> None:
    assert rss2[2].url == "https://www.dailyexample.com/culture/2024/03/04/obituary-creator"


def test_rss2_non_permalink_guid_is_not_used() -> None:
    body = (
        "<rss><channel><item><title>x</title>"
        "<guid isPermaLink='false'>https://e.com/?p=1</guid></item></channel></rss>"
    )
    assert parse_feed(body, "https://e.com/feed") == []


# ---- broken XML -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken() -> list[Link]:
    return parse_feed(load("rss2_broken.xml"), "http://gazette.example.org/feed")


def test_broken_rss_is_recovered_by_the_scanner(broken: list[Link]) -> None:
    assert [link.url for link in broken] == [
        "http://gazette.example.org/news/council-approves-budget-2024",
        "http://gazette.example.org/news/school-reopens?amp=1&id=77",
        "http://gazette.example.org/news/police-appeal",
    ]


def test_broken_rss_keeps_dates_and_titles(broken: list[Link]) -> None:
    assert broken[0].published == datetime(2024, 3, 4, 17, 0, tzinfo=UTC)
    assert broken[0].title == "Council approves budget"
    assert broken[1].title == 'School "reopens" after <repairs>'
    assert broken[1].published is None  # unclosed <pubDate>
    assert broken[2].title == "Police appeal for witnesses é"


def test_unparseable_input_yields_nothing() -> None:
    assert parse_feed(b"", BASE) == []
    assert parse_feed(b"\x00\xff\x00garbage", BASE) == []
    assert parse_feed("<html><body><p>Not a feed</p></body></html>", BASE) == []
    assert parse_feed("{not json", BASE) == []
    assert parse_feed('{"items": "nope"}', BASE) == []


# ---- RSS 0.91, RSS 1.0, Atom, FeedBurner ------------------------------------------------------


def test_rss091_with_doctype_and_latin1() -> None:
    links = parse_feed(load("rss091.xml"), "http://oldtimes.example.net/rss")
    assert [(link.url, link.title) for link in links] == [
        ("http://oldtimes.example.net/stories/cafe-culture.html", "Café culture returns"),
        ("http://oldtimes.example.net/stories/second.html", "Été à Paris"),
    ]


def test_rss1_rdf_items_with_dc_date_and_rdf_about() -> None:
    links = parse_feed(load("rss1_rdf.xml"), "https://science.example.jp/rss")
    assert [link.url for link in links] == [
        "https://science.example.jp/articles/2024/0305-comet.html",
        "https://science.example.jp/articles/2024/0304-quantum.html",
    ]
    assert links[0].published == datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    assert links[1].published == datetime(2024, 3, 4, tzinfo=UTC)


@pytest.fixture(scope="module")
def atom() -> list[Link]:
    return parse_feed(load("atom.xml"), "https://blog.example.com/atom.xml")


def test_atom_alternate_link_with_xml_base(atom: list[Link]) -> None:
    assert [link.url for link in atom] == [
        "https://blog.example.com/posts/scaling-async-crawlers",
        "https://blog.example.com/posts/only-updated",
        "https://blog.example.com/posts/id-permalink",
    ]


def test_atom_published_and_updated(atom: list[Link]) -> None:
    assert atom[0].published == datetime(2024, 3, 5, 8, 30, 0, 123456, tzinfo=UTC)
    assert atom[0].lastmod == datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
    assert atom[1].published is None
    assert atom[1].lastmod == datetime(2024, 3, 1, 13, 0, tzinfo=UTC)


def test_atom_html_title_is_plain_text(atom: list[Link]) -> None:
    assert atom[0].title == "Scaling async crawlers"


def test_feedburner_original_link_wins() -> None:
    links = parse_feed(load("feedburner.xml"), "https://feeds.feedburner.com/techwire")
    assert [link.url for link in links] == [
        "https://techwire.example.com/2024/03/06/chipmaker-new-processor"
    ]
    assert links[0].published == datetime(2024, 3, 6, 22, 22, tzinfo=UTC)


def test_mixed_case_tags() -> None:
    body = (
        "<RSS><Channel><Item><Title>Hi</Title><Link>https://e.com/a</Link></Item></Channel></RSS>"
    )
    assert parse_feed(body, "https://e.com/") == [Link(url="https://e.com/a", title="Hi")]


# ---- safety ---------------------------------------------------------------------------------


def test_billion_laughs_is_not_expanded() -> None:
    links = parse_feed(load("billion_laughs.xml"), "https://evil.example.com/feed")
    assert [link.url for link in links] == [
        "https://evil.example.com/a",
        "https://evil.example.com/b",
    ]
    assert all(link.title is None or len(link.title) < 20 for link in links)
    assert all("root:" not in (link.title or "") for link in links)


def test_non_http_item_links_are_dropped() -> None:
    body = (
        "<rss><channel>"
        "<item><link>javascript:alert(1)</link></item>"
        "<item><link>mailto:desk@e.com</link></item>"
        "<item><link>https://e.com/ok</link></item>"
        "</channel></rss>"
    )
    assert [link.url for link in parse_feed(body, "https://e.com/")] == ["https://e.com/ok"]


# ---- JSON Feed ------------------------------------------------------------------------------


def test_json_feed_items() -> None:
    links = parse_feed(load("feed.json"), "https://jsonnews.example.com/feed.json")
    assert [link.url for link in links] == [
        "https://jsonnews.example.com/2024/03/05/budget-explained",
        "https://jsonnews.example.com/2024/03/04/id-only",
        "https://jsonnews.example.com/2024/03/03/relative-item",
    ]
    assert links[0].title == "Budget explained & what it means"
    assert links[0].published == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
    assert links[0].lastmod == datetime(2024, 3, 5, 17, 0, tzinfo=UTC)
    assert links[2].published is None


def test_json_feed_from_str_with_bom() -> None:
    body = "\ufeff" + json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "items": [{"id": "1", "url": "https://e.com/x", "title": "X"}],
        }
    )
    assert parse_feed(body, "https://e.com/feed.json") == [Link(url="https://e.com/x", title="X")]


# ---- autodiscovery --------------------------------------------------------------------------


def test_find_feed_links_in_home_page() -> None:
    html = (FIXTURES / "home.html").read_text(encoding="utf-8")
    assert find_feed_links(html, "https://www.dailyexample.com/") == [
        "https://www.dailyexample.com/feed/",
        "https://www.dailyexample.com/world/atom.xml",
        "https://www.dailyexample.com/feed.json",
        "https://feeds.feedburner.com/dailyexample",
        "https://www.dailyexample.com/rss",
        "https://feeds.feedburner.com/dailyexample-sport",
        "https://www.dailyexample.com/feeds/politics.xml",
    ]


def test_find_feed_links_ignores_non_feed_alternates_and_other_sites() -> None:
    html = (
        '<link rel="alternate" hreflang="de" href="/de/">'
        '<link rel="alternate" type="application/json" href="/oembed">'
        '<a href="https://partner.example.org/feed">partner</a>'
        '<a href="/about/feedback">feedback</a>'
    )
    assert find_feed_links(html, "https://e.com/") == []


def test_find_feed_links_empty_page() -> None:
    assert find_feed_links("", "https://e.com/") == []


# ---- real-world encoding and character problems ---------------------------------------------


def test_latin1_label_is_read_as_windows_1252() -> None:
    body = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item>'
        b"<title>It\x92s \x93quoted\x94 \x96 caf\xe9</title><link>https://e.com/a</link>"
        b"</item></channel></rss>"
    )
    (link,) = parse_feed(body, "https://e.com/feed")
    assert link.title == "It’s “quoted” – café"


def test_control_characters_do_not_break_parsing() -> None:
    body = (
        "<rss><channel><item><title>Form\x0cfeed \x1b[0mtitle</title>"
        "<link>https://e.com/a</link><pubDate>Tue, 05 Mar 2024 08:30:00 +0000</pubDate>"
        "</item></channel></rss>"
    )
    (link,) = parse_feed(body, "https://e.com/feed")
    assert link.title == "Formfeed [0mtitle"
    assert link.published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)


def test_atom_source_element_does_not_supply_the_link() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Copied</title>'
        '<source><id>https://origin.example/feed</id><link rel="alternate" '
        'href="https://origin.example/"/></source>'
        '<link rel="alternate" href="https://planet.example/copied-entry"/></entry></feed>'
    )
    assert [link.url for link in parse_feed(body, "https://planet.example/atom")] == [
        "https://planet.example/copied-entry"
    ]


def test_undefined_entity_in_text_is_kept_literally() -> None:
    body = "<rss><channel><item><title>A &bogus; B</title><link>https://e.com/a</link></item></channel></rss>"
    (link,) = parse_feed(body, "https://e.com/feed")
    assert link.title == "A &bogus; B"
