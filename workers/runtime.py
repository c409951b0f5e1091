"""Per-process state of a worker: one event loop, one HTTP fetcher, one store engine.

Celery forks its pool processes; nothing here is created before the fork. Everything is
opened lazily on first use in the process that uses it (and dropped if a fork copied it), and
closed by :meth:`WorkerRuntime.close` on ``worker_process_shutdown``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from ingest.bootstrap import event_sink, fetch_options, site_rules
from ingest.errors import ConfigError
from ingest.fetch.client import HttpFetcher
from ingest.fetch.limits import RedisHostLimiter
from ingest.fetch.robots import RedisRobotsCache
from ingest.logs import get_logger
from ingest.pipeline.distributed import JobControl, Send, Stages, WorkerOptions
from ingest.pipeline.jobs import JobTracker
from ingest.settings import Settings
from ingest.sources import Source, load_sources
from ingest.store.engine import make_engine
from ingest.store.jobs import SqlJobStore
from ingest.store.sql import SqlStore

if TYPE_CHECKING:
    from ingest.fetch.base import Fetcher

__all__ = ["WorkerRuntime", "redis_client"]

log = get_logger(__name__)

T = TypeVar("T")

#: Connections per worker process: one task runs at a time in a pool process.
_POOL_SIZE = 2
#: Redis commands wait out a short outage (a restart) before failing: ~30 s in all.
_REDIS_RETRIES = 20
#: Seconds a host slot outlives the longest request it can cover.
_LEASE_MARGIN = 5.0


def redis_client(url: str) -> redis.Redis:
    """A sync Redis client that retries commands across a short outage."""
    return redis.Redis.from_url(
        url,
        retry=Retry(ExponentialWithJitterBackoff(base=0.1, cap=2.0), _REDIS_RETRIES),
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=15,
    )


class WorkerRuntime:
    """The edges of one worker process. Constructing it does no I/O."""

    def __init__(
        self,
        settings: Settings,
        options: WorkerOptions,
        send: Send,
        *,
        backlog: Callable[[str], int] = lambda job_id: 0,
    ) -> None:
        self.settings = settings
        self.options = options
        self.send = send
        self.backlog = backlog
        self._pid = 0
        self._runner: asyncio.Runner | None = None
        self._fetcher: HttpFetcher | None = None
        self._aredis: aioredis.Redis | None = None
        self._stages: Stages | None = None
        self._redis: redis.Redis | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            self.forget()
            self._pid = os.getpid()

    def forget(self) -> None:
        """Drop state inherited through fork without closing it (it belongs to the parent)."""
        self._runner = None
        self._fetcher = None
        self._aredis = None
        self._stages = None
        self._redis = None

    def close(self) -> None:
        """Close the fetcher, the event loop, Redis clients and the engine of this process."""
        if self._pid != os.getpid():
            return
        if self._runner is not None:
            try:
                self._runner.run(self._close_async())
            finally:
                self._runner.close()
        if self._stages is not None:
            self._stages.events.close()
            self._stages.store.close()
        if self._redis is not None:
            self._redis.close()
        self.forget()

    async def _close_async(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)
        if self._aredis is not None:
            await self._aredis.aclose()

    # -- edges --------------------------------------------------------------------------------

    def redis(self) -> redis.Redis:
        self._check_fork()
        if self._redis is None:
            self._redis = redis_client(self.settings.redis_url)
        return self._redis

    def tracker(self) -> JobTracker:
        return JobTracker(
            self.redis(), prefix=self.settings.redis_prefix, url_lock_ttl=self.options.url_lock_ttl
        )

    def stages(self) -> Stages:
        """The stage functions over this process's store, Redis and sources file."""
        self._check_fork()
        if self._stages is None:
            engine = make_engine(self.settings.database_url, pool_size=_POOL_SIZE)
            store = SqlStore(
                engine,
                near_duplicate_threshold=self.settings.dedup.near_duplicate_threshold,
                outbox=self.settings.events.enabled,
            )
            self._stages = Stages(
                store=store,
                jobs=SqlJobStore(engine),
                tracker=self.tracker(),
                send=self.send,
                sources=self._sources,
                options=self.options,
                rules=site_rules(self.settings),
                learn=self.settings.learn if self.settings.learn.enabled else None,
                events=event_sink(self.settings),
            )
        return self._stages

    def control(self) -> JobControl:
        stages = self.stages()
        return JobControl(
            stages.jobs, stages.tracker, self.send, options=self.options, backlog=self.backlog
        )

    def _sources(self) -> Mapping[str, Source]:
        path = self.settings.sources_file
        try:
            return load_sources(path)
        except ConfigError as exc:
            log.error("sources.unreadable", path=str(path), error=str(exc))
            return {}

    # -- the event loop -----------------------------------------------------------------------

    def run_with_fetcher(self, call: Callable[[Fetcher], Awaitable[T]]) -> T:
        """Run ``call(fetcher)`` on this process's event loop (created on first use)."""
        self._check_fork()
        if self._runner is None:
            self._runner = asyncio.Runner()

        async def main() -> T:
            return await call(await self._open_fetcher())

        return self._runner.run(main())

    async def _open_fetcher(self) -> HttpFetcher:
        if self._fetcher is None:
            settings = self.settings
            self._aredis = aioredis.Redis.from_url(
                settings.redis_url,
                retry=AsyncRetry(ExponentialWithJitterBackoff(base=0.1, cap=2.0), _REDIS_RETRIES),
                socket_connect_timeout=5,
                socket_timeout=30,
            )
            options = fetch_options(settings)
            fetcher = HttpFetcher(
                options,
                limiter=RedisHostLimiter(
                    self._aredis,
                    concurrency=options.per_host_concurrency,
                    prefix=settings.redis_prefix,
                    # A slot of a process killed mid-request blocks its host until it expires.
                    lease_ttl=options.total_timeout + _LEASE_MARGIN,
                ),
                robots_cache=RedisRobotsCache(self._aredis, prefix=settings.redis_prefix),
            )
            self._fetcher = await fetcher.__aenter__()
        return self._fetcher
