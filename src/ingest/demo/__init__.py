"""A generated, deterministic news site served on loopback, for ``ingest demo``, tests and
benchmarks.

``DemoSite(DemoConfig(n_articles=60, seed=7, syndicated_every=10))`` holds the ground truth
(``story(i)``, ``lookup(url)``) and answers any path with ``render(path)``; ``serve(site)`` runs
it on 127.0.0.1 with aiohttp and records every request. Nothing reads the real clock: stories
are spread over the 60 days ending two days before :data:`REFERENCE_DATE` (2025-06-30 18:00 UTC),
and every "today" widget shows that date. Stories are generated from their index on request, so
``n_articles=100_000`` costs no memory up front.

URL map::

    /                               home: latest 20, sections, feeds (<link rel=alternate>),
                                    a soft 404, a 404 and a /private/ link
    /section/<name>[?page=N]        listings, 5 per page (8 sections + "wire" for the copies)
    /tag/<tag>                      topic listings
    /about /contact /privacy        static pages
    /feed.xml /atom.xml             RSS 2.0 and Atom, latest 50 (originals and copies)
    /robots.txt                     Disallow: /private/, Sitemap:, Crawl-delay when configured
    /sitemap.xml                    index -> /sitemaps/news.xml (latest 100, news:*),
                                    /sitemaps/pages.xml.gz (not-articles), and
                                    /sitemaps/articles-<k>.xml (10,000 URLs each, lastmod)
    /broken                         404 with the "Page not found" template
    /archive/2019/03/old-story-removed   200 with the same template (soft 404)
    /private/...                    a draft page (disallowed by robots.txt)
    /r/<id>                         301 to the story's page (portal's "Copy link" short links)
    /media/... /assets/...          a 1x1 GIF / a tiny stylesheet
    article paths                   per template, each ending in the story id:
      chronicle  /<section>/<yyyy>/<mm>/<dd>/<slug>-<id>   the seed page's structure; JSON-LD
      portal     /<section>/<yyyy>/<mm>/<dd>/<slug>-<id>.html  <article>, <time>, Related inside
      react      /stories/<slug>-<id>                      div soup, css-xxxxxx, JSON-LD @graph
      magazine   /magazine/<yyyy>/<mm>/<slug>-<id>/        <br><br> paragraphs, no JSON-LD
      diario     /noticias/<section>/<yyyy-mm-dd>/<slug>-<id>.html  Spanish chrome, lead in <h2>
      kurier     /en/<section>/<slug>-<id>.html            German chrome, microdata
    Every template also prints house chrome of its own inside the body (a box in Indonesian,
    Finnish, Spanish or German, a reader-funding appeal, the magazine columnists' bios; see
    ``ingest.demo.templates.house``): repeated across pages, never in the ground truth.

Story indices ``0 .. n_articles-1`` are originals; ``n_articles + j`` is the syndicated copy of
original ``(j + 1) * syndicated_every - 1``: another template (one with JSON-LD) and URL, a
rewritten headline, the last sentence trimmed and an editor's note added, and a canonical link
and JSON-LD of its own.
Article pages carry ETag and Last-Modified and answer conditional requests with 304.
``DemoConfig.revision`` updates one in ten originals per revision (for recrawls);
``DemoConfig.feed_tracking`` adds ``utm_*`` parameters to the RSS links. The magazine template is
served in windows-1252.
"""

from __future__ import annotations

from ingest.demo.server import DemoServer, RequestRecord, make_app, run, serve
from ingest.demo.site import DemoConfig, DemoSite, Rendered
from ingest.demo.stories import REFERENCE_DATE, TEMPLATES, DemoStory, StoryRef

__all__ = [
    "REFERENCE_DATE",
    "TEMPLATES",
    "DemoConfig",
    "DemoServer",
    "DemoSite",
    "DemoStory",
    "Rendered",
    "RequestRecord",
    "StoryRef",
    "make_app",
    "run",
    "serve",
]
