"""discover: pure parsers that turn feeds, sitemaps and section pages into article links.

``ingest.discover.warc`` (WARC file input and output, the one module here doing I/O) is not
imported here; import it explicitly.
"""

from __future__ import annotations

from ingest.discover.base import Link, SourceKind
from ingest.discover.feeds import find_feed_links, parse_feed
from ingest.discover.links import SectionLinks, section_links
from ingest.discover.sitemaps import SitemapDoc, newest_first, parse_sitemap, sitemaps_from_robots

__all__ = [
    "Link",
    "SectionLinks",
    "SitemapDoc",
    "SourceKind",
    "find_feed_links",
    "newest_first",
    "parse_feed",
    "parse_sitemap",
    "section_links",
    "sitemaps_from_robots",
]
