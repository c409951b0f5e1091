"""The tasks: JSON arguments in, one pipeline call, retry mapping out.

Every task is acknowledged late and re-queued when its worker dies; a
:class:`~ingest.errors.TransientError` (database or Redis down, a fetch batch that hit its
soft time limit) is retried with exponential backoff and full jitter, below the visibility
timeout. When the broker itself cannot take the retry, the message is rejected back to the
queue instead of being dropped. No task waits on another task's result.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded

from ingest.errors import TransientError
from ingest.events import relay_owed
from ingest.logs import get_logger
from ingest.pipeline.distributed import (
    CRAWL_SOURCE,
    FETCH_BATCH,
    PROCESS_PAGES,
    SCHEDULED_CRAWL,
    SWEEP_JOBS,
    Settled,
    SourceRef,
)
from ingest.pipeline.jobs import Target
from workers.app import app, runtime

__all__ = ["crawl_source", "fetch_batch", "process_pages", "scheduled_crawl", "sweep_jobs"]

log = get_logger(__name__)

T = TypeVar("T")

_options = runtime.options
_COMMON: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": _options.max_retries,
    "ignore_result": True,
}


def backoff(retries: int, *, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, 2**retries)], at least 0.2 s."""
    return max(0.2, random.uniform(0, min(cap, 2.0**retries)))


def _retry(task: Task, exc: Exception, **options: Any) -> NoReturn:
    countdown = backoff(task.request.retries, cap=_options.retry_backoff_max)
    log.warning(
        "task.retry",
        task=task.name,
        task_id=task.request.id,
        retries=task.request.retries,
        countdown=round(countdown, 2),
        error=str(exc),
    )
    try:
        raise task.retry(exc=exc, countdown=countdown, **options)
    except Reject as rejected:  # the broker could not take the retry: keep the message
        raise Reject(rejected.reason, requeue=True) from exc


def _guarded(task: Task, call: Callable[[], T]) -> T:
    try:
        return call()
    except (TransientError, SoftTimeLimitExceeded) as exc:
        _retry(task, exc)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name=CRAWL_SOURCE,
    soft_time_limit=_options.crawl_time_limit,
    time_limit=_options.hard_limit(_options.crawl_time_limit),
    **_COMMON,
)
def crawl_source(self: Task, job_id: str) -> dict[str, Any]:
    """Discover a job's URLs and send the due ones to the fetch queue in batches."""

    def call() -> dict[str, Any]:
        stages = runtime.stages()
        begun = stages.begin(job_id)
        if begun is None:
            return {"job_id": job_id, "enqueued": 0}
        job, source = begun
        urls: list[str] = list(job.urls)
        counts: dict[str, int] = {}
        if not job.urls:
            urls, counts = runtime.run_with_fetcher(lambda f: stages.discover(f, source))
        return {"job_id": job_id, "enqueued": stages.enqueue(job, source, urls, counts)}

    return _guarded(self, call)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name=SCHEDULED_CRAWL,
    soft_time_limit=_options.process_time_limit,
    time_limit=_options.hard_limit(_options.process_time_limit),
    **_COMMON,
)
def scheduled_crawl(self: Task, source: str) -> dict[str, Any]:
    """Beat's entry: start a job for ``source`` unless its previous one is still active."""

    def call() -> dict[str, Any]:
        job = runtime.control().start(source=source, scheduled=True)
        return {"source": source, "job_id": job.id if job else None}

    return _guarded(self, call)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name=SWEEP_JOBS,
    soft_time_limit=_options.process_time_limit,
    time_limit=_options.hard_limit(_options.process_time_limit),
    **_COMMON,
)
def sweep_jobs(self: Task) -> list[dict[str, Any]]:
    """Beat's sweep: send again the lost work of jobs that stopped making progress, and
    publish the change events still owed (``ingest.events.relay``). Not retried: when Redis
    or the database is down, the next sweep comes soon enough."""
    try:
        swept = [s.to_json() for s in runtime.control().sweep()]
    except TransientError as exc:
        log.warning("sweep.skipped", error=str(exc))
        swept = []
    stages = runtime.stages()
    relay_owed(stages.events, stages.store, older_than=runtime.settings.events.relay_after)
    return swept


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name=FETCH_BATCH,
    soft_time_limit=_options.fetch_time_limit,
    time_limit=_options.hard_limit(_options.fetch_time_limit),
    **_COMMON,
)
def fetch_batch(self: Task, job_id: str, source: list[Any], targets: list[list[Any]]) -> int:
    """Fetch a batch of URLs on this process's event loop; each outcome goes to ``process``."""
    ref = SourceRef.from_json(source)
    batch = [Target.from_json(t) for t in targets]

    def call() -> int:
        stages = runtime.stages()
        again = runtime.run_with_fetcher(lambda f: stages.fetch(f, job_id, ref, batch))
        if again:  # our limiter was unreachable: fetch those again later
            _retry(
                self,
                TransientError(f"{len(again)} fetches waited on an unreachable limiter"),
                args=[job_id, source, [t.to_json() for t in again]],
            )
        return len(batch)

    return _guarded(self, call)


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name=PROCESS_PAGES,
    soft_time_limit=_options.process_time_limit,
    time_limit=_options.hard_limit(_options.process_time_limit),
    **_COMMON,
)
def process_pages(self: Task, job_id: str, source: list[Any], items: list[list[Any]]) -> int:
    """Analyse and store fetched pages (or record their fetch failures), one transaction
    each. A transient error retries the task with the pages not yet done."""
    ref = SourceRef.from_json(source)

    def call() -> int:
        stages = runtime.stages()
        if stages.skip_cancelled(job_id, [Target.from_json(t) for t, _ in items]):
            return 0
        done: list[Settled] = []
        try:
            for target, payload in items:
                done.append(stages.store_page(job_id, ref, Target.from_json(target), payload))
        except (TransientError, SoftTimeLimitExceeded) as exc:
            pending = items[len(done) :]
            try:
                stages.conclude(job_id, done)
            except TransientError:
                pending = items  # nothing concluded: all again (storing is idempotent)
            _retry(self, exc, args=[job_id, source, pending])
        stages.conclude(job_id, done)
        return len(done)

    return _guarded(self, call)
