"""The learning pass of ``--learn-first``: which pages count, and counting switched off after it
(SQLite in a temporary file, no network)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.discover.warc import WarcReader, WarcWriter
from ingest.errors import ConfigError
from ingest.extract.profile import HostProfile
from ingest.model import Article, FetchFailure, FetchRequest, Page
from ingest.normalize.urls import canonicalize, url_key
from ingest.pipeline.crawl import Crawler, CrawlOptions
from ingest.pipeline.learnfirst import LearnOutcome, LearnSummary, SeenArticles
from ingest.pipeline.process import analyse
from ingest.settings import LearnSettings
from ingest.sources import Source
from ingest.store.base import ArticleQuery
from ingest.store.engine import make_engine
from ingest.store.sql import SqlStore
from support.pages import story_page

NOW = datetime(2024, 5, 9, 12, tzinfo=UTC)
SITE = "https://news.example.com"


def page(path: str, html: str) -> Page:
    return Page(
        url=f"{SITE}{path}",
        final_url=f"{SITE}{path}",
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=html.encode(),
        fetched_at=NOW,
        source="news",
    )


def article(path: str, story: int) -> Article:
    cold = HostProfile("news.example.com", 0, frozenset())
    result = analyse(page(path, story_page(story)), now=NOW, profile=cold)
    assert isinstance(result, Article)
    return result


async def pages_of(items: Iterable[Page]) -> AsyncIterator[Page]:
    for item in items:
        yield item


class NoFetcher:
    async def fetch(self, request: FetchRequest) -> Page | FetchFailure:
        raise AssertionError("nothing is fetched here")


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    store = SqlStore(make_engine(f"sqlite:///{tmp_path / 'learn.sqlite'}"))
    store.upgrade()
    return store


def crawler(store: SqlStore, *, count_blocks: bool = True, learn: bool = True) -> Crawler:
    return Crawler(
        fetcher=NoFetcher(),  # type: ignore[arg-type]
        store=store,
        options=CrawlOptions(count_blocks=count_blocks, clock=lambda: NOW),
        learn=LearnSettings(enabled=learn),
    )


def test_seen_articles_tell_repeats_from_new_stories() -> None:
    seen = SeenArticles()
    first = article("/a/1", 1)
    assert first.page_blocks and seen.match(first) is None
    seen.add(first)
    assert seen.match(article("/a/1", 2)) is LearnOutcome.SAME_URL
    assert seen.match(article("/b/1", 1)) is LearnOutcome.DUPLICATE
    near = replace(article("/c/1", 1), content_hash="0" * 64)  # same text, another hash
    assert seen.match(near) is LearnOutcome.NEAR_DUPLICATE
    assert seen.match(article("/d/2", 2)) is None
    assert len(seen) == 1


def test_learn_summary_counts_per_host_and_reason() -> None:
    summary = LearnSummary()
    summary.add("a.example", LearnOutcome.COUNTED)
    summary.add("a.example", LearnOutcome.COUNTED)
    summary.add("b.example", LearnOutcome.COUNTED)
    summary.add("a.example", LearnOutcome.NOT_ARTICLE)
    assert (summary.pages, summary.counted_pages, summary.hosts) == (4, 3, 2)
    assert summary.as_dict() == {
        "pages_read": 4,
        "pages_counted": 3,
        "hosts": {"a.example": 2, "b.example": 1},
        "skipped": {"not_article": 1},
    }


async def test_the_learning_pass_counts_each_new_story_once_and_stores_nothing(
    store: SqlStore,
) -> None:
    batch = [
        page("/news/1", story_page(1)),
        page("/news/2", story_page(2)),
        page("/news/1", story_page(1)),  # the same URL again
        page("/wire/1", story_page(1)),  # a copy under another URL
        page("/about", "<html><body><p>About us.</p></body></html>"),
        page("/news/3", story_page(3)),
    ]
    heard: list[LearnOutcome] = []
    learnt = await crawler(store).learn_pages(pages_of(batch), on_page=heard.append)
    assert heard == [
        LearnOutcome.COUNTED,
        LearnOutcome.COUNTED,
        LearnOutcome.SAME_URL,
        LearnOutcome.DUPLICATE,
        LearnOutcome.NOT_ARTICLE,
        LearnOutcome.COUNTED,
    ]
    assert learnt.counted == {"news.example.com": 3}
    summary = store.site_summary("news.example.com", min_pages=3, min_share=0.2, top=5)
    assert summary.pages == 3
    assert "Our weekly digest, every Friday" in {b.text for b in summary.top if b.chrome}
    assert store.counts()["articles"] == 0 and store.counts()["urls"] == 0


async def test_with_counting_off_the_crawl_only_reads_what_was_learnt(store: SqlStore) -> None:
    first = [page(f"/news/{n}", story_page(n)) for n in range(1, 5)]
    await crawler(store).learn_pages(pages_of(first))
    later = [page(f"/news/{n}", story_page(n)) for n in range(1, 7)]
    summary = await crawler(store, count_blocks=False).crawl_pages(
        pages_of(later), Source(name="warc"), sources={"news": Source(name="news")}
    )
    assert summary.fetched == 6 and len(summary.stored_ids) == 6
    assert store.site_summary("news.example.com", min_pages=3, min_share=0.2, top=0).pages == 4
    bodies = [a.body for a in store.query(ArticleQuery())]
    assert len(bodies) == 6 and not any("weekly digest" in body for body in bodies)
    entries = store.frontier([url_key(canonicalize(p.url) or p.url) for p in later])
    assert {e.source for e in entries.values()} == {"news"}  # the page's own source


async def test_learning_first_needs_learning_on(store: SqlStore) -> None:
    with pytest.raises(ConfigError):
        await crawler(store, learn=False).learn_pages(pages_of([]))


def test_a_warc_of_fetched_pages_reads_back_whole_without_html_only(tmp_path: Path) -> None:
    odd = replace(page("/feed", "plain text"), headers={"content-type": "text/plain"})
    path = tmp_path / "spool.warc.gz"
    with WarcWriter(path) as writer:
        writer.write(page("/news/1", story_page(1)))
        writer.write(odd)
    assert len(list(WarcReader(path))) == 1
    assert list(WarcReader(path, html_only=False))[1] == odd


async def test_a_copy_of_a_stored_article_under_a_new_url_is_not_counted(
    store: SqlStore,
) -> None:
    # A run before stored story 1; this batch has it again under another URL, and story 2.
    assert store.save(article("/news/1", 1), now=NOW).article_id is not None
    heard: list[LearnOutcome] = []
    batch = [page("/wire/1", story_page(1)), page("/news/2", story_page(2))]
    await crawler(store).learn_pages(pages_of(batch), on_page=heard.append)
    assert heard == [LearnOutcome.KNOWN, LearnOutcome.COUNTED]
    assert store.has_copy(article("/elsewhere/1", 1))
    assert not store.has_copy(article("/elsewhere/3", 3))
