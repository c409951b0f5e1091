"""Article pages of one imaginary site whose "Don't miss" widget no generic rule knows."""

from __future__ import annotations

from support.articles import story_text

WIDGET = (
    "<div class='sbx'><b>Don't miss</b><div class='sbx-i'>Our weekly digest, every Friday"
    "</div></div>"
)
STOCK_LINE = "The port authority did not reply to a request for comment."
PLACES = ["Leeds", "Porto", "Graz", "Lyon", "Turin", "Cork", "Bergen", "Split", "Aarhus"]


def story_page(story: int, *, stock_line: bool = False) -> str:
    """Story ``story``: six paragraphs of its own (distinct stories share no phrasing, so they
    are not near-duplicates) with the widget in the middle."""
    place = PLACES[story % len(PLACES)]
    paragraphs = [
        f"<p>{text} It was raised point {i} in {place}.</p>"
        for i, text in enumerate(story_text(story, paragraphs=6))
    ]
    if stock_line:
        paragraphs.insert(3, f"<p>{STOCK_LINE}</p>")
    return (
        f"<html><head><title>Story {story}</title></head><body><article><h1>Story {story} in "
        f"{place}</h1>"
        + "".join(paragraphs[:3])
        + WIDGET
        + "".join(paragraphs[3:])
        + "</article></body></html>"
    )
