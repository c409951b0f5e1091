"""The distributed mode's stages: what each Celery task does, without Celery.

``workers/`` wraps these in thin tasks; ``ingest`` itself sends tasks by name only
(:data:`CRAWL_SOURCE`...), through any :class:`Send` (:func:`job_control` builds the Celery
producer the job commands and the API use). The flow of one job::

    crawl (discover queue):  discovery -> frontier filter -> URL locks -> fetch batches
    fetch (fetch queue):     one batch of URLs on the worker's event loop -> one process
                             message per URL (page body compressed, or the failure)
    process (process queue): analyse -> settle (one transaction) -> frontier record ->
                             job counters -> release the URL lock -> finish the job when
                             every enqueued URL is settled

Every stage is safe to run twice: the store writes are keyed by URL, the counters by URL
(:class:`~ingest.pipeline.jobs.JobTracker`), the locks by job.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

from ingest.errors import ConfigError, StoreUnavailable
from ingest.events import EventSink, NullSink, StreamUnavailable, publish_settled
from ingest.extract.profile import HostProfile
from ingest.extract.rules import RuleSet
from ingest.fetch.base import Fetcher, Reason
from ingest.logs import get_logger
from ingest.model import FetchFailure, OutcomeKind, Page, Result
from ingest.normalize.article import NormalizeOptions
from ingest.normalize.urls import host_of
from ingest.pipeline.discovery import discover_source
from ingest.pipeline.jobs import (
    CoordinationUnavailable,
    JobTracker,
    Stall,
    Target,
    crawl_source,
    decode_failure,
    decode_page,
    due_targets,
    encode_failure,
    encode_page,
    unique_keys,
)
from ingest.pipeline.process import (
    Analysed,
    analyse,
    failure_result,
    frontier_update,
    learn_from,
    settle,
)
from ingest.settings import LearnSettings, Settings, WorkersSettings
from ingest.sources import Source
from ingest.store.base import FrontierUpdate
from ingest.store.engine import refresh_statistics
from ingest.store.jobs import ACTIVE_STATES, Job, JobRunner, JobState, SqlJobStore
from ingest.store.sql import SqlStore

__all__ = [
    "CRAWL_SOURCE",
    "FETCH_BATCH",
    "PROCESS_PAGES",
    "QUEUES",
    "SCHEDULED_CRAWL",
    "SWEEP_JOBS",
    "JobControl",
    "Send",
    "SourceRef",
    "Stages",
    "Swept",
    "WorkerOptions",
    "broker_backlog",
    "celery_config",
    "job_control",
    "searchable_broker",
    "send_task",
    "utc_now",
]

log = get_logger(__name__)

QUEUE_DISCOVER = "discover"
QUEUE_FETCH = "fetch"
QUEUE_PROCESS = "process"
QUEUES = (QUEUE_DISCOVER, QUEUE_FETCH, QUEUE_PROCESS)

CRAWL_SOURCE = "ingest.crawl_source"
SCHEDULED_CRAWL = "ingest.scheduled_crawl"
FETCH_BATCH = "ingest.fetch_batch"
PROCESS_PAGES = "ingest.process_pages"
SWEEP_JOBS = "ingest.sweep_jobs"

ROUTES = {
    CRAWL_SOURCE: QUEUE_DISCOVER,
    SCHEDULED_CRAWL: QUEUE_DISCOVER,
    SWEEP_JOBS: QUEUE_DISCOVER,
    FETCH_BATCH: QUEUE_FETCH,
    PROCESS_PAGES: QUEUE_PROCESS,
}

#: Articles settled by one process after which it refreshes the planner statistics.
_ANALYZE_AT = (50, 500, 5000)

#: Fetch failures caused by our own infrastructure, not by the site: the URL is fetched again.
_INFRA_FAILURES = frozenset({str(Reason.LIMITER_UNAVAILABLE)})


#: The least quiet time (seconds) that makes a job stalled on a searchable broker.
SEARCHED_STALL = 300


def searchable_broker(url: str) -> bool:
    """True when :func:`broker_backlog` can count one job's messages on the broker at ``url``."""
    return url.split("://", 1)[0].lower() in ("redis", "rediss", "redis+socket")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """Knobs of the distributed mode. ``visibility_timeout`` (seconds before the broker hands
    an unacknowledged message to another worker) must exceed every time limit plus the longest
    retry delay, or a slow task would run twice at once."""

    visibility_timeout: int = 3600
    fetch_batch: int = 25
    #: Pages per process message: fewer, larger messages cost the broker and the worker less.
    process_batch: int = 5
    url_lock_ttl: int = 1800
    retry_backoff_max: int = 60
    max_retries: int = 100
    crawl_time_limit: int = 900
    fetch_time_limit: int = 600
    process_time_limit: int = 120
    job_stale_after: float = 12 * 3600.0
    finished_job_ttl: int = 7 * 86400
    sweep_interval: int = 60
    #: Seconds without progress after which a job's unsettled URLs are sent again (0: see
    #: :attr:`stalled_after`).
    stall_after: int = 0
    #: Sweeps that re-send a stalled job's URLs before the job fails with error ``stalled``.
    max_resends: int = 5
    #: The broker can be searched for one job's messages (Redis, see :func:`broker_backlog`).
    searchable_broker: bool = False

    def __post_init__(self) -> None:
        longest = max(self.crawl_time_limit, self.fetch_time_limit, self.process_time_limit)
        needed = self.hard_limit(longest) + self.retry_backoff_max
        if self.visibility_timeout <= needed:
            raise ConfigError(
                f"visibility_timeout ({self.visibility_timeout}s) must exceed the longest task "
                f"time limit plus retry delay ({needed}s)"
            )

    @property
    def stalled_after(self) -> int:
        """Seconds without progress that make a job stalled: :attr:`stall_after` when set.
        Else, on a broker the sweep can search for the job's messages, five sweeps (five
        minutes at least): a message waiting in a queue or held by a worker, even a dead one
        (until it is due back in its queue), is seen there, so a quiet job holding none lost
        it. On another broker, the visibility
        timeout plus the longest task: by then a dead worker's messages have come back."""
        if self.stall_after:
            return self.stall_after
        if self.searchable_broker:
            return max(SEARCHED_STALL, 5 * self.sweep_interval)
        longest = max(self.crawl_time_limit, self.fetch_time_limit, self.process_time_limit)
        return self.visibility_timeout + self.hard_limit(longest)

    @classmethod
    def of(cls, section: WorkersSettings) -> WorkerOptions:
        """The options of the ``workers`` settings section: the fields it sets explicitly,
        scaled to its visibility timeout."""
        explicit = {k: getattr(section, k) for k in section.model_fields_set}
        explicit.pop("visibility_timeout", None)
        return cls.for_visibility(section.visibility_timeout, **explicit)

    @staticmethod
    def hard_limit(soft: int) -> int:
        """The hard time limit that goes with a soft one (time to clean up after it)."""
        return soft + max(5, soft // 10)

    @classmethod
    def for_visibility(cls, visibility_timeout: int, **changes: Any) -> WorkerOptions:
        """Options scaled to a (short) visibility timeout, keeping its invariant."""
        if visibility_timeout >= cls().visibility_timeout:
            return cls(visibility_timeout=visibility_timeout, **changes)
        unit = max(1, visibility_timeout // 10)
        values: dict[str, Any] = {
            "visibility_timeout": visibility_timeout,
            "retry_backoff_max": unit,
            "crawl_time_limit": unit * 6,
            "fetch_time_limit": unit * 5,
            "process_time_limit": unit * 4,
        }
        return cls(**(values | changes))


def celery_config(settings: Settings, options: WorkerOptions) -> dict[str, Any]:
    """The Celery configuration of every worker and producer, from :class:`Settings`."""
    return {
        "broker_url": settings.broker,
        "broker_transport_options": {
            "visibility_timeout": options.visibility_timeout,
            "global_keyprefix": settings.redis_prefix,
            "unacked_restore_interval": 2,
            "unacked_restore_throttle": 1,
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 60,
            "interval_start": 0.1,
            "interval_step": 0.5,
            "interval_max": 2.0,
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A failed task is acknowledged (its error is an outcome or retried by the task);
        # one killed by its hard time limit goes back to the queue.
        "task_acks_on_failure": True,
        "task_acks_on_timeout": False,
        "worker_prefetch_multiplier": 1,
        "task_routes": {name: {"queue": queue} for name, queue in ROUTES.items()},
        "task_default_queue": QUEUE_PROCESS,
        "task_create_missing_queues": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "enable_utc": True,
    }


class Send(Protocol):
    """Sends a task by name with JSON arguments (``Celery.send_task`` in production)."""

    def __call__(self, name: str, args: list[Any], *, countdown: float | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class SourceRef:
    """What the fetch and process stages need of a source (a small JSON argument)."""

    name: str
    priority: int = 0
    timezone: str = "UTC"
    recrawl_after: float = 6 * 3600.0

    @classmethod
    def of(cls, source: Source) -> SourceRef:
        return cls(source.name, source.priority, source.timezone, source.recrawl_after)

    def to_json(self) -> list[Any]:
        return [self.name, self.priority, self.timezone, self.recrawl_after]

    @classmethod
    def from_json(cls, raw: Sequence[Any]) -> SourceRef:
        name, priority, tz, recrawl = raw
        return cls(str(name), int(priority), str(tz), float(recrawl))


def end_job(
    jobs: SqlJobStore,
    tracker: JobTracker,
    job_id: str,
    *,
    state: JobState,
    now: datetime,
    ttl: int,
    error: str | None = None,
) -> Job | None:
    """End an active job with ``state``: its live counters are copied to the store, and its
    state in Redis expires after ``ttl`` seconds (idempotent)."""
    job = jobs.finish(job_id, state=state, counts=tracker.counts(job_id), now=now, error=error)
    tracker.expire(job_id, ttl)
    return job


def send_fetches(
    send: Send, job_id: str, source: list[Any], targets: Sequence[Target], size: int
) -> int:
    """Send ``targets`` to the fetch queue in batches of ``size``; returns how many batches."""
    batches = 0
    for start in range(0, len(targets), size):
        send(FETCH_BATCH, [job_id, source, [t.to_json() for t in targets[start : start + size]]])
        batches += 1
    return batches


#: The message header naming a task's job: the sweep looks for a job's messages by it.
JOB_HEADER = "ingest_job"


def send_task(app: Any, name: str, args: list[Any], *, countdown: float | None = None) -> None:
    """Send one of ingest's tasks; its first argument, the job id, also goes in a header."""
    headers = {JOB_HEADER: str(args[0])} if args else None
    app.send_task(name, args=args, countdown=countdown, headers=headers)


# Counts the messages of one job that a Redis broker holds, up to ARGV[2] (0: all): those
# handed to a worker and not yet acknowledged (the hash KEYS[1]) while still inside their
# visibility window (delivered, per the index KEYS[2], at ARGV[4] or later: an older one is due
# to come back, or was orphaned), then those waiting in the queues (the other KEYS, read in
# pages). A message is the job's when it holds ARGV[1] (the job header) or ARGV[3] (the job id
# opening Celery's argsrepr, for messages sent without the header). It runs on the server: no
# message crosses the network.
_JOB_MESSAGES = """
local header, args, limit, found = ARGV[1], ARGV[3], tonumber(ARGV[2]), 0
local cutoff = tonumber(ARGV[4])
local function of_job(item)
  return string.find(item, header, 1, true) or string.find(item, args, 1, true)
end
local unacked = redis.call('HGETALL', KEYS[1])
for j = 1, #unacked, 2 do
  local delivered = tonumber(redis.call('ZSCORE', KEYS[2], unacked[j]))
  if delivered and delivered >= cutoff and of_job(unacked[j + 1]) then found = found + 1 end
end
for i = 3, #KEYS do
  local size, start = redis.call('LLEN', KEYS[i]), 0
  while start < size and (limit == 0 or found < limit) do
    for _, item in ipairs(redis.call('LRANGE', KEYS[i], start, start + 499)) do
      if of_job(item) then found = found + 1 end
    end
    start = start + 500
  end
end
return found
"""


def broker_backlog(
    app: Any, queues: Sequence[str] = QUEUES, *, job_id: str | None = None, at_most: int = 0
) -> int:
    """How many task messages ``app``'s broker holds in ``queues`` (waiting, not yet handed to
    a worker); a queue that does not exist yet holds none. Works on every kombu transport.

    With ``job_id``, on Redis: the messages of that job only (sent with :func:`send_task`),
    waiting, or handed to a worker and not yet acknowledged within the visibility timeout (a
    message older than that is due to come back to its queue, or was orphaned by a broker
    restart), so a job waiting behind other jobs' work, or on a worker, is told from one whose
    messages are gone; ``at_most`` stops the search once it found that many (0: count them all).
    Other transports cannot be searched: they answer the whole queues' count.
    Raises :class:`CoordinationUnavailable` when the broker cannot be reached."""
    from kombu.exceptions import ChannelError, OperationalError  # noqa: PLC0415

    total = 0
    try:
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            if job_id is not None and conn.transport.driver_type == "redis":
                return _job_messages(channel, queues, job_id, at_most)
            size = getattr(channel, "_size", None)  # kombu's virtual transports (Redis...)
            for queue in queues:
                if size is not None:
                    # A passive declare misses the queue under Redis's global_keyprefix
                    # (kombu 5.7 checks it with an unprefixed EXISTS).
                    total += int(size(queue))
                    continue
                try:
                    total += int(channel.queue_declare(queue=queue, passive=True).message_count)
                except ChannelError:
                    continue
    except (OperationalError, OSError) as exc:
        raise CoordinationUnavailable(f"broker: {exc}") from exc
    return total


def _job_messages(channel: Any, queues: Sequence[str], job_id: str, at_most: int) -> int:
    """The messages of ``job_id`` a kombu Redis channel holds (see :func:`broker_backlog`)."""
    import redis  # noqa: PLC0415

    prefix = getattr(channel, "global_keyprefix", "") or ""
    lists = {channel._q_for_pri(q, p) for q in queues for p in channel.priority_steps}
    unacked = (channel.unacked_key, channel.unacked_index_key)
    keys = [prefix + k for k in (*unacked, *sorted(lists))]
    header = json.dumps({JOB_HEADER: job_id})[1:-1]  # '"ingest_job": "<id>"', as kombu writes it
    # A message sent without the header (by an older producer) names its job as the first
    # item of Celery's ``argsrepr`` header: "['<id>', ...".
    args = json.dumps({"argsrepr": f"[{job_id!r}"})[1:-2]  # without the string's closing quote
    try:
        cutoff = time.time() - channel.visibility_timeout  # as kombu dates its deliveries
        script_args = (header, at_most, args, cutoff)
        return int(channel.client.eval(_JOB_MESSAGES, len(keys), *keys, *script_args))
    except redis.RedisError as exc:
        raise CoordinationUnavailable(f"broker: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep did for one quiet job: ``action`` is ``crawl`` (its discovery task
    sent again), ``fetch`` (its unsettled URLs sent again), ``finished`` (every URL was
    settled but the job was not ended), ``unknown`` (its unsettled URLs were enqueued without
    the details to send them again), ``failed`` (re-sent too often, given up) or ``waiting``
    (nothing sent: the broker still holds ``messages`` of its task messages)."""

    job_id: str
    action: str
    urls: int = 0
    messages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "action": self.action,
            "urls": self.urls,
            "messages": self.messages,
        }


class JobControl:
    """Start, cancel and read the jobs the workers run: what the job commands, beat and the
    API in distributed mode call."""

    def __init__(
        self,
        jobs: SqlJobStore,
        tracker: JobTracker,
        send: Send,
        *,
        clock: Callable[[], datetime] = utc_now,
        options: WorkerOptions | None = None,
        backlog: Callable[[str], int] = lambda job_id: 0,
    ) -> None:
        self.jobs = jobs
        self.tracker = tracker
        self.send = send
        self.clock = clock
        self.options = options or WorkerOptions()
        #: The task messages of a job the broker holds (see :func:`broker_backlog`).
        self.backlog = backlog

    def start(
        self,
        *,
        source: str | None,
        urls: Sequence[str] = (),
        force: bool = False,
        scheduled: bool = False,
        job_id: str | None = None,
    ) -> Job | None:
        """Create a job and send its crawl task. ``None`` for a crawl of ``source`` (no
        ``urls``) while the source has an active crawl (one crawl of a source at a time).
        Raises :class:`CoordinationUnavailable` (the job marked failed) when the task cannot
        be sent."""
        if source is None and not urls:
            raise ConfigError("a job needs a source name or URLs")
        job = Job(
            id=job_id or str(uuid.uuid4()),
            source=source,
            state=JobState.QUEUED,
            created_at=self.clock(),
            urls=tuple(urls),
            force=force,
            scheduled=scheduled,
        )
        created = self.jobs.create(job, stale_after=timedelta(seconds=self.options.job_stale_after))
        if created is None:
            log.info("job.skipped_running", source=source)
            return None
        try:
            self.send(CRAWL_SOURCE, [created.id])
        except Exception as exc:  # whatever the producer raises: the job cannot run
            self.jobs.finish(
                created.id,
                state=JobState.FAILED,
                counts={},
                now=self.clock(),
                error=f"not queued: {exc}",
            )
            raise CoordinationUnavailable(f"broker: {exc}") from exc
        log.info("job.queued", job_id=created.id, source=source, urls=len(urls))
        return created

    def cancel(self, job_id: str) -> Job | None:
        """Cancel an active job: its queued tasks skip their work; its state becomes
        ``cancelled``. An unknown job is ``None``; a job that ended is returned unchanged.
        Raises :class:`ConfigError` for an active job that an API process runs itself."""
        job = self.jobs.get(job_id)
        if job is None or not job.active:
            return job
        if job.runner is not JobRunner.WORKERS:
            raise ConfigError(
                f"job {job_id} runs inside an API process (embedded mode): cancel it there "
                f"(DELETE /jobs/{job_id})"
            )
        self.tracker.cancel(job_id)
        return self._end(job_id, JobState.CANCELLED, self.clock())

    def _end(
        self, job_id: str, state: JobState, now: datetime, error: str | None = None
    ) -> Job | None:
        return end_job(
            self.jobs,
            self.tracker,
            job_id,
            state=state,
            now=now,
            ttl=self.options.finished_job_ttl,
            error=error,
        )

    def status(self, job_id: str) -> Job | None:
        """The job with live counters while it is active."""
        job = self.jobs.get(job_id)
        if job is not None and job.active:
            job = replace(job, counts=self.tracker.counts(job_id))
        return job

    def recent(self, *, states: Sequence[JobState] = (), limit: int = 50) -> list[Job]:
        """Jobs, newest first, with live counters where active."""
        jobs = self.jobs.recent(states=states, limit=limit)
        return [replace(j, counts=self.tracker.counts(j.id)) if j.active else j for j in jobs]

    def sweep(self, *, stalled_after: float | None = None) -> list[Swept]:
        """Send again what the broker lost: for each active job of the workers that made no
        progress for ``stalled_after`` seconds (default :attr:`WorkerOptions.stalled_after`),
        its discovery task when discovery never finished, else the fetches of the URLs it
        enqueued and has not settled. Nothing is sent while the broker still holds one of the
        job's messages (:func:`broker_backlog`; on a transport that cannot be searched, any
        message): a job whose work waits in a queue, or on a worker, is slow, not stalled. A
        job all of whose URLs are settled is ended; one re-sent
        :attr:`WorkerOptions.max_resends` times already fails (error ``stalled``) and
        releases its URL locks.

        Sending twice is safe (every stage is idempotent and the fetch stage skips settled
        URLs), so a job that was only slow costs some repeated work, never a duplicate."""
        wait = self.options.stalled_after if stalled_after is None else stalled_after
        now = self.clock()
        swept: list[Swept] = []
        for job in self.jobs.recent(states=ACTIVE_STATES, limit=10_000):
            if job.runner is not JobRunner.WORKERS or self.tracker.cancelled(job.id):
                continue
            last = job.started_at or job.created_at
            if (active_at := self.tracker.active_at(job.id)) is not None:
                last = max(last, datetime.fromtimestamp(active_at, UTC))
            if (now - last).total_seconds() < wait:
                continue
            stall = self.tracker.stall(job.id)  # the unsettled URLs: read for stalled jobs only
            if stall.discovery_done and not stall.unsettled and not stall.unknown:
                self._end(job.id, JobState.FINISHED, now)
                done = Swept(job.id, "finished")
            elif held := self.backlog(job.id):
                log.info("job.waiting_for_broker", job_id=job.id, messages=held)
                swept.append(Swept(job.id, "waiting", messages=held))
                continue
            else:
                done = self._unstall(job, stall, now)
            log.warning("job.swept", job_id=job.id, action=done.action, urls=done.urls)
            swept.append(done)
        return swept

    def _unstall(self, job: Job, stall: Stall, now: datetime) -> Swept:
        if stall.resent >= self.options.max_resends:
            self.tracker.cancel(job.id)  # flags its tasks off and releases its URL locks
            error = (
                f"stalled: {len(stall.unsettled) + stall.unknown} URLs not settled after "
                f"{stall.resent} re-sends"
            )
            self._end(job.id, JobState.FAILED, now, error)
            return Swept(job.id, "failed", len(stall.unsettled) + stall.unknown)
        if not stall.discovery_done or stall.source is None:
            self.send(CRAWL_SOURCE, [job.id])
            self.tracker.resent(job.id)
            return Swept(job.id, "crawl")
        if not stall.unsettled:  # only URLs it cannot send again: fail it in time
            self.tracker.resent(job.id)
            return Swept(job.id, "unknown", stall.unknown)
        self.tracker.lock_urls(job.id, [t.key for t in stall.unsettled])
        send_fetches(self.send, job.id, stall.source, stall.unsettled, self.options.fetch_batch)
        self.tracker.resent(job.id)
        return Swept(job.id, "fetch", len(stall.unsettled))


@contextmanager
def job_control(
    settings: Settings, engine: Engine, *, options: WorkerOptions | None = None
) -> Iterator[JobControl]:
    """A :class:`JobControl` over the jobs in ``engine``'s database, the configured Redis
    (job counters) and a Celery producer for the configured broker. Tasks are sent by name;
    no worker code is imported. Sending is serialised, so the control may be used from several
    threads. Closes the producer and the Redis client after."""
    import redis  # noqa: PLC0415 - only job control needs these clients
    from celery import Celery  # noqa: PLC0415

    options = options or WorkerOptions.of(settings.workers)
    options = replace(options, searchable_broker=searchable_broker(settings.broker))
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=30)
    producer = Celery("ingest", set_as_current=False)
    producer.conf.update(celery_config(settings, options))
    sending = threading.Lock()

    def send(name: str, args: list[Any], *, countdown: float | None = None) -> None:
        with sending:
            send_task(producer, name, args, countdown=countdown)

    try:
        yield JobControl(
            SqlJobStore(engine),
            JobTracker(client, prefix=settings.redis_prefix, url_lock_ttl=options.url_lock_ttl),
            send,
            options=options,
            backlog=lambda job_id: broker_backlog(producer, job_id=job_id, at_most=1),
        )
    finally:
        producer.close()
        client.close()


@dataclass(frozen=True, slots=True)
class Settled:
    """One page through analyse and settle: its result and how the frontier records it."""

    target: Target
    result: Result
    update: FrontierUpdate | None


@dataclass(slots=True)
class Stages:
    """The stage functions bound to one worker process's edges."""

    store: SqlStore
    jobs: SqlJobStore
    tracker: JobTracker
    send: Send
    sources: Callable[[], Mapping[str, Source]]
    options: WorkerOptions
    rules: RuleSet | None = None
    clock: Callable[[], datetime] = utc_now
    #: Site-aware chrome learning, as the embedded crawler does it (``None``: off).
    learn: LearnSettings | None = None
    #: The change stream: committed changes are published here, as the embedded crawler does.
    events: EventSink = field(default_factory=NullSink)
    settled: int = 0
    profiles: dict[str, HostProfile] = field(default_factory=dict)
    learnt: Counter[str] = field(default_factory=Counter)

    # -- crawl (discover queue) ---------------------------------------------------------------

    def begin(self, job_id: str) -> tuple[Job, Source] | None:
        """Mark the job running; ``None`` when it is unknown, ended or cancelled."""
        job = self.jobs.start(job_id, now=self.clock())
        if job is None or not job.active or self.tracker.cancelled(job_id):
            log.info("job.not_started", job_id=job_id, state=job.state if job else None)
            return None
        source = crawl_source(job, self.sources())
        if source is None:
            self.jobs.finish(
                job_id, state=JobState.FAILED, counts={}, now=self.clock(), error="unknown source"
            )
            return None
        return job, source

    async def discover(self, fetcher: Fetcher, source: Source) -> tuple[list[str], dict[str, int]]:
        """The source's article URLs (newest first, ``max_articles`` at most) and counters."""
        found = await discover_source(fetcher, source)
        links = found.links[: source.max_articles] if source.max_articles else found.links
        counts = {"discovery_fetched": found.fetched, "discovery_failed": len(found.failures)}
        for failure in found.failures:
            name = f"discovery_failed:{failure.reason}"
            counts[name] = counts.get(name, 0) + 1
        return [link.url for link in links], counts

    def enqueue(self, job: Job, source: Source, urls: Sequence[str], counts: dict[str, int]) -> int:
        """Filter due URLs, lock them for this job and send them to the fetch queue in
        batches. Returns how many URLs were enqueued. Safe to repeat for the same job."""
        keyed = unique_keys(urls)
        entries = self.store.frontier([k for _, k in keyed])
        due, not_due = due_targets(
            (u for u, _ in keyed), entries, now=self.clock(), force=job.force
        )
        held = self.tracker.lock_urls(job.id, [t.key for t in due])
        mine = [t for t, ok in zip(due, held, strict=True) if ok]
        counts |= {
            "discovered": len(keyed),
            "due": len(mine),
            "skipped_not_due": not_due,
            "skipped_in_flight": len(due) - len(mine),
        }
        ref = SourceRef.of(source).to_json()
        self.tracker.enqueue(job.id, mine, source=ref, counts=counts)
        send_fetches(self.send, job.id, ref, mine, self.options.fetch_batch)
        if self.tracker.discovery_done(job.id).complete:
            self.finish(job.id)
        log.info("job.enqueued", job_id=job.id, due=len(mine), not_due=not_due)
        return len(mine)

    # -- fetch (fetch queue) ------------------------------------------------------------------

    async def fetch(
        self, fetcher: Fetcher, job_id: str, source: SourceRef, targets: Sequence[Target]
    ) -> list[Target]:
        """Fetch a batch concurrently and send each outcome to the process queue. Returns the
        targets to fetch again later (our limiter was unreachable)."""
        import asyncio  # noqa: PLC0415 - only this stage runs on the event loop

        if self.skip_cancelled(job_id, targets):
            return []
        # A URL settled already (its batch sent again by a sweep, or redelivered) is not
        # fetched twice.
        unsettled = self.tracker.unsettled(job_id, [t.key for t in targets])
        targets = [t for t, todo in zip(targets, unsettled, strict=True) if todo]
        results = await asyncio.gather(*(fetcher.fetch(t.request(source.name)) for t in targets))
        again: list[Target] = []
        fetched: list[str] = []
        items: list[list[Any]] = []
        for target, result in zip(targets, results, strict=True):
            if isinstance(result, FetchFailure):
                if result.reason in _INFRA_FAILURES:
                    again.append(target)
                    continue
                payload = {"failure": encode_failure(result)}
            else:
                fetched.append(target.key)
                payload = {"page": encode_page(replace(result, source=source.name))}
            items.append([target.to_json(), payload])
        ref = source.to_json()
        size = self.options.process_batch
        for start in range(0, len(items), size):
            self.send(PROCESS_PAGES, [job_id, ref, items[start : start + size]])
        self.tracker.fetched(job_id, fetched)
        return again

    # -- process (process queue) --------------------------------------------------------------

    def skip_cancelled(self, job_id: str, targets: Sequence[Target]) -> bool:
        """True (and the targets' URL locks released) when the job was cancelled."""
        if not self.tracker.cancelled(job_id):
            return False
        for t in targets:
            self.tracker.release_url(job_id, t.key)
        return True

    def store_page(
        self, job_id: str, source: SourceRef, target: Target, payload: Mapping[str, Any]
    ) -> Settled:
        """Analyse and store one fetched page (dedup included, one transaction), or turn its
        fetch failure into a result, and count the outcome at once (once per URL). Safe to
        repeat: a page stored before comes back ``unchanged`` and is not counted again; a page
        this job has settled already (its message delivered again after a worker died, or
        its fetch sent again by a sweep) is not analysed again: with site learning on, a
        second extraction could differ from the first and store a needless new version."""
        now = self.clock()
        if not self.tracker.unsettled(job_id, [target.key])[0]:
            return Settled(
                target, Result(target.url, OutcomeKind.UNCHANGED, reason="settled"), None
            )
        page = decode_page(payload["page"]) if "page" in payload else None
        if page is None:
            result = failure_result(decode_failure(payload["failure"]))
        elif page.not_modified:
            result = Result(
                page.url, OutcomeKind.UNCHANGED, reason="not_modified", article_id=target.article_id
            )
        else:
            options = NormalizeOptions(default_tz=source.timezone)
            profile = self._profile(page) if self.learn is not None else None
            analysed = analyse(page, rules=self.rules, options=options, now=now, profile=profile)
            # A page delivered twice (its worker died after the commit) is stored once.
            result = settle(
                self.store, analysed, page, priority=source.priority, now=now, once_per_fetch=True
            )
            if result.url != page.url:
                result = replace(result, url=page.url)
            self._publish(result)
            self._learn(result, analysed, page, now)
        update = frontier_update(
            result,
            source=source.name,
            now=now,
            recrawl_after=timedelta(seconds=source.recrawl_after),
            page=page,
        )
        self.tracker.settled(job_id, [(target.key, result)])
        return Settled(target, result, update)

    def _profile(self, page: Page) -> HostProfile:
        """The host's learnt chrome, cached in this process and reloaded as it learns."""
        assert self.learn is not None
        host = host_of(page.final_url or page.url)
        cached = self.profiles.get(host)
        if cached is None:
            cached = self.store.site_profile(
                host, min_pages=self.learn.min_pages, min_share=self.learn.min_share
            )
            self.profiles[host] = cached
        return cached

    def _learn(self, result: Result, analysed: Analysed, page: Page, now: datetime) -> None:
        if self.learn is None:
            return
        try:
            counted = learn_from(self.store, result, analysed, page, settings=self.learn, now=now)
        except StoreUnavailable as exc:  # the article is stored; learning can miss one page
            log.warning("learn.skipped", url=page.url, error=str(exc))
            return
        if counted:
            host = host_of(page.final_url or page.url)
            self.learnt[host] += 1
            seen = self.learnt[host]
            if seen % self.learn.refresh_pages == 0 or seen <= self.learn.min_pages:
                self.profiles.pop(host, None)

    def conclude(self, job_id: str, done: Sequence[Settled]) -> None:
        """After :meth:`store_page`: record the URLs in the frontier (one transaction for the
        lot), release their locks, and end the job after its last URL."""
        if not done:
            return
        updates = [s.update for s in done if s.update is not None]
        if updates:
            self.store.record(updates)
        progress = self.tracker.release(job_id, [s.target.key for s in done])
        before, self.settled = self.settled, self.settled + len(done)
        due = any(before < n <= self.settled for n in _ANALYZE_AT)
        if due and refresh_statistics(self.store.engine):
            log.info("store.statistics_refreshed", articles=self.settled)
        if progress.complete:
            self.finish(job_id)

    def _publish(self, result: Result) -> None:
        """Put a committed change on the change stream at once; an unreachable stream is
        logged (the article is stored; ``ingest.events.backfill`` can republish it)."""
        if result.kind not in (OutcomeKind.STORED, OutcomeKind.UPDATED):
            return
        try:
            publish_settled(self.events, self.store, [result])
        except StreamUnavailable as exc:
            log.warning("events.unpublished", url=result.url, error=str(exc))

    def finish(self, job_id: str) -> None:
        """Copy the counters to the store and end the job (idempotent)."""
        job = end_job(
            self.jobs,
            self.tracker,
            job_id,
            state=JobState.FINISHED,
            now=self.clock(),
            ttl=self.options.finished_job_ttl,
        )
        log.info("job.finished", job_id=job_id, state=job.state if job else None)
