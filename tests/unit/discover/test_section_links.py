from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.discover.links import SectionLinks, section_links
from ingest.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discover" / "links"
HOME = "https://www.dailyexample.com/"
SECTION = "https://www.dailyexample.com/world/"


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def home() -> SectionLinks:
    return section_links(load("home.html"), HOME)


@pytest.fixture(scope="module")
def section() -> SectionLinks:
    return section_links(load("section.html"), SECTION)


def page(body: str) -> str:
    return f"<html><body><main>{body}</main></body></html>"


# ---- home page fixture ----------------------------------------------------------------------


def test_home_articles(home: SectionLinks) -> None:
    assert [link.url for link in home.articles] == [
        "https://www.dailyexample.com/world/2024/03/05/ministers-sign-climate-pact/",
        "https://dailyexample.com/business/markets-rally-as-chipmakers-beat-forecasts-a1234567",
        "https://www.dailyexample.com/politics/article/20240304-election-night-what-we-learned.html",
        "https://www.dailyexample.com/sport/987654321",
        "https://m.dailyexample.com/culture/review-the-new-opera-season-opens-with-a-bang",
        "https://www.dailyexample.com/opinion/why-city-needs-more-trams",
    ]
    assert {link.source_kind for link in home.articles} == {"section"}


def test_home_article_titles_use_longest_anchor_text(home: SectionLinks) -> None:
    titles = {link.url: link.title for link in home.articles}
    assert (
        titles[home.articles[0].url] == "Ministers agree and sign landmark climate pact in Geneva"
    )
    assert titles["https://www.dailyexample.com/opinion/why-city-needs-more-trams"] == (
        "Why our city needs more trams"
    )


def test_home_published_from_card_time(home: SectionLinks) -> None:
    assert home.articles[0].published == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert home.articles[1].published is None


def test_home_listings(home: SectionLinks) -> None:
    assert home.listings == [
        "https://www.dailyexample.com/world/",
        "https://www.dailyexample.com/politics/",
        "https://www.dailyexample.com/business/",
        "https://www.dailyexample.com/sport/",
        "https://www.dailyexample.com/culture/",
        "https://www.dailyexample.com/opinion/",
        "https://www.dailyexample.com/category/environment/",
        "https://www.dailyexample.com/topics/climate-crisis",
        "https://www.dailyexample.com/video/",
    ]


def test_home_excludes_chrome_other_sites_and_non_pages(home: SectionLinks) -> None:
    found = [link.url for link in home.articles] + home.listings
    for fragment in (
        "nav-pinned-story",  # in <nav>
        "sidebar-most-read",  # in <aside>
        "othernews.example.org",  # other site
        "shop.dailyexample.com",  # other subdomain
        "subscribe.",
        ".pdf",
        "/tag/",
        "/authors/",
        "/search",
        "/account/",
        "/about-us",
        "/contact",
        "privacy",
        "/feed/",
        "sitemap.xml",
        "twitter.com",
        "utm_",
        "#",
    ):
        assert not any(fragment in url for url in found), fragment


# ---- section page fixture -------------------------------------------------------------------


def test_section_articles_resolved_against_base_href(section: SectionLinks) -> None:
    assert section.articles[0].title == "Flooding hits coastal towns as thousands are evacuated"
    assert [link.url for link in section.articles] == [
        "https://www.dailyexample.com/world/2024/03/05/flooding-coastal-towns/",
        "https://www.dailyexample.com/world/2024/03/04/talks-resume-in-vienna",
        "https://www.dailyexample.com/world/europe/2024/03/04/rail-strike-called-off?ref=section",
        "https://www.dailyexample.com/world/asia/news-12345678",
    ]
    assert section.articles[0].published == datetime(2024, 3, 5, 7, 5, tzinfo=UTC)


def test_section_listings_include_subsections_and_pagination(section: SectionLinks) -> None:
    assert section.listings == [
        "https://www.dailyexample.com/",
        "https://www.dailyexample.com/politics/",
        "https://www.dailyexample.com/world/europe/",
        "https://www.dailyexample.com/world/asia/",
        "https://www.dailyexample.com/world/live/",
        "https://www.dailyexample.com/world/?page=1",
        "https://www.dailyexample.com/world/?page=2",
        "https://www.dailyexample.com/world/page/3/",
    ]


def test_section_excludes_print_comments_author_tag_login(section: SectionLinks) -> None:
    found = [link.url for link in section.articles] + section.listings
    assert not any(u.endswith("/print") for u in found)
    assert not any(x in u for u in found for x in ("/author/", "/tags/", "/login", "/feed/"))


# ---- focused cases --------------------------------------------------------------------------

BASE = "https://news.example.com/"


@pytest.mark.parametrize(
    "href",
    [
        "/2024/03/05/short",
        "/world/20240305-story",
        "/politics/a-long-enough-article-slug-here",
        "/sport/story/1234567",
        "/?p=4821",
        "/read.php?id=99812",
    ],
)
def test_article_shapes(href: str) -> None:
    found = section_links(page(f'<a href="{href}">A headline of several words</a>'), BASE)
    assert len(found.articles) == 1, href


