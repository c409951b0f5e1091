"""The API's crawl jobs: one Protocol, one implementation per mode, one job store.

Both implementations keep jobs in :class:`~ingest.store.jobs.SqlJobStore`, the store the job
commands and beat use, and answer with the same :class:`~ingest.store.jobs.Job`:

* :class:`EmbeddedJobService` (embedded mode) runs each job as an asyncio task inside the API
  process with the embedded crawler. Live counts of its running jobs are kept in memory and
  written to the store when the job ends.
* :class:`DistributedJobService` (distributed mode) sends each job to the Celery workers
  through :class:`~ingest.pipeline.distributed.JobControl`; live counts are the workers' job
  counters in Redis, and cancelling sets the job's cancel flag there.

In both modes a crawl of a source is refused while the source has an active crawl.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from ingest.errors import IngestError
from ingest.model import Result
from ingest.pipeline.crawl import Crawler, Progress
from ingest.pipeline.distributed import JobControl, WorkerOptions, job_control, utc_now
from ingest.pipeline.jobs import crawl_source
from ingest.settings import Settings
from ingest.sources import Source
from ingest.store.jobs import Job, JobRunner, JobState, SqlJobStore
from ingest.store.sql import SqlStore

__all__ = [
    "CrawlerFactory",
    "DistributedJobService",
    "EmbeddedJobService",
    "JobConflict",
    "JobService",
    "SourceBusy",
    "UnknownSource",
    "job_record",
]

log = structlog.get_logger(__name__)

#: Label of the jobs that crawl given URLs without naming a source.
URLS_LABEL = "api"
#: An active crawl of a source older than this no longer blocks the next one (as on workers).
STALE_AFTER = WorkerOptions().job_stale_after


class UnknownSource(IngestError):
    """The job names a source that is not configured."""


class SourceBusy(IngestError):
    """The source already has an active crawl."""


class JobConflict(IngestError):
    """The job cannot be cancelled in its state (or not by this process)."""


def job_record(job: Job) -> dict[str, Any]:
    """A job as the API returns it (the ``Job`` schema of the OpenAPI document)."""
    return {**job.to_json(), "urls": list(job.urls)}


class JobService(Protocol):
    """Start, inspect and cancel crawl jobs."""

    async def recover(self) -> int:
        """At startup: end the jobs a previous process of this kind left active."""
        ...

    async def start(self, *, source: str | None, urls: Sequence[str]) -> Job:
        """Raises :class:`UnknownSource` and :class:`SourceBusy`."""
        ...

    async def get(self, job_id: str) -> Job | None: ...

    async def list(self, *, limit: int = 50) -> list[Job]: ...

    async def cancel(self, job_id: str) -> Job | None:
        """The cancelled job, ``None`` if unknown; raises :class:`JobConflict`."""
        ...

    async def active(self) -> int:
        """Jobs queued or running that this service runs or sends."""
        ...

    async def close(self) -> None: ...


def _label(source: str | None, urls: Sequence[str], sources: Mapping[str, Source]) -> str:
    """The source name of a requested job: the label of a URL crawl, or a configured source.
    Raises :class:`UnknownSource`."""
    if urls:
        return source or URLS_LABEL
    if source is None or source not in sources:
        known = ", ".join(sorted(sources)) or "none configured"
        raise UnknownSource(f"unknown source {source!r} (known: {known})")
    return source


def _busy(source: str) -> SourceBusy:
    return SourceBusy(f"source {source!r} already has an active crawl")


def _ended(job: Job) -> JobConflict:
    return JobConflict(f"job {job.id} already ended ({job.state})")


def _elsewhere(job: Job) -> JobConflict:
    runner = "the workers" if job.runner is JobRunner.WORKERS else "another API process"
    return JobConflict(f"job {job.id} is run by {runner}, not this API process")


# -- embedded mode --------------------------------------------------------------------------------


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
        clock: Callable[[], datetime] = utc_now,
        stale_after: float = STALE_AFTER,
    ) -> None:
        self.settings = settings
        self.store = store
        self.jobs = SqlJobStore(store.engine)
        self.sources = dict(sources)
        self._factory = crawler_factory
        self._slots = asyncio.Semaphore(max_running)
        self._on_result = on_result
        self._clock = clock
        self._stale_after = timedelta(seconds=stale_after)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._live: dict[str, _Counts] = {}

    async def recover(self) -> int:
        """Mark jobs a previous API process left queued or running as failed."""
        return await asyncio.to_thread(
            self.jobs.interrupt,
            JobRunner.API,
            error="interrupted: the API server stopped while the job was active",
            now=self._clock(),
        )

    async def start(self, *, source: str | None, urls: Sequence[str]) -> Job:
        """Record a queued job and start it."""
        job = Job(
            id=str(uuid.uuid4()),
            source=_label(source, urls, self.sources),
            state=JobState.QUEUED,
            created_at=self._clock(),
            urls=tuple(urls),
            runner=JobRunner.API,
        )
        crawl = crawl_source(job, self.sources)
        assert crawl is not None  # URLs, or a configured source (checked by _label)
        created = await asyncio.to_thread(self.jobs.create, job, stale_after=self._stale_after)
        if created is None:
            raise _busy(crawl.name)
        counts = _Counts(self._on_result)
        self._live[job.id] = counts
        self._tasks[job.id] = asyncio.create_task(
            self._run(job, crawl, counts), name=f"job-{job.id}"
        )
        return created

    async def _run(self, job: Job, source: Source, counts: _Counts) -> None:
        state, error = JobState.FINISHED, None
        try:
            async with self._slots:
                await asyncio.to_thread(self.jobs.start, job.id, now=self._clock())
                async with self._factory(
                    self.settings, self.store, progress=counts, processes=False
                ) as crawler:
                    if job.urls:
                        await crawler.crawl_urls(job.urls, source)
                    else:
                        await crawler.crawl_sources([source])
        except asyncio.CancelledError:
            state = JobState.CANCELLED
        except (IngestError, OSError) as exc:
            state, error = JobState.FAILED, f"{type(exc).__name__}: {exc}"
            log.warning("job.failed", job_id=job.id, error=error)
        finally:
            await asyncio.shield(self._finish(job.id, state, error, counts))

    async def _finish(
        self, job_id: str, state: JobState, error: str | None, counts: _Counts
    ) -> None:
        try:
            await asyncio.to_thread(
                self.jobs.finish,
                job_id,
                state=state,
                counts=dict(counts.counts),
                now=self._clock(),
                error=error,
            )
        finally:
            self._live.pop(job_id, None)
            self._tasks.pop(job_id, None)
        log.info("job.finished", job_id=job_id, state=str(state), **dict(counts.counts))

    def _with_live(self, job: Job) -> Job:
        live = self._live.get(job.id)
        return job if live is None else replace(job, counts=dict(live.counts))

    async def get(self, job_id: str) -> Job | None:
        job = await asyncio.to_thread(self.jobs.get, job_id)
        return None if job is None else self._with_live(job)

    async def list(self, *, limit: int = 50) -> list[Job]:
        jobs = await asyncio.to_thread(self.jobs.recent, limit=limit)
        return [self._with_live(j) for j in jobs]

    async def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job and wait until it stopped."""
        task = self._tasks.get(job_id)
        if task is None:
            job = await self.get(job_id)
            if job is None:
                return None
            raise _elsewhere(job) if job.active else _ended(job)
        task.cancel()
        await asyncio.wait({task})
        return await self.get(job_id)

    async def active(self) -> int:
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


