"""Machine-readable pages of the demo site: RSS, Atom, sitemaps and robots.txt.

All URLs in feeds and sitemaps are absolute (``base_url + path``); with an empty ``base_url``
they are root-relative, which is only useful for unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from ingest.demo.stories import REFERENCE_DATE, SITE_NAME, DemoStory, StoryRef

__all__ = [
    "atom_feed",
    "news_sitemap",
    "robots_txt",
    "rss_feed",
    "sitemap_index",
    "urlset",
]

_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _w3c(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def rss_feed(stories: Sequence[DemoStory], base_url: str, *, tracking: str = "") -> str:
    """RSS 2.0 with one item per story (newest first). ``tracking`` (e.g. ``?utm_source=rss``)
    is appended to each ``<link>``, as feed services do; the ``<guid>`` stays clean."""
    items = "".join(
        f"<item><title>{_x(s.title)}</title><link>{_x(base_url + s.path + tracking)}</link>"
        f'<guid isPermaLink="true">{_x(base_url + s.path)}</guid>'
        f"<pubDate>{format_datetime(s.published)}</pubDate>"
        f"<description>{_x(s.lead)}</description>"
        f"<category>{_x(s.section.title())}</category>"
        + "".join(f"<dc:creator>{_x(a)}</dc:creator>" for a in s.authors)
        + "</item>\n"
        for s in stories
    )
    return (
        f'{_XML}<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>'
        f"<title>{_x(SITE_NAME)}</title><link>{_x(base_url)}/</link>"
        f"<description>Latest news from {_x(SITE_NAME)}</description><language>en</language>"
        f'<atom:link href="{_x(base_url)}/feed.xml" rel="self" type="application/rss+xml"/>'
        f"<lastBuildDate>{format_datetime(REFERENCE_DATE)}</lastBuildDate>\n"
        f"{items}</channel>\n</rss>\n"
    )


def atom_feed(stories: Sequence[DemoStory], base_url: str) -> str:
    """Atom 1.0 with one entry per story (newest first)."""
    entries = "".join(
        f'<entry><title>{_x(s.title)}</title><link rel="alternate" href="{_x(base_url + s.path)}"/>'
        f"<id>{_x(base_url + s.path)}</id><published>{_w3c(s.published)}</published>"
        f"<updated>{_w3c(s.modified or s.published)}</updated>"
        + "".join(f"<author><name>{_x(a)}</name></author>" for a in s.authors)
        + f"<summary>{_x(s.lead)}</summary></entry>\n"
        for s in stories
    )
    return (
        f'{_XML}<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{_x(SITE_NAME)}</title><id>{_x(base_url)}/</id>"
        f'<link rel="self" href="{_x(base_url)}/atom.xml"/>'
        f'<link rel="alternate" href="{_x(base_url)}/"/>'
        f"<updated>{_w3c(REFERENCE_DATE)}</updated>\n{entries}</feed>\n"
    )


def robots_txt(base_url: str, *, crawl_delay: float | None) -> str:
    """Everyone may crawl all but ``/private/``; one named bot may crawl nothing."""
    lines = ["# Demo news site", "User-agent: ExampleScraperBot", "Disallow: /", ""]
    lines += ["User-agent: *", "Disallow: /private/", "Allow: /"]
    if crawl_delay is not None:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    lines += ["", f"Sitemap: {base_url}/sitemap.xml", ""]
    return "\n".join(lines)


def sitemap_index(children: Iterable[str], base_url: str) -> str:
    """A sitemap index listing ``children`` (paths)."""
    body = "".join(
        f"<sitemap><loc>{_x(base_url + path)}</loc><lastmod>{_w3c(REFERENCE_DATE)}</lastmod>"
        "</sitemap>\n"
        for path in children
    )
    return (
        f'{_XML}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</sitemapindex>\n"
    )


def urlset(entries: Iterable[tuple[str, datetime | None]], base_url: str) -> str:
    """A ``<urlset>`` of ``(path, lastmod)`` entries."""
    body = "".join(
        f"<url><loc>{_x(base_url + path)}</loc>"
        + (f"<lastmod>{_w3c(lastmod)}</lastmod>" if lastmod is not None else "")
        + "</url>\n"
        for path, lastmod in entries
    )
    return f'{_XML}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n'


def news_sitemap(refs: Iterable[StoryRef], base_url: str) -> str:
    """A Google News sitemap with ``news:publication_date`` and ``news:title``."""
    body = "".join(
        f"<url><loc>{_x(base_url + r.path)}</loc><news:news><news:publication>"
        f"<news:name>{_x(SITE_NAME)}</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{_w3c(r.published)}"
        f"</news:publication_date><news:title>{_x(r.title)}</news:title></news:news></url>\n"
        for r in refs
    )
    return (
        f'{_XML}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{body}</urlset>\n"
    )
