"""Learn first, extract second (``ingest crawl --learn-first``) against the demo site's ground
truth: a batch run over a WARC file or a live sitemap counts the blocks of every article page
before it extracts any, so no page of the batch is extracted cold.

The demo site's templates each print house chrome that no generic rule knows
(``ingest.demo.templates.house``). A crawl that learns online lets it through on a template's
first pages; learning first takes it out of every article, and counts each story once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ingest.bootstrap import open_store
from ingest.cli.commands import _crawl, _sources_for
from ingest.cli.main import build_parser
from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.demo.templates.house import house_blocks
from ingest.model import OutcomeKind
from ingest.normalize.urls import canonicalize, url_key
from ingest.pipeline.crawl import LearnSummary, Summary
from ingest.settings import Settings, load_settings
from ingest.store.base import ArticleQuery, StoredArticle
from ingest.store.sql import SqlStore

pytestmark = pytest.mark.integration

#: With 160 stories every variant of every template's house box is on well over three originals
#: (learn.min_pages), whichever copy of a syndicated story the learning pass meets first (the
#: fetch order varies), so learning first can take out all of it.
STORIES = 160
HOST = "127.0.0.1"


def _settings(db: str, tmp_path: Path, *, learn: bool = True) -> Settings:
    return load_settings(
        env={},
        overrides={
            "database_url": db,
            "sites_dir": str(tmp_path / "no-rules"),
            "process_workers": 1,
            "learn": {"enabled": learn},
            "fetch": {"allow_networks": ["127.0.0.0/8"], "per_host_concurrency": 8},
        },
    )


async def _run(settings: Settings, *argv: str) -> tuple[Summary, LearnSummary | None]:
    """``ingest crawl ARGV`` in this process (the command's own code, with ``settings``)."""
    args = build_parser().parse_args(["crawl", "--quiet", *argv])
    return await _crawl(args, settings, _sources_for(args, settings))


def _articles(settings: Settings) -> list[StoredArticle]:
    store = open_store(settings)
    try:
        return store.query(ArticleQuery(limit=10_000))
    finally:
        store.close()


def _learnt_pages(settings: Settings) -> int:
    store = open_store(settings)
    try:
        learn = settings.learn
        found = store.site_summary(
            HOST, min_pages=learn.min_pages, min_share=learn.min_share, top=0
        )
        return found.pages
    finally:
        store.close()


def _counts(settings: Settings) -> dict[str, int]:
    store = open_store(settings)
    try:
        return store.counts()
    finally:
        store.close()


def _compare(site: DemoSite, articles: Sequence[StoredArticle]) -> tuple[list[str], Counter[str]]:
    """What differs from the ground truth other than house chrome, and per template how many
    articles came with some of their house chrome."""
    problems: list[str] = []
    leaked: Counter[str] = Counter()
    for article in articles:
        index = site.story_index(urlsplit(article.url).path)
        assert index is not None, article.url
        story = site.story(index)
        house = set(house_blocks(story))
        got = [(b.kind, b.text) for b in article.blocks]
        if any(text in house for _, text in got):
            leaked[story.template] += 1
        want = [(b.kind, b.text) for b in story.blocks]
        if [(kind, text) for kind, text in got if text not in house] != want:
            problems.append(f"{story.template} {article.url}: body {got}")
        if (article.title, article.lead) != (story.title, story.lead):
            problems.append(f"{story.template} {article.url}: {article.title!r} {article.lead!r}")
    return problems, leaked


def _templates(site: DemoSite) -> set[str]:
    return {site.story(i).template for i in range(len(site))}


def _check_learnt_first(site: DemoSite, settings: Settings, learnt: LearnSummary | None) -> None:
    """Every article stored exactly as the ground truth, house chrome and all taken out; each
    story counted once: the host's learnt pages are the distinct stories (the syndicated copies
    are near-duplicates), so the processing pass counted nothing."""
    articles = _articles(settings)
    assert len(articles) == len(site)
    problems, leaked = _compare(site, articles)
    assert not problems, "\n".join(problems)
    assert not leaked, leaked
    assert learnt is not None
    expected = site.expected_counts()
    assert learnt.counted == Counter({HOST: STORIES})
    assert learnt.skipped["near_duplicate"] == expected["syndicated"]
    assert learnt.skipped["not_article"] == expected["sitemap_non_article_urls"]
    assert _learnt_pages(settings) == STORIES == _counts(settings)["clusters"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_live_crawl_leaks_house_chrome_and_learning_first_keeps_it_all_out(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    site = DemoSite(DemoConfig(n_articles=STORIES))
    online = _settings(f"sqlite:///{tmp_path / 'online.sqlite'}", tmp_path)
    first = _settings(request.getfixturevalue(f"{backend}_url"), tmp_path)
    async with serve(site) as server:
        sitemap = f"{server.base_url}/sitemap.xml"
        summary, learnt = await _run(online, "--sitemap", sitemap)
        assert learnt is None and summary.count(OutcomeKind.STORED) == len(site)
        summary, learnt = await _run(first, "--learn-first", "--sitemap", sitemap)

    # Online: the first pages of every template come with house chrome (a cold start).
    problems, leaked = _compare(site, _articles(online))
    assert not problems, "\n".join(problems)
    assert set(leaked) == _templates(site), leaked

    # Learning first: the pages were fetched once, counted, then each stored clean.
    expected = site.expected_counts()
    assert summary.discovered == summary.fetched == len(site) + expected["sitemap_non_article_urls"]
    assert summary.count(OutcomeKind.STORED) == len(site)
    assert summary.count(OutcomeKind.NOT_ARTICLE) == expected["sitemap_non_article_urls"]
    _check_learnt_first(site, first, learnt)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_learning_first_over_a_warc_is_clean_and_a_second_run_changes_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    site = DemoSite(DemoConfig(n_articles=STORIES))
    archive = tmp_path / "site.warc.gz"
    recorder = _settings(f"sqlite:///{tmp_path / 'recorder.sqlite'}", tmp_path, learn=False)
    async with serve(site) as server:
        await _run(
            recorder, "--sitemap", f"{server.base_url}/sitemap.xml", "--save-warc", str(archive)
        )
    pages = len(site) + site.expected_counts()["sitemap_non_article_urls"]

    # A plain replay learns as it goes: each template's first pages come out with house chrome.
    replay = _settings(f"sqlite:///{tmp_path / 'replay.sqlite'}", tmp_path)
    await _run(replay, "--warc", str(archive))
    assert set(_compare(site, _articles(replay))[1]) == _templates(site)

    first = _settings(request.getfixturevalue(f"{backend}_url"), tmp_path)
    summary, learnt = await _run(first, "--learn-first", "--warc", str(archive))
    assert summary.fetched == pages and learnt is not None and learnt.pages == pages
    _check_learnt_first(site, first, learnt)

    def state() -> tuple[set[tuple[str, str, int]], dict[str, int], int]:
        rows = {(a.url, a.content_hash, a.version) for a in _articles(first)}
        return rows, _counts(first), _learnt_pages(first)

    before = state()
    summary, learnt = await _run(first, "--learn-first", "--warc", str(archive))
    assert learnt is not None and learnt.counted_pages == 0
    assert learnt.skipped["known"] == STORIES  # stored by the first run: counted then
    assert summary.count(OutcomeKind.UNCHANGED) == len(site)
    assert summary.count(OutcomeKind.STORED) == summary.count(OutcomeKind.UPDATED) == 0
    assert state() == before


async def test_learning_first_records_304s_as_unchanged(tmp_path: Path, sqlite_url: str) -> None:
    site = DemoSite(DemoConfig(n_articles=30))
    settings = _settings(sqlite_url, tmp_path)
    async with serve(site) as server:
        sitemap = f"{server.base_url}/sitemap.xml"
        await _run(settings, "--learn-first", "--sitemap", sitemap)
        before = _learnt_pages(settings)
        # Forced: every URL is refetched, the stored articles with their validators: 304s.
        summary, learnt = await _run(settings, "--learn-first", "--force", "--sitemap", sitemap)
        article_urls = [server.url(path) for path in site.article_paths()]

    assert summary.reasons["unchanged:not_modified"] == len(site)
    non_articles = site.expected_counts()["sitemap_non_article_urls"]
    assert summary.count(OutcomeKind.NOT_ARTICLE) == non_articles
    assert learnt is not None and learnt.pages == non_articles  # 304s have no page to learn from
    assert learnt.counted_pages == 0 and _learnt_pages(settings) == before
    store: SqlStore = open_store(settings)
    try:
        keys = [url_key(canonicalize(url) or url) for url in article_urls]
        entries = store.frontier(keys)
    finally:
        store.close()
    assert len(entries) == len(site)
    assert {(e.outcome, e.reason) for e in entries.values()} == {("unchanged", "not_modified")}
    assert all(e.article_id is not None and e.etag for e in entries.values())
