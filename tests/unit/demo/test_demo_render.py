"""Rendering of the demo site: article templates, metadata, listings and conditional GETs."""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import format_datetime
from html.parser import HTMLParser

import pytest

from ingest.demo import TEMPLATES, DemoConfig, DemoSite, Rendered
from ingest.demo.pages import SOFT_404_PATH
from ingest.demo.templates import ENCODINGS

BASE = "http://127.0.0.1:8000"
_VOID = {"meta", "link", "img", "br", "input", "hr", "source", "wbr"}


class _Checker(HTMLParser):
    """Collects text, JSON-LD and canonical links; checks that elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.jsonld: list[object] = []
        self.canonical: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a.get("href") or "")
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        self._in_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.jsonld.append(json.loads(data))
        self.text.append(data)


def _text(rendered: Rendered) -> str:
    """The body decoded with the charset its Content-Type declares."""
    charset = rendered.content_type.partition("charset=")[2] or "utf-8"
    return rendered.body.decode(charset)


def _parse(rendered: Rendered) -> _Checker:
    checker = _Checker()
    checker.feed(_text(rendered))
    checker.close()
    return checker


def _first_of(site: DemoSite, template: str, *, copies: bool = False) -> int:
    lo, hi = (site.config.n_articles, len(site)) if copies else (0, site.config.n_articles)
    return next(i for i in range(lo, hi) if site.ref(i).template == template)


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_story(template: str) -> None:
    site = DemoSite()
    story = site.story(_first_of(site, template))
    rendered = site.render(story.path, base_url=BASE)
    status, ctype, _, headers = rendered
    assert status == 200
    assert ctype == f"text/html; charset={ENCODINGS.get(template, 'utf-8')}"
    page = _parse(rendered)
    assert page.errors == []
    assert page.stack == []
    text = re.sub(r"\s+", " ", "".join(page.text))
    for block in story.blocks:
        assert block.text in text
    assert story.title in text and story.lead in text and story.image_caption in text
    assert page.canonical == [BASE + story.path]
    assert "ETag" in headers and "Last-Modified" in headers


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t not in ("magazine", "kurier")])
def test_jsonld_carries_published_date_and_authors(template: str) -> None:
    site = DemoSite()
    story = site.story(_first_of(site, template))
    page = _parse(site.render(story.path, base_url=BASE))
    (data,) = page.jsonld
    assert isinstance(data, dict)
    article = data["@graph"][1] if "@graph" in data else data
    assert datetime.fromisoformat(article["datePublished"]) == story.published
    authors = article["author"] if isinstance(article["author"], list) else [article["author"]]
    assert [a["name"] for a in authors] == list(story.authors)


def test_magazine_is_served_in_windows_1252() -> None:
    site = DemoSite()
    story = next(
        s for s in map(site.story, range(len(site))) if s.template == "magazine" and "“" in s.body
    )
    rendered = site.render(story.path)
    assert rendered.content_type == "text/html; charset=windows-1252"
    assert b'content="text/html; charset=windows-1252"' in rendered.body
    with pytest.raises(UnicodeDecodeError):
        rendered.body.decode("utf-8")
    page = _parse(rendered)
    assert all(b.text in re.sub(r"\s+", " ", "".join(page.text)) for b in story.blocks)


def test_magazine_has_time_element_and_br_paragraphs() -> None:
    site = DemoSite()
    story = site.story(_first_of(site, "magazine"))
    html = _text(site.render(story.path))
    assert "<br><br>" in html
    assert "<p>" not in html.split('class="post-body"')[1].split("</div>")[0]
    assert '<time datetime="' in html
    assert "application/ld+json" not in html


def test_kurier_uses_microdata() -> None:
    site = DemoSite()
    story = site.story(_first_of(site, "kurier"))
    html = _text(site.render(story.path))
    assert 'itemtype="https://schema.org/NewsArticle"' in html
    match = re.search(r'itemprop="datePublished" content="([^"]+)"', html)
    assert match is not None
    assert datetime.fromisoformat(match.group(1)) == story.published
    assert "Mehr zum Thema" in html and "application/ld+json" not in html
    names = re.findall(r'itemprop="name" content="([^"]+)"', html)
    assert names == list(story.authors)


def test_chronicle_reproduces_seed_page_chrome() -> None:
    site = DemoSite()
    story = site.story(_first_of(site, "chronicle"))
    html = _text(site.render(story.path))
    assert '<span class="today-date">Monday, June 30, 2025</span>' in html
    assert html.count(story.title.replace("'", "&#x27;")) >= 4  # title, h1, crumbs, sticky bar
    assert "Recent posts" in html
    assert f"{story.image_caption} / {story.image_credit}</figcaption>" in html
    assert 'class="related-inline"' in html
    assert f"{story.published:%B} {story.published.day}, {story.published.year}" not in html


def test_syndicated_copy_is_canonical_to_itself() -> None:
    site = DemoSite()
    for i in range(site.config.n_articles, len(site)):
        copy = site.story(i)
        page = _parse(site.render(copy.path, base_url=BASE))
        assert page.canonical == [BASE + copy.path]
        (data,) = page.jsonld
        assert isinstance(data, dict)
        article = data["@graph"][1] if "@graph" in data else data
        assert article["mainEntityOfPage"]["@id"] == BASE + copy.path
        assert article["headline"] == copy.title
        original = site.story(copy.syndicated_of or 0)
        assert BASE + original.path not in page.canonical


def test_render_is_deterministic() -> None:
    paths = ["/", "/feed.xml", "/sitemap.xml", "/section/world?page=2", SOFT_404_PATH]
    a, b = DemoSite(), DemoSite()
    for path in [*paths, *list(a.article_paths())[::7]]:
        assert a.render(path, base_url=BASE) == b.render(path, base_url=BASE)


def test_conditional_get() -> None:
    site = DemoSite()
    path = next(site.article_paths())
    first = site.render(path)
    etag, lastmod = first.headers["ETag"], first.headers["Last-Modified"]
    assert site.render(path, request_headers={"If-None-Match": etag}).status == 304
    assert site.render(path, request_headers={"if-none-match": f'W/{etag}, "x"'}).status == 304
    assert site.render(path, request_headers={"If-None-Match": '"other"'}).status == 200
    assert site.render(path, request_headers={"If-Modified-Since": lastmod}).status == 304
    older = format_datetime(site.ref(0).published.replace(year=2020), usegmt=True)
    assert site.render(path, request_headers={"If-Modified-Since": older}).status == 200
    not_modified = site.render(path, request_headers={"If-None-Match": etag})
    assert not_modified.body == b"" and not_modified.headers["ETag"] == etag


def test_etag_can_be_disabled() -> None:
    site = DemoSite(DemoConfig(etag=False))
    path = next(site.article_paths())
    rendered = site.render(
        path, request_headers={"If-Modified-Since": "Mon, 01 Jan 2035 00:00:00 GMT"}
    )
    assert rendered.status == 200 and "ETag" not in rendered.headers


def test_section_pagination() -> None:
    site = DemoSite()
    pages = site.listing_pages("world")
    assert pages == 2
    seen: list[str] = []
    for page in range(1, pages + 1):
        html = site.render(f"/section/world?page={page}").body.decode()
        seen += re.findall(r'<h3><a href="([^"]+)"', html)
    assert len(seen) == len(set(seen)) == 8
    assert all(site.ref(site.story_index(p) or 0).section == "world" for p in seen)
    assert site.render(f"/section/world?page={pages + 1}").status == 404
    assert site.render("/section/world?page=x").status == 404


def test_not_article_pages() -> None:
    site = DemoSite()
    assert site.render("/broken").status == 404
    soft = site.render(SOFT_404_PATH)
    assert soft.status == 200 and b"Page not found" in soft.body
    home = site.render("/").body.decode()
    for link in (SOFT_404_PATH, "/broken", "/private/", "/feed.xml", "/atom.xml", "/section/"):
        assert link in home
    assert site.render("/private/drafts/next-week").status == 200
    assert site.render("/nowhere").status == 404
    assert site.render("/about").status == 200
    assert site.render("/tag/live").status == 200


def test_wrong_slug_is_not_an_article() -> None:
    site = DemoSite()
    path = next(site.article_paths())
    assert site.story_index(path) == 0
    assert site.story_index(path.replace("-0", "x-0")) is None
    assert site.render("/stories/made-up-9999").status == 404


def test_lookup_by_url() -> None:
    site = DemoSite()
    story = site.story(61)
    assert site.lookup(BASE + story.path) == story
    assert site.lookup(story.path) == story
    assert site.lookup(BASE + "/section/world") is None


@pytest.mark.parametrize("n", [1, 2, 9])
def test_tiny_sites_render_every_linked_page(n: int) -> None:
    site = DemoSite(DemoConfig(n_articles=n, syndicated_every=1))
    assert len(site) == 2 * n
    for path in site.article_paths():
        page = _parse(site.render(path))
        assert page.errors == [] and page.stack == []
    for path in ["/", *site.non_article_sitemap_paths(), "/feed.xml", "/atom.xml", "/sitemap.xml"]:
        rendered = site.render(path)
        assert rendered.status == 200, path
        if rendered.content_type.startswith("text/html"):
            page = _parse(rendered)
            assert page.errors == [] and page.stack == [], path


def test_revision_changes_validators_of_updated_pages_only() -> None:
    before, after = DemoSite(), DemoSite(DemoConfig(revision=1))
    results: dict[bool, set[int]] = {True: set(), False: set()}
    for i, path in enumerate(before.article_paths()):
        old = before.render(path)
        changed = before.story(i) != after.story(i)
        conditional = {"If-None-Match": old.headers["ETag"]}
        results[changed].add(after.render(path, request_headers=conditional).status)
        since = {"If-Modified-Since": old.headers["Last-Modified"]}
        results[changed].add(after.render(path, request_headers=since).status)
    assert results == {True: {200}, False: {304}}


def test_page_kind() -> None:
    site = DemoSite()
    kinds = {
        next(site.article_paths()): "article",
        "/": "home",
        "/section/world?page=2": "listing",
        "/section/world?page=9": "error",
        "/tag/live": "tag",
        "/about": "static",
        SOFT_404_PATH: "soft_404",
        "/broken": "error",
        "/private/drafts/next-week": "private",
        "/feed.xml": "feed",
        "/sitemaps/pages.xml.gz": "sitemap",
        "/robots.txt": "robots",
        "/media/x.jpg": "asset",
    }
    assert {path: site.page_kind(path) for path in kinds} == kinds


def test_short_links_redirect_to_the_article() -> None:
    site = DemoSite()
    story = site.story(4)
    status, _, body, headers = site.render("/r/4", base_url=BASE)
    assert (status, body, headers["Location"]) == (301, b"", BASE + story.path)
    assert site.page_kind("/r/4") == "redirect"
    assert site.render(f"/r/{len(site)}").status == 404
    portal = site.story(_first_of(site, "portal"))
    assert f'href="/r/{portal.id}"' in _text(site.render(portal.path))
