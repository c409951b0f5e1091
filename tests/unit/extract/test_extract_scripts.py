"""Pages rendered by their scripts: the article HTML found inside script string literals."""

from __future__ import annotations

import json

from ingest.extract import extract
from ingest.extract.scripts import script_html
from ingest.model import Extracted, NotArticle

PARAS = [
    f"Paragraph {i} of the story tells what the council decided on day {i}, after "
    f"{i + 3} months of talks between residents, officials and the contractors involved."
    for i in range(6)
]
ARTICLE = "".join(f"<p>{p}</p>" for p in PARAS)


def _page(script: str, body: str = "<div id='root'></div>") -> str:
    head = "<title>Council decides - Daily Test</title>"
    return f"<html><head>{head}</head><body>{body}<script>{script}</script></body></html>"


def _next_stream(html: str) -> str:
    """A Next.js-style stream: a JSON document (with the HTML in it) inside a JS string."""
    document = json.dumps({"article": {"title": "Council decides", "content": html}})
    return f"self.__next_f.push([1,{json.dumps(document)}])"


def test_article_html_escaped_twice_in_a_stream_is_found() -> None:
    html = "<div class='ad'>$$ARTICLEAD$$</div>" + ARTICLE
    assert script_html(_page(_next_stream(html))) == html


def test_article_html_in_a_state_object_is_found() -> None:
    state = json.dumps({"page": {"body": ARTICLE, "teaser": "<p>Short.</p>"}})
    assert script_html(_page(f"window.__STATE__ = {state};")) == ARTICLE


def test_scripts_without_article_html_give_nothing() -> None:
    few = json.dumps({"body": "<p>One.</p><p>Two.</p>"})  # fewer than three paragraphs
    assert script_html(_page(f"var x = {few};")) is None
    ld = json.dumps({"@type": "NewsArticle", "articleBody": ARTICLE})
    page = f"<html><body><script type='application/ld+json'>{ld}</script></body></html>"
    assert script_html(page) is None  # JSON-LD has its own path
    assert script_html(_page('var broken = "\\u003cp\\u003e' + "x" * 400)) is None


def test_a_page_rendered_by_its_scripts_is_extracted_not_judged_empty() -> None:
    html = "<p>$$ARTICLEAD$$</p>" + ARTICLE
    result = extract(_page(_next_stream(html)), "https://daily.test/news/council")
    assert isinstance(result, Extracted), result
    assert result.strategy == "script"
    assert [b.text for b in result.blocks] == PARAS  # the template marker is not text
    assert result.title == "Council decides"


def test_a_page_with_its_article_in_the_markup_does_not_use_the_scripts() -> None:
    other = "".join(f"<p>{p.replace('council', 'script')}</p>" for p in PARAS)
    result = extract(_page(_next_stream(other), body=f"<article>{ARTICLE}</article>"))
    assert isinstance(result, Extracted)
    assert result.strategy != "script"
    assert [b.text for b in result.blocks] == PARAS


def test_an_empty_page_stays_empty_when_its_scripts_hold_no_article() -> None:
    result = extract(_page('var config = {"debug": false};'))
    assert isinstance(result, NotArticle)
    assert result.reason == "empty"
