"""The embedded crawl publishes its committed changes on the change stream."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.events import ChangeKind, StreamConsumer
from ingest.model import OutcomeKind
from ingest.pipeline.crawl import CrawlOptions
from ingest.settings import load_settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_crawl_publishes_stored_articles_once(
    backend: str, request: pytest.FixtureRequest, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"{os.environ['INGEST_TEST_REDIS_PREFIX']}{uuid.uuid4().hex[:6]}:"
    settings = load_settings(
        env={},
        overrides={
            "database_url": request.getfixturevalue(f"{backend}_url"),
            "redis_url": redis_url,
            "redis_prefix": prefix,
            "events": {"enabled": True},
            "sites_dir": str(tmp_path / "none"),
            "fetch": {"allow_networks": ["127.0.0.0/8"], "max_attempts": 1},
        },
    )
    store = open_store(settings)
    try:
        async with serve(DemoSite(DemoConfig(n_articles=20))) as demo:
            source = Source(name="demo", feeds=(f"{demo.base_url}/feed.xml",))
            async with embedded_crawler(settings, store, processes=False) as crawler:
                summary = await crawler.crawl_sources([source])
            options = CrawlOptions(force=True)
            async with embedded_crawler(settings, store, processes=False, options=options) as c:
                again = await c.crawl_sources([source])
        assert again.count(OutcomeKind.STORED) == 0
        consumer = StreamConsumer(redis_url, f"{prefix}changes", group="g", consumer="c")
        consumer.ensure_group(start="0")
        try:
            events = [d.event for d in consumer.read(count=1000, block_ms=None)]
        finally:
            consumer.close()
        stored = [e for e in events if e.kind is ChangeKind.STORED]
        assert len(stored) == summary.count(OutcomeKind.STORED)
        reclustered = [e for e in events if e.kind is ChangeKind.RECLUSTERED]
        assert len(reclustered) == summary.near_duplicates
        cursors = {a.id: a.seq for a in store.query(ArticleQuery(limit=1000))}
        assert {e.article_id: e.cursor for e in stored} == cursors
    finally:
        store.close()
