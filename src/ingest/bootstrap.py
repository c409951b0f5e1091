"""The composition root: the only module that builds concrete edges from :class:`Settings`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from ingest.events import EventSink, NullSink, RedisStreamSink, relay_owed
from ingest.extract.rules import RuleSet, load_rules
from ingest.fetch.base import FetchOptions
from ingest.fetch.client import HttpFetcher
from ingest.pipeline.crawl import Crawler, CrawlOptions, PageSink, Progress
from ingest.pipeline.pool import make_pool
from ingest.settings import Settings
from ingest.store.engine import make_engine
from ingest.store.sql import SqlStore

__all__ = ["embedded_crawler", "event_sink", "fetch_options", "open_store", "site_rules"]


def open_store(settings: Settings, *, migrate: bool = True) -> SqlStore:
    """Open the configured database; applies pending migrations unless ``migrate`` is False."""
    store = SqlStore(
        make_engine(settings.database_url),
        near_duplicate_threshold=settings.dedup.near_duplicate_threshold,
        outbox=settings.events.enabled,
    )
    if migrate:
        store.upgrade()
    return store


@contextmanager
def store_session(settings: Settings) -> Iterator[SqlStore]:
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


def event_sink(settings: Settings) -> EventSink:
    """The change stream sink: a Redis Stream when ``events.enabled``, else one that drops."""
    if not settings.events.enabled:
        return NullSink()
    return RedisStreamSink(
        settings.redis_url,
        f"{settings.redis_prefix}{settings.events.stream}",
        maxlen=settings.events.maxlen,
    )


def site_rules(settings: Settings) -> RuleSet | None:
    directory = Path(settings.sites_dir)
    return load_rules(directory) if directory.is_dir() else None


def fetch_options(settings: Settings) -> FetchOptions:
    return FetchOptions.from_settings(settings.fetch)


@asynccontextmanager
async def embedded_crawler(
    settings: Settings,
    store: SqlStore,
    *,
    options: CrawlOptions | None = None,
    progress: Progress | None = None,
    page_sink: PageSink | None = None,
    processes: bool = True,
    events: EventSink | None = None,
) -> AsyncIterator[Crawler]:
    """A ready :class:`Crawler`: one HTTP session, a process pool for the CPU stages (unless
    ``processes`` is False: then a thread), one writer to ``store``. Closes all on exit."""
    pool = make_pool(settings.process_workers, Path(settings.sites_dir)) if processes else None
    sink = events if events is not None else event_sink(settings)
    try:
        async with HttpFetcher(fetch_options(settings)) as fetcher:
            yield Crawler(
                fetcher=fetcher,
                store=store,
                executor=pool,
                rules=None if pool is not None else site_rules(settings),
                options=options,
                progress=progress,
                page_sink=page_sink,
                concurrency=settings.fetch.concurrency,
                events=sink,
                learn=settings.learn,
            )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        await asyncio.to_thread(relay_owed, sink, store)
        if events is None:
            sink.close()
