"""Metadata fields: authors, dates (metadata, <time>, URL), titles, language, bytes decoding."""

from __future__ import annotations

from datetime import datetime

import pytest

from ingest.extract import extract
from ingest.extract.dates import date_from_url, parse_any_date
from ingest.extract.decode import decode_html
from ingest.extract.people import clean_authors
from ingest.extract.titles import clean_title
from ingest.model import Extracted

BODY = "".join(
    f"<p>Paragraph {i} of the story, long enough to be running text, with a comma, and more.</p>"
    for i in range(8)
)


def _extracted(html: str | bytes, url: str | None = None) -> Extracted:
    """The article ``extract`` makes of ``html`` (the test fails when it makes none)."""
    result = extract(html, url)
    assert isinstance(result, Extracted), result
    return result


def _page(head: str = "", before: str = "", url_body: str = BODY) -> str:
    return f"<html><head>{head}</head><body>{before}<article>{url_body}</article></body></html>"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By John Smith and Jane Doe"], ("John Smith", "Jane Doe")),
        (["Por Ana García y Luis Pérez"], ("Ana García", "Luis Pérez")),
        (["Von Anna Müller | 03.05.2024"], ("Anna Müller",)),
        (["Staff"], ()),
        (["jane@example.com"], ()),
        (["John Smith", "john smith"], ("John Smith",)),
        (["di Mario Rossi"], ("Mario Rossi",)),
        (["신현주 기자"], ("신현주",)),
        (["Guide to authors", "Autoren bei t-online"], ()),
        (["山田太郎記者"], ("山田太郎",)),
    ],
)
def test_clean_authors(raw: list[str], expected: tuple[str, ...]) -> None:
    assert clean_authors(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-03T15:47:42+02:00", "2024-05-03"),
        ("Fri, 03 May 2024 10:00:00 GMT", "2024-05-03"),
        ("03.05.2024 14:30", "2024-05-03"),
        ("3. Mai 2024", "2024-05-03"),
        ("May 3, 2024 at 5:30 pm", "2024-05-03"),
        ("3 de mayo de 2024", "2024-05-03"),
        ("2024年5月3日", "2024-05-03"),
        ("yesterday", None),
    ],
)
def test_parse_any_date(text: str, expected: str | None) -> None:
    parsed = parse_any_date(text)
    assert (parsed.date().isoformat() if parsed else None) == expected


def test_date_from_url() -> None:
    assert date_from_url("https://x.test/2024/05/03/story") == datetime(2024, 5, 3)
    assert date_from_url("https://x.test/news/20240503/story") == datetime(2024, 5, 3)
    assert date_from_url("https://x.test/news/story-12345") is None


def test_title_loses_site_suffix() -> None:
    assert clean_title("Big news | Example Times", site_name="Example Times") == "Big news"
    assert (
        clean_title("Brexit: what next? - BBC News", site_name="BBC News") == "Brexit: what next?"
    )
    assert clean_title("« Quoted » headline", site_name="X") == "« Quoted » headline"
    # Korean titles separate the site with the letter ㅣ, and use · inside the headline.
    korean = clean_title("여야 합의 ·예산 통과ㅣ한국일보", site_name="한국일보")
    assert korean == "여야 합의 ·예산 통과"


@pytest.mark.parametrize(
    ("head", "h1", "expected"),
    [
        # Without metadata, a first h1 that is a section banner yields to the <title>...
        ("<title>Babies Who Eat Peanuts Early - Health News</title>", "Allergies Center",
         "Babies Who Eat Peanuts Early"),
        # ...while an h1 that the <title> repeats (with the site name) is the headline.
        ("<title>Storm hits coast | Health News</title>", "Storm hits coast", "Storm hits coast"),
        ("<title>Health News</title>", "Storm hits coast", "Storm hits coast"),
        ("", "Storm hits coast", "Storm hits coast"),
    ],
)  # fmt: skip
def test_dom_title_prefers_the_title_tag_over_an_unrelated_h1(
    head: str, h1: str, expected: str
) -> None:
    result = _extracted(_page(head=head, before=f"<h1>{h1}</h1>"), "https://health-news.test/a")
    assert result.title == expected
    assert result.provenance["title"] == "dom"