# -- distributed mode -----------------------------------------------------------------------------


class DistributedJobService:
    """Sends jobs to the Celery workers and reads them back with the workers' live counters.

    Every call runs :class:`JobControl` (blocking store, Redis and broker calls) in a thread.
    Redis or broker failures surface as
    :class:`~ingest.pipeline.jobs.CoordinationUnavailable`.
    """

    def __init__(
        self,
        control: JobControl,
        sources: Mapping[str, Source],
        *,
        on_close: Callable[[], None] = lambda: None,
    ) -> None:
        self.control = control
        self.sources = dict(sources)
        self._on_close = on_close

    @classmethod
    def connect(
        cls, settings: Settings, store: SqlStore, sources: Mapping[str, Source]
    ) -> DistributedJobService:
        """A service over ``store``'s database and the configured Redis and broker (no I/O
        until used); :meth:`close` closes the Redis client and the Celery producer."""
        edges = ExitStack()
        control = edges.enter_context(job_control(settings, store.engine))
        return cls(control, sources, on_close=edges.close)

    async def recover(self) -> int:
        return 0  # the workers' jobs outlive this process; stale ones end on the next crawl

    async def start(self, *, source: str | None, urls: Sequence[str]) -> Job:
        """Record a queued job and send its crawl task to the workers."""
        label = _label(source, urls, self.sources)
        job = await asyncio.to_thread(self.control.start, source=label, urls=urls)
        if job is None:
            raise _busy(label)
        return job

    async def get(self, job_id: str) -> Job | None:
        return await asyncio.to_thread(self.control.status, job_id)

    async def list(self, *, limit: int = 50) -> list[Job]:
        return await asyncio.to_thread(self.control.recent, limit=limit)

    async def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job: its state is ``cancelled`` at once, and the tasks
        still queued for it skip their work."""
        job = await asyncio.to_thread(self.control.jobs.get, job_id)
        if job is None:
            return None
        if not job.active:
            raise _ended(job)
        if job.runner is not JobRunner.WORKERS:
            raise _elsewhere(job)
        cancelled = await asyncio.to_thread(self.control.cancel, job_id)
        if cancelled is None or cancelled.state is not JobState.CANCELLED:
            raise _ended(cancelled or job)
        return cancelled

    async def active(self) -> int:
        return await asyncio.to_thread(self.control.jobs.count_active, runner=JobRunner.WORKERS)

    async def close(self) -> None:
        await asyncio.to_thread(self._on_close)
