"""The embedded crawl and the workers publish their committed changes on the change stream,
and the events a process died owing are relayed (end of an embedded crawl, beat's sweep)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.events import ChangeKind, StreamConsumer
from ingest.model import OutcomeKind
from ingest.pipeline.crawl import CrawlOptions
from ingest.settings import Settings, load_settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery
from ingest.store.sql import SqlStore
from support.articles import make_article, story_text
from support.celery_workers import (
    celery_cluster,
    control_of,
    settings_of,
    wait_job,
    worker_env,
    write_sources,
)

pytestmark = pytest.mark.integration


def _settings(database_url: str, redis_url: str, prefix: str, tmp_path: Path) -> Settings:
    """Embedded-mode settings with the change stream on, crawling the demo site on loopback."""
    return load_settings(
        env={},
        overrides={
            "database_url": database_url,
            "redis_url": redis_url,
            "redis_prefix": prefix,
            "events": {"enabled": True},
            "sites_dir": str(tmp_path / "none"),
            "fetch": {"allow_networks": ["127.0.0.0/8"], "max_attempts": 1},
        },
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_crawl_publishes_stored_articles_once(
    backend: str, request: pytest.FixtureRequest, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"{os.environ['INGEST_TEST_REDIS_PREFIX']}{uuid.uuid4().hex[:6]}:"
    settings = _settings(request.getfixturevalue(f"{backend}_url"), redis_url, prefix, tmp_path)
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


def _stream_ids(redis_url: str, stream: str) -> set[int]:
    consumer = StreamConsumer(redis_url, stream, group=f"g{uuid.uuid4().hex[:6]}", consumer="c")
    consumer.ensure_group(start="0")
    try:
        return {d.event.article_id for d in consumer.read(count=10_000, block_ms=None)}
    finally:
        consumer.close()


def _owed_change(store: SqlStore) -> int:
    """An article committed by a process that died before it published its event."""
    owed = store.save(
        make_article("https://gone.example/owed", story_text(99)), now=datetime.now(UTC)
    )
    assert owed.article_id is not None and store.unpublished(before=datetime.now(UTC))
    return owed.article_id


async def test_an_embedded_crawl_relays_the_events_owed_at_its_end(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"{os.environ['INGEST_TEST_REDIS_PREFIX']}{uuid.uuid4().hex[:6]}:"
    settings = _settings(postgres_url, redis_url, prefix, tmp_path)
    store = open_store(settings)
    try:
        owed = _owed_change(store)
        async with serve(DemoSite(DemoConfig(n_articles=10))) as demo:
            source = Source(name="demo", feeds=(f"{demo.base_url}/feed.xml",))
            async with embedded_crawler(settings, store, processes=False) as crawler:
                await crawler.crawl_sources([source])
        ids = {a.id for a in store.query(ArticleQuery(limit=1000))}
        assert _stream_ids(redis_url, f"{prefix}changes") == ids and owed in ids
        assert store.unpublished(before=datetime.now(UTC)) == []
    finally:
        store.close()


async def test_beat_relays_the_events_a_dead_worker_owed(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"{os.environ['INGEST_TEST_REDIS_PREFIX']}{uuid.uuid4().hex[:6]}:"
    site = DemoSite(DemoConfig(n_articles=40))
    async with serve(site) as server:
        env = worker_env(
            database_url=postgres_url,
            redis_url=redis_url,
            sources_file=write_sources(tmp_path / "sources.yaml", server.base_url),
            workdir=tmp_path,
            prefix=prefix,
            extra={
                "INGEST_EVENTS__ENABLED": "true",
                "INGEST_EVENTS__RELAY_AFTER": "0",
                "INGEST_WORKERS__SWEEP_INTERVAL": "2",
            },
        )
        store = open_store(settings_of(env))
        try:
            owed = _owed_change(store)
            with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
                cluster.fetch_worker()
                cluster.process_worker()
                cluster.beat(tmp_path / "beat-schedule")
                job = await asyncio.to_thread(control.start, source="demo")
                assert job is not None
                done = await wait_job(control, job.id, cluster)
                assert done.counts["stored"] == site.expected_counts()["article_urls"]
                ids = {a.id for a in store.query(ArticleQuery(limit=1000))}
                for _ in range(120):  # beat relays every 2 s
                    if _stream_ids(redis_url, f"{prefix}changes") == ids:
                        break
                    await asyncio.sleep(0.25)
                else:
                    raise AssertionError(f"events missing from the stream\n{cluster.logs()}")
            assert owed in ids
            assert store.unpublished(before=datetime.now(UTC)) == []
        finally:
            store.close()