def test_header_date_widget_is_never_the_publish_date() -> None:
    widget = (
        "<header><div class='today'><time datetime='2030-01-01'>Jan 1, 2030</time></div></header>"
    )
    result = _extracted(_page(before=widget), "https://x.test/2024/05/03/story")
    assert result.published == datetime(2024, 5, 3)
    assert result.provenance["published"] == "url"


def test_time_in_article_is_used_with_dom_provenance() -> None:
    body = "<time datetime='2023-02-01T10:00:00Z'>1 Feb</time>" + BODY
    result = _extracted(_page(url_body=body), "https://x.test/story")
    assert result.published is not None and result.published.date().isoformat() == "2023-02-01"
    assert result.provenance["published"] == "dom"


def test_language_and_authors_from_meta() -> None:
    head = "<meta name='author' content='By Anna Schmidt and Ben Okafor'><title>T</title>"
    result = _extracted(f"<html lang='de-AT'>{_page(head=head)[6:]}", "https://x.test/s")
    assert result.language == "de"
    assert result.authors == ("Anna Schmidt", "Ben Okafor")
    assert result.provenance["authors"] == "meta"


def test_br_separated_text_without_semantic_tags_comes_out_whole() -> None:
    lines = "<br><br>".join(
        f"Line {i} of an old-style page, with commas, and words." for i in range(10)
    )
    result = _extracted(f"<html><body><div><font>{lines}</font></div></body></html>")
    assert [b.text for b in result.blocks] == [
        f"Line {i} of an old-style page, with commas, and words." for i in range(10)
    ]


def test_body_split_across_containers_is_joined() -> None:
    parts = [
        f"<p>Running text {i} of the split article, with commas, clauses, and many words.</p>"
        for i in range(8)
    ]
    html = (
        "<html><body><article><div class='body-part'>" + "".join(parts[:4]) + "</div>"
        "<div class='ad-slot'>Advertisement</div><div class='body-part'>"
        + "".join(parts[4:])
        + "</div></article></body></html>"
    )
    result = _extracted(html)
    assert len(result.blocks) == 8
    assert "Advertisement" not in result.body


def test_related_block_inside_article_is_removed() -> None:
    related = "<h3>Lesen Sie auch</h3><ul><li><a href='/a'>Anderer Artikel</a></li></ul>"
    result = _extracted(_page(url_body=BODY[:400] + related + BODY[400:]))
    assert "Lesen Sie auch" not in result.body
    assert "Anderer Artikel" not in result.body


def test_meta_charset_is_used_for_bytes() -> None:
    data = b"<html><head><meta charset='windows-1252'></head><body><p>caf\xe9</p></body></html>"
    assert "café" in decode_html(data)


def _legacy_page(padding: int) -> str:
    """An article in Western European text, its first accented letter ``padding`` characters in."""
    filler = "<!-- " + "x" * padding + " -->"
    para = "".join(
        f"<p>Le café du coin a rouvert ses portes après des mois de travaux, et le quartier "
        f"s'en réjouit ; la {n}e semaine, les habitués sont revenus très nombreux.</p>"
        for n in range(2, 8)
    )
    return (
        "<html><head><meta charset='windows-1252'><title>Un bistrot rouvre</title></head><body>"
        f"{filler}<article><h1>Un bistrot rouvre</h1>{para}</article></body></html>"
    )


@pytest.mark.parametrize("padding", [0, 40_000, 300_000])
def test_legacy_encoded_bytes_are_decoded_by_their_charset(padding: int) -> None:
    result = _extracted(_legacy_page(padding).encode("cp1252"))
    assert "Le café du coin a rouvert ses portes après des mois" in result.body
    assert "\ufffd" not in result.body


@pytest.mark.parametrize("padding", [0, 40_000, 300_000])
def test_utf8_bytes_are_read_as_utf8_whatever_the_declared_charset(padding: int) -> None:
    result = _extracted(_legacy_page(padding).encode("utf-8"))
    assert "Le café du coin a rouvert ses portes après des mois" in result.body


@pytest.mark.parametrize(
    "head",
    [
        "<meta name='twitter:label1' content='Written by'>"
        "<meta name='twitter:data1' content='Dieter Kuckelkorn'>",
        "<meta name='twitter:label2' content='Geschrieben von'>"
        "<meta name='twitter:data2' content='Dieter Kuckelkorn'>",
        "<meta name='twitter:misc:Written by' content='Dieter Kuckelkorn'>",
    ],
)
def test_author_of_the_seo_reading_card_when_the_author_tag_is_an_address(head: str) -> None:
    author = "<meta name='author' content='d.kuckelkorn@example.test'>"
    result = _extracted(_page(head=author + head), "https://x.test/s")
    assert result.authors == ("Dieter Kuckelkorn",)
    assert result.provenance["authors"] == "meta"


