"""Crawl jobs behind a small Protocol, with an embedded implementation.

:class:`EmbeddedJobService` runs each job as an asyncio task inside the API process with the
embedded crawler, and keeps job state in the store's ``jobs`` and ``job_counts`` tables. Live
counts of running jobs are kept in memory and written to the store when the job ends.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import structlog

from ingest.errors import IngestError
from ingest.model import Result
from ingest.pipeline.crawl import Crawler, Progress
from ingest.settings import Settings
from ingest.sources import Source
from ingest.store.search import JobRecord
from ingest.store.sql import SqlStore

__all__ = [
    "CrawlerFactory",
    "EmbeddedJobService",
    "JobConflict",
    "JobService",
    "JobState",
    "JobView",
    "UnknownSource",
]

log = structlog.get_logger(__name__)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobState.QUEUED, JobState.RUNNING)


class UnknownSource(IngestError):
    """The job names a source that is not configured."""


class JobConflict(IngestError):
    """The job cannot be cancelled in its state."""


@dataclass(frozen=True, slots=True)
class JobView:
    id: str
    source: str | None
    urls: tuple[str, ...]
    state: JobState
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The job as the API returns it."""
        return {
            "id": self.id,
            "source": self.source,
            "urls": list(self.urls),
            "state": str(self.state),
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
            "counts": dict(self.counts),
        }


class JobService(Protocol):
    """Start, inspect and cancel crawl jobs."""

    async def start(self, *, source: str | None, urls: Sequence[str]) -> JobView: ...

    async def get(self, job_id: str) -> JobView | None: ...

    async def list(self, *, limit: int = 50) -> list[JobView]: ...

    async def cancel(self, job_id: str) -> JobView | None: ...

    def active(self) -> int: ...

    async def close(self) -> None: ...


class CrawlerFactory(Protocol):
    def __call__(
        self, settings: Settings, store: SqlStore, *, progress: Progress | None, processes: bool
    ) -> AbstractAsyncContextManager[Crawler]: ...


class _Counts:
    """The :class:`Progress` of one job: outcome counts, shared with metrics."""

    def __init__(self, on_result: Callable[[Result], None]) -> None:
        self.counts: Counter[str] = Counter()
        self._on_result = on_result

    def add_total(self, n: int) -> None:
        self.counts["total"] += n

    def advance(self, result: Result) -> None:
        self.counts[str(result.kind)] += 1
        self.counts["done"] += 1
        self._on_result(result)


def _now() -> datetime:
    return datetime.now(UTC)


def _view(record: JobRecord, live: Mapping[str, int] | None = None) -> JobView:
    params = json.loads(record.params or "{}")
    return JobView(
        id=record.id,
        source=record.source,
        urls=tuple(params.get("urls", ())),
        state=JobState(record.state),
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        error=record.error,
        counts=dict(live) if live is not None else record.counts,
    )


