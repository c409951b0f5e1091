"""Pages that are not articles become a typed ``NotArticle`` with its reason."""

from __future__ import annotations

import pytest

from ingest.extract import extract
from ingest.model import Extracted, NotArticle

LISTING = (
    "<html><head><title>World news</title>"
    "<meta property='og:type' content='website'></head><body>"
    + "".join(
        f"<div class='card'><h3><a href='/world/{i}'>Headline number {i} about events</a></h3>"
        f"<p>Short teaser {i}.</p></div>"
        for i in range(20)
    )
    + "</body></html>"
)
CONSENT = (
    "<html><head><title>Before you continue</title></head><body><div class='wall'>"
    "<h1>We value your privacy</h1><p>We and our partners use cookies to store and access "
    "personal data on your device. You can accept or manage your choices.</p>"
    "<button>Accept all</button><button>Manage options</button></div></body></html>"
)
CAPTCHA = (
    "<html><head><title>Just a moment...</title></head><body><p>Checking your browser before "
    "accessing the site. Please verify you are human.</p></body></html>"
)
BLOCKED = (
    "<html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>You have been "
    "blocked from this site.</p></body></html>"
)
ERROR = (
    "<html><head><title>Page not found | Example Times</title></head><body><h1>404</h1>"
    "<p>Sorry, the page you were looking for does not exist.</p><ul><li><a href='/'>Home</a></li>"
    "</ul></body></html>"
)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("<html><body></body></html>", "empty"),
        (LISTING, "listing"),
        (CONSENT, "consent_wall"),
        (CAPTCHA, "captcha"),
        (BLOCKED, "blocked"),
        (ERROR, "error_page"),
        ("<html><body><p>Too short to be news.</p></body></html>", "too_short"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "not_html"),
    ],
)
def test_not_an_article(html: str | bytes, reason: str) -> None:
    result = extract(html, "https://example.com/page")
    assert isinstance(result, NotArticle), result
    assert result.reason == reason


def test_a_short_real_article_is_still_an_article() -> None:
    html = (
        "<html><head><title>Council approves budget</title></head><body><article>"
        "<h1>Council approves budget</h1><p>The city council approved next year's budget on "
        "Monday by a vote of nine to four, after a debate that lasted more than five hours and "
        "ended shortly before midnight.</p><p>The plan raises spending on schools and public "
        "transport and freezes property taxes for a second year in a row.</p>"
        "</article></body></html>"
    )
    result = extract(html, "https://example.com/news/budget")
    assert isinstance(result, Extracted), result
    assert len(result.blocks) == 2