@pytest.mark.parametrize(
    ("head", "before", "expected", "source"),
    [
        ("<meta property='article:published:time' content='2024-10-23T15:48:15+00:00'>", "",
         "2024-10-23", "meta"),
        ("<script type='application/ld+json'>{\"@type\": \"ClaimReview\", "
         "\"datePublished\": \"2026-05-13 15:44\"}</script>", "", "2026-05-13", "json-ld"),
        ("", "<ul><li><strong>Datum</strong> 28.04.2023</li></ul>", "2023-04-28", "dom"),
        ("", "<dl><dt>Published</dt><dd>3 May 2024</dd></dl>", "2024-05-03", "dom"),
    ],
)  # fmt: skip
def test_publish_date_sources(head: str, before: str, expected: str, source: str) -> None:
    result = _extracted(_page(head=head, before=before), "https://x.test/story")
    assert result.published is not None and result.published.date().isoformat() == expected
    assert result.provenance["published"] == source


def test_a_labelled_date_in_the_site_header_is_not_the_publish_date() -> None:
    widget = "<header><span>Datum</span> 29.11.2026</header>"
    result = _extracted(_page(before=widget), "https://x.test/story")
    assert result.published is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<div><span>By </span><span>Jane Doe</span> <span>March 11, 2015 3:46 PM</span></div>",
         ("Jane Doe",)),
        ("<div class=c1f>Do 25.04.24 | 14:07 Uhr | Von Eva Muster</div>", ("Eva Muster",)),
        ("<p class=c2a>von <b>Anna Weber</b>, Radio Nord</p>", ("Anna Weber",)),
        ("<p class=c2a>By Tom Reed and Ana Ruiz | Updated 2 hours ago</p>",
         ("Tom Reed", "Ana Ruiz")),
    ],
)  # fmt: skip
def test_a_byline_written_as_words_by_the_headline(byline: str, expected: tuple[str, ...]) -> None:
    # Hashed class names and no author link: the "By" word next to the headline is the clue.
    html = (
        f"<html><body><div class=c9><h1>The harbour reopens</h1>{byline}{BODY}</div></body></html>"
    )
    result = _extracted(html)
    assert result.authors == expected
    assert result.provenance["authors"] == "dom"


@pytest.mark.parametrize(
    "line",
    [
        "<p>Von der Leyen says the budget will pass.</p>",  # a name, not a byline word
        "<p>By Monday the harbour had reopened to ferries from the islands, officials said on "
        "the quay, after months of repairs.</p>",  # a sentence, not a byline
    ],
)
def test_a_sentence_opening_with_a_byline_word_names_no_author(line: str) -> None:
    html = f"<html><body><div><h1>The harbour reopens</h1>{line}{BODY}</div></body></html>"
    result = _extracted(html)
    assert result.authors == ()


def test_a_date_line_between_headline_and_story() -> None:
    # No meta tag, no <time>, no date in the URL: the short line under the headline has it,
    # and an "Updated" line before it is not the publication date.
    html = (
        "<html><body><div><h1>The harbour reopens</h1><div>Updated June 2, 2015</div>"
        "<div><span>By Jane Doe</span> <span>March 11, 2015 3:46 PM</span></div>"
        f"{BODY}</div></body></html>"
    )
    result = _extracted(html, url="https://news.example/harbour-reopens")
    assert result.published == datetime(2015, 3, 11, 15, 46)
    assert result.provenance["published"] == "dom"


def test_a_date_inside_the_story_is_not_its_publication_date() -> None:
    story = (
        "<p>On March 11, 2015 the harbour closed for repairs, and the council, residents and "
        "contractors argued for months about the cost, the schedule and who would pay for the "
        "new quay before the work could start.</p>"
    )
    html = f"<html><body><div><h1>The harbour reopens</h1>{story}{BODY}</div></body></html>"
    result = _extracted(html, url="https://news.example/harbour-reopens")
    assert result.published is None