class EmbeddedJobService:
    """Runs jobs in this process (at most ``max_running`` at once; others wait queued).

    ``sources`` are the configured sources a job may name; a list of URLs without a source
    is crawled as source ``api``. Call :meth:`recover` once at startup and :meth:`close` at
    shutdown (cancels running jobs and waits for them).
    """

    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        sources: Mapping[str, Source],
        *,
        crawler_factory: CrawlerFactory,
        max_running: int = 2,
        on_result: Callable[[Result], None] = lambda _r: None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.sources = dict(sources)
        self._factory = crawler_factory
        self._slots = asyncio.Semaphore(max_running)
        self._on_result = on_result
        self._clock = clock
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._live: dict[str, _Counts] = {}

    async def recover(self) -> int:
        """Mark jobs a previous API process left queued or running as failed."""
        return await asyncio.to_thread(
            self.store.interrupt_jobs,
            states=[str(s) for s in ACTIVE],
            error="interrupted: the API server stopped while the job was active",
            now=self._clock(),
        )

    def _source_for(self, name: str | None, urls: Sequence[str]) -> Source:
        if urls:
            base = self.sources.get(name) if name else None
            label = name or "api"
            return Source(
                name=label,
                seeds=tuple(urls),
                timezone=base.timezone if base else "UTC",
                priority=base.priority if base else 0,
            )
        if name is None or name not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none configured"
            raise UnknownSource(f"unknown source {name!r} (known: {known})")
        return self.sources[name]

    async def start(self, *, source: str | None, urls: Sequence[str]) -> JobView:
        """Record a queued job and start it. Raises :class:`UnknownSource`."""
        crawl_source = self._source_for(source, urls)
        job_id = str(uuid.uuid4())
        params = json.dumps({"urls": list(urls)} if urls else {})
        await asyncio.to_thread(
            self.store.create_job,
            job_id,
            source=crawl_source.name,
            params=params,
            state=str(JobState.QUEUED),
            now=self._clock(),
        )
        counts = _Counts(self._on_result)
        self._live[job_id] = counts
        self._tasks[job_id] = asyncio.create_task(
            self._run(job_id, crawl_source, tuple(urls), counts), name=f"job-{job_id}"
        )
        view = await self.get(job_id)
        assert view is not None
        return view

    async def _run(
        self, job_id: str, source: Source, urls: tuple[str, ...], counts: _Counts
    ) -> None:
        state, error = JobState.SUCCEEDED, None
        try:
            async with self._slots:
                await asyncio.to_thread(
                    self.store.update_job,
                    job_id,
                    state=str(JobState.RUNNING),
                    started_at=self._clock(),
                )
                async with self._factory(
                    self.settings, self.store, progress=counts, processes=False
                ) as crawler:
                    if urls:
                        await crawler.crawl_urls(urls, source)
                    else:
                        await crawler.crawl_sources([source])
        except asyncio.CancelledError:
            state = JobState.CANCELLED
        except (IngestError, OSError) as exc:
            state, error = JobState.FAILED, f"{type(exc).__name__}: {exc}"
            log.warning("job.failed", job_id=job_id, error=error)
        finally:
            await asyncio.shield(self._finish(job_id, state, error, counts))

    async def _finish(
        self, job_id: str, state: JobState, error: str | None, counts: _Counts
    ) -> None:
        try:
            await asyncio.to_thread(
                self.store.update_job,
                job_id,
                state=str(state),
                finished_at=self._clock(),
                error=error,
                counts=dict(counts.counts),
            )
        finally:
            self._live.pop(job_id, None)
            self._tasks.pop(job_id, None)
        log.info("job.finished", job_id=job_id, state=str(state), **dict(counts.counts))

    async def get(self, job_id: str) -> JobView | None:
        record = await asyncio.to_thread(self.store.get_job, job_id)
        if record is None:
            return None
        live = self._live.get(job_id)
        return _view(record, live.counts if live is not None else None)

    async def list(self, *, limit: int = 50) -> list[JobView]:
        records = await asyncio.to_thread(self.store.list_jobs, limit=limit)
        return [_view(r, self._live[r.id].counts if r.id in self._live else None) for r in records]

    async def cancel(self, job_id: str) -> JobView | None:
        """Cancel a queued or running job and wait until it stopped. Returns None for an
        unknown job; raises :class:`JobConflict` for a finished one."""
        task = self._tasks.get(job_id)
        if task is None:
            view = await self.get(job_id)
            if view is not None and view.state in ACTIVE:
                raise JobConflict(f"job {job_id} is run by another process")
            if view is not None:
                raise JobConflict(f"job {job_id} already ended ({view.state})")
            return None
        task.cancel()
        await asyncio.wait({task})
        return await self.get(job_id)

    def active(self) -> int:
        return len(self._tasks)

    async def wait(self, job_id: str) -> None:
        """Wait until a job started by this service ended (tests, CLI)."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait({task})

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
