"""The demo site's pages that are not articles: home, listings, errors, static and private pages.

Every function returns a complete HTML document as ``str``; the site encodes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ingest.demo.stories import SITE_NAME, WIRE, StoryRef
from ingest.demo.templates.common import esc, recent_list, section_nav, widget_date
from ingest.demo.vocab import SECTIONS

__all__ = [
    "ERROR_PATHS",
    "SOFT_404_PATH",
    "STATIC_PAGES",
    "error_page",
    "home_page",
    "listing_page",
    "private_page",
    "static_page",
]

#: A page linked from the home page that answers 200 with a "Page not found" template.
SOFT_404_PATH = "/archive/2019/03/old-story-removed"
#: Linked from the home page; every one of them answers 404.
ERROR_PATHS: tuple[str, ...] = ("/broken",)
STATIC_PAGES: dict[str, tuple[str, str]] = {
    "/about": (
        "About us",
        "The Meridian Ledger is an independent newsroom. This demo site is generated.",
    ),
    "/contact": ("Contact", "Write to the newsroom at the address in the footer."),
    "/privacy": ("Privacy policy", "We keep server logs for thirty days."),
}


def _page(title: str, today: date, main: str, *, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} RSS" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" title="{SITE_NAME} Atom" href="/atom.xml">
{head}
</head>
<body>
<header class="site-header"><span class="today-date">{widget_date(today)}</span>
<a class="logo" href="/">{SITE_NAME}</a><nav>{section_nav()}</nav></header>
<main>
{main}
</main>
<footer><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/privacy">Privacy policy</a></li><li><a href="/feed.xml">RSS</a></li></ul>
<p>&copy; {today.year} {SITE_NAME}</p></footer>
</body>
</html>
"""


def _teasers(refs: Sequence[StoryRef]) -> str:
    return "\n".join(
        f'<div class="teaser"><h3><a href="{esc(r.path)}">{esc(r.title)}</a></h3>'
        f'<time datetime="{r.published.isoformat()}">{r.published:%d %b %Y}</time>'
        f'<span class="section">{esc(r.section.title())}</span></div>'
        for r in refs
    )


def home_page(latest: Sequence[StoryRef], today: date) -> str:
    """Links to every section, the wire, the feeds, the latest stories and the odd pages."""
    sections = "".join(
        f'<li><a href="/section/{s}">{s.title()}</a></li>' for s in (*SECTIONS, WIRE)
    )
    odd = (
        f'<li><a href="{SOFT_404_PATH}">From the archive: an old story</a></li>'
        + "".join(f'<li><a href="{p}">Special report</a></li>' for p in ERROR_PATHS)
        + '<li><a href="/private/drafts/next-week">Staff drafts</a></li>'
    )
    main = (
        f'<h1 class="visually-hidden">{SITE_NAME}</h1>'
        f'<section class="latest"><h2>Latest news</h2>{_teasers(latest)}</section>'
        f'<section class="sections"><h2>Sections</h2><ul>{sections}</ul></section>'
        f'<section class="more"><h2>More</h2><ul>{odd}</ul></section>'
    )
    return _page(f"{SITE_NAME} - News", today, main)


def listing_page(
    title: str, path: str, refs: Sequence[StoryRef], *, page: int, pages: int, today: date
) -> str:
    """One page of a section or tag listing, with ``rel=prev``/``rel=next`` pagination."""
    nav: list[str] = []
    head: list[str] = []
    if page > 1:
        prev = path if page == 2 else f"{path}?page={page - 1}"
        nav.append(f'<a class="prev" href="{prev}">Newer stories</a>')
        head.append(f'<link rel="prev" href="{prev}">')
    if page < pages:
        nav.append(f'<a class="next" href="{path}?page={page + 1}">Older stories</a>')
        head.append(f'<link rel="next" href="{path}?page={page + 1}">')
    main = (
        f'<h1 class="section-title">{esc(title)}</h1>'
        f'<div class="listing">{_teasers(refs)}</div>'
        f'<nav class="pagination">{"".join(nav)} <span>Page {page} of {pages}</span></nav>'
    )
    return _page(f"{title} - {SITE_NAME}", today, main, head="\n".join(head))


def error_page(today: date, recent: Sequence[StoryRef]) -> str:
    """The "Page not found" template (served with 404, and with 200 as a soft 404)."""
    main = (
        '<div class="error-404"><h1>Page not found</h1><p>Sorry, the page you are looking for '
        "does not exist or has been moved. Try the search or one of the stories below.</p>"
        '<form action="/search"><input name="q"></form>'
        f"<h2>Most read</h2><ul>{recent_list(recent)}</ul></div>"
    )
    return _page(f"Page not found - {SITE_NAME}", today, main)


def static_page(path: str, today: date) -> str:
    title, text = STATIC_PAGES[path]
    main = f'<div class="static"><h1>{esc(title)}</h1><p>{esc(text)}</p></div>'
    return _page(f"{title} - {SITE_NAME}", today, main)


def private_page(path: str, today: date) -> str:
    """A staff-only draft under ``/private/`` (disallowed by robots.txt)."""
    main = (
        '<article class="draft"><h1>Draft: embargoed until next week</h1>'
        f"<p>This draft at {esc(path)} must not be crawled. Robots.txt disallows it, so a "
        "polite crawler never requests it; the request log shows whether one did.</p></article>"
    )
    return _page(f"Draft - {SITE_NAME}", today, main, head='<meta name="robots" content="noindex">')