@pytest.mark.parametrize(
    ("h1", "expected"),
    [
        ("<span>Breakpoint</span><span>: Hilfe, die Fundis kommen!</span>",
         "Breakpoint: Hilfe, die Fundis kommen!"),
        ("<span>Kicker</span> <span>The harbour reopens</span>", "Kicker The harbour reopens"),
        ("<span>Ukraine</span><span>Talks resume</span>", "Ukraine Talks resume"),
        ("Kicker<br>The harbour reopens", "Kicker The harbour reopens"),
    ],
)  # fmt: skip
def test_a_headline_of_spans_reads_as_shown(h1: str, expected: str) -> None:
    # No metadata: the title is the h1's text, its inline pieces joined as a browser shows them.
    result = _extracted(f"<html><body><article><h1>{h1}</h1>{BODY}</article></body></html>")
    assert result.title == expected


def test_a_time_in_the_article_header_is_the_date_a_site_header_widget_is_not() -> None:
    # The article's own <header> (inside <article>) holds no h1 here: its <time> still counts;
    # the site's header, outside the article, shows today's date.
    html = (
        "<html><body><header><time datetime='2026-11-29'>Sunday</time></header><main><article>"
        "<h2>The harbour reopens</h2><header><div><time datetime='2023-04-28T20:15:23'>"
        f"28.04.2023</time></div></header>{BODY}</article></main></body></html>"
    )
    result = _extracted(html, url="https://news.example/harbour-reopens")
    assert result.published == datetime(2023, 4, 28, 20, 15, 23)


def test_without_metadata_a_headline_h1_beats_a_differently_worded_title_tag() -> None:
    html = (
        "<html><head><title>Harbour reopening: what it means for ferries | Port News</title>"
        "</head><body><article><h1>The harbour reopens after two years of repairs</h1>"
        f"{BODY}</article></body></html>"
    )
    result = _extracted(html, url="https://portnews.example/harbour")
    assert result.title == "The harbour reopens after two years of repairs"


def test_the_byline_by_the_headline_beats_an_author_link_in_a_teaser_far_away() -> None:
    # The author link (a stronger kind of byline) is in a teaser at the foot of the page; the
    # byline by the headline is only a class name: being next to the headline wins.
    teaser = (
        "<div>" * 7
        + "<h3>Another story</h3><a rel='author' href='/authors/sara'>Sara Lindsay</a>"
        + "</div>" * 7
    )
    html = (
        "<html><body><div><div><h1>The harbour reopens</h1><p class='byline'>Greg Iacurci</p>"
        f"{BODY}</div></div>{teaser}</body></html>"
    )
    result = _extracted(html)
    assert result.authors == ("Greg Iacurci",)


def test_an_author_card_laid_out_as_a_figure_names_the_author() -> None:
    # A portrait and the name in an <address>, inside a <figure>: the author's card; a photo
    # credit in a figure's caption names nobody.
    html = (
        "<html><body><article><h1>The harbour reopens</h1><figure><img src='/p.jpg' alt=''>"
        "<figcaption><address><a rel='author' href='/autoren/vivien'>Vivien Valentiner</a>"
        "</address></figcaption></figure><figure><img src='/h.jpg' alt=''><figcaption>"
        f"<a rel='author' href='/fotografen/max'>Max Muster</a></figcaption></figure>{BODY}"
        "</article></body></html>"
    )
    result = _extracted(html)
    assert result.authors == ("Vivien Valentiner",)


def test_a_byline_in_the_story_meta_column_names_the_author() -> None:
    # An <aside> inside the article holding only the date and the byline is the story's own.
    html = (
        "<html><body><article><h1>The harbour reopens</h1><div class='article__body'>"
        "<aside class='article__aside'><div class='meta__date'>05.06.2025 um 14:46</div>"
        "<div class='author__item'><span>von<br><span class='author__name'>Anne Muster</span>"
        f"</span></div></aside>{BODY}</div></article></body></html>"
    )
    result = _extracted(html)
    assert result.authors == ("Anne Muster",)


def test_a_sidebar_of_teasers_inside_the_article_names_no_author() -> None:
    teasers = "".join(
        f"<h3><a href='/s/{i}'>Another story number {i}</a></h3>"
        f"<span class='author__name'>Sara Lindsay</span>"
        for i in range(3)
    )
    html = (
        "<html><body><article><h1>The harbour reopens</h1>"
        f"{BODY}<aside class='more'>{teasers}</aside></article></body></html>"
    )
    result = _extracted(html)
    assert result.authors == ()