@pytest.mark.parametrize(
    "href",
    [
        "/world/",
        "/about",
        "/tag/climate-change-and-the-future",
        "/author/jane-doe-the-reporter",
        "/img/2024/03/05/photo.jpg",
        "/search?q=climate+change+news+today",
        "/2024/03/05/story?replytocom=12",
        "mailto:a@b.c",
        "javascript:void(0)",
        "#top",
        "https://elsewhere.example.org/2024/03/05/story",
    ],
)
def test_not_articles(href: str) -> None:
    found = section_links(page(f'<a href="{href}">A headline of several words</a>'), BASE)
    assert found.articles == [], href


def test_short_slug_with_short_text_is_not_an_article() -> None:
    found = section_links(page('<a href="/news/budget-day">Budget</a>'), BASE)
    assert found.articles == []


def test_article_header_is_not_chrome() -> None:
    html = (
        "<html><body><header><a href='/2024/01/01/in-page-header'>Top story of the day</a>"
        "</header><article><header><h2><a href='/2024/01/02/headline-in-article-header'>"
        "Headline in the article header</a></h2></header></article></body></html>"
    )
    found = section_links(html, BASE)
    assert [link.url for link in found.articles] == [
        "https://news.example.com/2024/01/02/headline-in-article-header"
    ]


@pytest.mark.parametrize(
    "wrapper",
    [
        '<div class="site-nav">{}</div>',
        '<div id="footer">{}</div>',
        '<div role="navigation">{}</div>',
        '<ul class="menu">{}</ul>',
        '<div class="breadcrumbs">{}</div>',
    ],
)
def test_chrome_containers_yield_no_articles(wrapper: str) -> None:
    link = '<a href="/2024/03/05/a-real-looking-story">A real looking story headline</a>'
    html = f"<html><body>{wrapper.format(link)}</body></html>"
    assert section_links(html, BASE).articles == []


def test_wrapper_named_like_chrome_around_main_is_not_chrome() -> None:
    html = (
        "<html><body><div class='page with-sidebar'><main>"
        "<a href='/2024/03/05/story-in-main'>A story in the main column</a>"
        "</main><div class='sidebar'><a href='/2024/03/05/story-in-sidebar'>A sidebar story"
        "</a></div></div></body></html>"
    )
    found = section_links(html, BASE)
    assert [link.url for link in found.articles] == [
        "https://news.example.com/2024/03/05/story-in-main"
    ]


def test_allow_overrides_heuristics_even_in_chrome() -> None:
    html = "<html><body><nav><a href='/live/x'>Live</a></nav></body></html>"
    found = section_links(html, BASE, allow=[r"/live/"])
    assert [link.url for link in found.articles] == ["https://news.example.com/live/x"]


def test_deny_overrides_heuristics_and_allow() -> None:
    html = page(
        '<a href="/2024/03/05/sponsored-content-from-a-partner">Sponsored content headline</a>'
        '<a href="/2024/03/05/real-news-story">Real news story headline</a>'
        '<a href="/sponsored/">Sponsored</a>'
    )
    found = section_links(html, BASE, allow=[r"/2024/"], deny=[r"sponsored"])
    assert [link.url for link in found.articles] == [
        "https://news.example.com/2024/03/05/real-news-story"
    ]
    assert found.listings == []


def test_allow_does_not_admit_other_sites() -> None:
    html = page('<a href="https://other.example.org/2024/x">Other site story headline</a>')
    assert section_links(html, BASE, allow=[r".*"]).articles == []


def test_invalid_pattern_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        section_links("<a href='/x'>x</a>", BASE, deny=["(unclosed"])


def test_repeated_link_once_with_best_title() -> None:
    html = page(
        '<a href="/2024/03/05/story"><img src="/i.jpg" alt="Photo"></a>'
        '<a href="/2024/03/05/story#comments">12</a>'
        '<a href="/2024/03/05/story?utm_source=x">The full headline of the story</a>'
    )
    found = section_links(html, BASE)
    assert [(link.url, link.title) for link in found.articles] == [
        ("https://news.example.com/2024/03/05/story", "The full headline of the story")
    ]


def test_title_prefers_heading_and_drops_kickers_and_times() -> None:
    html = page(
        '<a href="/2024/01/01/storm"><span class="label">Live</span>'
        "<h3>Live: big <em>storm</em> hits coast</h3><time>2h</time></a>"
        '<a href="/2024/01/02/trams"><span class="kicker kicker--red">Opinion</span> Why trams'
        ' matter <span class="timestamp">1h</span></a>'
        '<a href="/2024/01/03/labelled"><span class="labelled">Labelled</span> story text</a>'
    )
    assert [link.title for link in section_links(html, BASE).articles] == [
        "Live: big storm hits coast",
        "Why trams matter",
        "Labelled story text",
    ]


def test_image_only_link_uses_alt_text() -> None:
    html = page('<a href="/2024/03/05/story"><img src="/i.jpg" alt="Flood waters rise"></a>')
    assert section_links(html, BASE).articles[0].title == "Flood waters rise"


def test_pagination_query_is_a_listing() -> None:
    html = page('<a href="/world/?page=3">3</a><a href="/world/?page=next">next</a>')
    assert section_links(html, BASE).listings == ["https://news.example.com/world/?page=3"]


def test_page_itself_is_neither() -> None:
    found = section_links(page('<a href="./">World</a>'), "https://news.example.com/world/")
    assert found == SectionLinks()


def test_empty_and_broken_html() -> None:
    assert section_links("", BASE) == SectionLinks()
    assert section_links("<a href='/2024/03/05/x-y-z'>Unclosed <b>markup", BASE).articles
