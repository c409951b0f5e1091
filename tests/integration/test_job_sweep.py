"""The sweep of stalled jobs (``JobControl.sweep``) on a real Redis and PostgreSQL: what it
sends again when the broker lost a job's discovery task or some of its fetch batches, when it
leaves a job alone, and when it ends one.

The task messages go to a recording ``Send`` instead of a broker: the tests read exactly what
was (re-)sent. tests/integration/test_distributed_failures.py runs the same sweep from beat
against real workers.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from ingest.model import OutcomeKind, Result
from ingest.pipeline.distributed import (
    CRAWL_SOURCE,
    FETCH_BATCH,
    JobControl,
    SourceRef,
    Stages,
    WorkerOptions,
)
from ingest.pipeline.jobs import JobTracker, Target
from ingest.sources import Source
from ingest.store import migrate
from ingest.store.engine import make_engine
from ingest.store.jobs import Job, JobState, SqlJobStore
from ingest.store.sql import SqlStore

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 29, 12, tzinfo=UTC)
STALL = 300
URLS = [f"https://news.example/2026/story-{i}" for i in range(7)]


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Sent:
    messages: list[tuple[str, list[Any]]] = field(default_factory=list)

    def __call__(self, name: str, args: list[Any], *, countdown: float | None = None) -> None:
        self.messages.append((name, args))

    def take(self) -> list[tuple[str, list[Any]]]:
        out, self.messages = self.messages, []
        return out


@dataclass
class World:
    control: JobControl
    stages: Stages
    tracker: JobTracker
    sent: Sent
    clock: Clock
    client: redis.Redis
    queued: dict[str, int]  # each job's task messages the broker holds, as the sweep asks


@pytest.fixture
def world(redis_url: str, postgres_url: str) -> Iterator[World]:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    client = redis.Redis.from_url(redis_url)
    clock = Clock()
    sent = Sent()
    options = WorkerOptions(fetch_batch=3, stall_after=STALL, max_resends=2)
    tracker = JobTracker(client, prefix=os.environ["INGEST_TEST_REDIS_PREFIX"], clock=clock.epoch)
    jobs = SqlJobStore(engine)
    store = SqlStore(engine)
    stages = Stages(
        store=store,
        jobs=jobs,
        tracker=tracker,
        send=sent,
        sources=dict,
        options=options,
        clock=clock,
    )
    queued: dict[str, int] = {}
    control = JobControl(
        jobs, tracker, sent, clock=clock, options=options, backlog=lambda job: queued.get(job, 0)
    )
    yield World(control, stages, tracker, sent, clock, client, queued)
    store.close()
    client.close()
    engine.dispose()


def _discover(w: World, job_id: str) -> list[Target]:
    """What the crawl task does: begin the job and enqueue its URLs (fetch batches sent)."""
    begun = w.stages.begin(job_id)
    assert begun is not None
    job, source = begun
    w.stages.enqueue(job, source, list(job.urls), {})
    return [Target.from_json(t) for _, args in w.sent.take() for t in args[2]]


STALE_TTL = WorkerOptions().finished_job_ttl


def _ttls(w: World, job_id: str) -> set[int]:
    """The TTLs of the job's keys in Redis (its cancel flag has its own)."""
    keys = w.client.keys(f"{os.environ['INGEST_TEST_REDIS_PREFIX']}job:{job_id}:*")
    return {w.client.ttl(k) for k in keys if not k.endswith(b":cancelled")}


def _crawling(w: World) -> tuple[Job, list[Target]]:
    """A job of ``URLS`` started and discovered: its fetch batches sent (and taken)."""
    job = w.control.start(source="news", urls=URLS)
    assert job is not None
    w.sent.take()
    return job, _discover(w, job.id)


def _settle(w: World, job_id: str, targets: list[Target]) -> None:
    w.tracker.settled(job_id, [(t.key, Result(t.url, OutcomeKind.STORED)) for t in targets])


def test_a_lost_discovery_task_is_sent_again(world: World) -> None:
    job = world.control.start(source="news", urls=URLS)
    assert job is not None
    assert world.sent.take() == [(CRAWL_SOURCE, [job.id])]  # ... and the broker loses it

    world.clock.advance(STALL - 1)
    assert world.control.sweep() == []  # not stalled yet: it may still be queued
    world.clock.advance(2)
    swept = world.control.sweep()
    assert [(s.job_id, s.action) for s in swept] == [(job.id, "crawl")]
    assert world.sent.take() == [(CRAWL_SOURCE, [job.id])]
    status = world.control.status(job.id)
    assert status is not None and status.counts["resent"] == 1

    world.clock.advance(STALL - 1)  # a re-send restarts the stall clock
    assert world.control.sweep() == []


def test_lost_fetch_batches_are_sent_again_with_only_the_unsettled_urls(world: World) -> None:
    job, targets = _crawling(world)
    assert sorted(t.url for t in targets) == sorted(URLS)

    _settle(world, job.id, targets[:4])  # the first batches were fetched and stored
    world.clock.advance(STALL - 1)
    assert world.control.sweep() == []  # it was active STALL - 1 seconds ago
    world.clock.advance(STALL)
    swept = world.control.sweep()
    assert [(s.action, s.urls) for s in swept] == [("fetch", 3)]

    resent = world.sent.take()
    assert {name for name, _ in resent} == {FETCH_BATCH}
    again = [Target.from_json(t) for _, args in resent for t in args[2]]
    assert again == sorted(targets[4:], key=lambda t: t.key)  # same URLs, keys and validators
    assert all(args[0] == job.id for _, args in resent)
    assert SourceRef.from_json(resent[0][1][1]).name == "news"

    # The job moves again: its stall clock restarted with the re-send and with each settle.
    world.clock.advance(STALL - 1)
    _settle(world, job.id, again[:1])
    world.clock.advance(STALL - 1)
    assert world.control.sweep() == []


def test_a_job_whose_urls_are_all_settled_is_ended(world: World) -> None:
    job, targets = _crawling(world)
    _settle(world, job.id, targets)  # ... but the task that would end the job died
    world.clock.advance(STALL + 1)
    assert [s.action for s in world.control.sweep()] == ["finished"]
    ended = world.control.status(job.id)
    assert ended is not None and ended.state is JobState.FINISHED
    assert ended.counts["stored"] == len(URLS)
    assert world.sent.take() == []


def test_a_job_that_stays_stalled_fails_and_frees_its_urls(world: World) -> None:
    job, targets = _crawling(world)
    _settle(world, job.id, targets[:5])
    for _ in range(2):  # max_resends
        world.clock.advance(STALL + 1)
        assert [s.action for s in world.control.sweep()] == ["fetch"]
    world.clock.advance(STALL + 1)
    assert [(s.action, s.urls) for s in world.control.sweep()] == [("failed", 2)]
    failed = world.control.status(job.id)
    assert failed is not None and failed.state is JobState.FAILED
    assert failed.error == "stalled: 2 URLs not settled after 2 re-sends"
    # Its URL locks are released: another job can take the URLs at once.
    assert world.tracker.lock_urls("other-job", [t.key for t in targets[5:]]) == [True, True]
    world.clock.advance(STALL + 1)
    assert world.control.sweep() == []  # an ended job is not swept
    assert _ttls(world, job.id) == {STALE_TTL}  # its live state in Redis expires


def test_cancelled_and_fresh_jobs_are_left_alone(world: World) -> None:
    busy = world.control.start(source="busy", urls=URLS[:3])
    cancelled = world.control.start(source="gone", urls=URLS[3:])
    assert busy is not None and cancelled is not None
    world.sent.take()
    _discover(world, cancelled.id)
    world.control.cancel(cancelled.id)
    assert _ttls(world, cancelled.id) == {STALE_TTL}  # its live state in Redis expires
    world.sent.take()
    world.clock.advance(STALL + 1)
    _discover(world, busy.id)  # discovery just enqueued: active now
    assert world.control.sweep() == []
    assert world.control.sweep(stalled_after=0)[0].action == "fetch"  # forced: sent again


def test_the_fetch_stage_skips_urls_the_job_settled(world: World) -> None:
    job, targets = _crawling(world)
    _settle(world, job.id, targets[:2])
    assert world.tracker.unsettled(job.id, [t.key for t in targets[:3]]) == [False, False, True]

    class NoFetch:
        async def fetch(self, request: Any) -> Any:  # pragma: no cover - must not be called
            raise AssertionError(f"settled URL fetched again: {request.url}")

    ref = SourceRef.of(Source(name="news", seeds=()))
    assert asyncio.run(world.stages.fetch(NoFetch(), job.id, ref, targets[:2])) == []
    assert world.sent.take() == []


def test_a_job_whose_messages_the_broker_still_holds_is_not_sent_again(world: World) -> None:
    slow = world.control.start(source="news", urls=URLS)
    lost = world.control.start(source="lost", urls=[f"{u}-lost" for u in URLS])
    done = world.control.start(source="done", urls=[f"{u}-other" for u in URLS[:2]])
    assert slow is not None and lost is not None and done is not None
    world.sent.take()
    _discover(world, slow.id)
    lost_targets = _discover(world, lost.id)
    _settle(world, done.id, _discover(world, done.id))
    world.queued[slow.id] = 2  # its messages wait in a queue or on a worker: slow, not lost
    world.clock.advance(STALL + 1)
    swept = {s.job_id: (s.action, s.messages) for s in world.control.sweep()}
    # The lost job is sent again although the broker is busy with the slow job's work.
    assert swept == {done.id: ("finished", 0), lost.id: ("fetch", 0), slow.id: ("waiting", 2)}
    resent = [Target.from_json(t) for _, args in world.sent.take() for t in args[2]]
    assert {t.key for t in resent} == {t.key for t in lost_targets}
    world.queued[slow.id] = 0  # its messages are gone and the job still did not move: lost
    world.clock.advance(STALL + 1)
    assert {s.job_id: s.action for s in world.control.sweep()}[slow.id] == "fetch"


def _celery(redis_url: str) -> Any:
    from celery import Celery

    from ingest.pipeline.distributed import celery_config
    from ingest.settings import load_settings

    settings = load_settings(
        env={},
        overrides={"redis_url": redis_url, "redis_prefix": os.environ["INGEST_TEST_REDIS_PREFIX"]},
    )
    app = Celery("backlog", set_as_current=False)
    app.conf.update(celery_config(settings, WorkerOptions()))
    return app


def test_the_broker_backlog_counts_the_queued_task_messages(redis_url: str) -> None:
    from ingest.pipeline.distributed import PROCESS_PAGES, broker_backlog

    app = _celery(redis_url)
    try:
        assert broker_backlog(app) == 0  # no queue exists yet
        app.send_task(FETCH_BATCH, args=["job", [], []])
        app.send_task(PROCESS_PAGES, args=["job", [], []])
        app.send_task(PROCESS_PAGES, args=["job", [], []])
        assert broker_backlog(app) == 3
    finally:
        app.close()


def test_the_broker_backlog_of_one_job_counts_its_waiting_and_unacknowledged_messages(
    redis_url: str,
) -> None:
    from ingest.pipeline.distributed import PROCESS_PAGES, broker_backlog, send_task

    app = _celery(redis_url)
    try:
        assert broker_backlog(app, job_id="job-1") == 0
        send_task(app, FETCH_BATCH, ["job-1", [], []])
        send_task(app, PROCESS_PAGES, ["job-1", [], []])
        send_task(app, PROCESS_PAGES, ["job-10", [], []])  # "job-1" is a prefix of its id
        app.send_task(PROCESS_PAGES, args=["job-1", [], []])  # an older producer: no header
        assert broker_backlog(app, job_id="job-1") == 3
        assert broker_backlog(app, job_id="job-10") == 1
        assert broker_backlog(app, job_id="job-2") == 0
        assert broker_backlog(app, job_id="job-1", at_most=1) == 1  # stops at the first
        with app.connection_for_read() as conn:
            # A worker takes job-1's fetch message: unacknowledged, it is still the job's.
            fetches = conn.SimpleQueue("fetch", no_ack=False)
            message = fetches.get(timeout=5)
            assert broker_backlog(app) == 3  # the queues hold only the process messages now
            assert broker_backlog(app, job_id="job-1") == 3
            # Delivered longer ago than the visibility timeout, it is due to come back to its
            # queue or was orphaned (a broker restart): it no longer counts as held.
            channel = conn.default_channel
            index = channel.global_keyprefix + channel.unacked_index_key
            client = redis.Redis.from_url(redis_url)
            delivered = client.zscore(index, message.delivery_tag)
            assert delivered is not None
            old = delivered - channel.visibility_timeout - 60
            client.zadd(index, {message.delivery_tag: old})
            assert broker_backlog(app, job_id="job-1") == 2
            client.zadd(index, {message.delivery_tag: delivered})
            assert broker_backlog(app, job_id="job-1") == 3
            client.close()
            message.ack()  # done with it: the job holds its two process messages only
            assert broker_backlog(app, job_id="job-1") == 2
    finally:
        app.close()


def test_a_page_the_job_settled_is_not_processed_again(world: World) -> None:
    job, targets = _crawling(world)
    _settle(world, job.id, targets[:1])
    ref = SourceRef.of(Source(name="news", seeds=()))
    # Its message delivered again: nothing is decoded, analysed or stored (this payload
    # would fail to decode), and the frontier is left as the first run recorded it.
    again = world.stages.store_page(job.id, ref, targets[0], {})
    assert (again.result.kind, again.result.reason, again.update) == (
        OutcomeKind.UNCHANGED,
        "settled",
        None,
    )
    with pytest.raises(KeyError):  # a URL not settled yet is processed
        world.stages.store_page(job.id, ref, targets[1], {})


def test_on_a_real_broker_the_sweep_tells_a_waiting_job_from_a_lost_one(
    world: World, redis_url: str
) -> None:
    from ingest.pipeline.distributed import QUEUES, broker_backlog, send_task

    app = _celery(redis_url)
    control = JobControl(
        world.control.jobs,
        world.tracker,
        world.sent,
        clock=world.clock,
        options=world.control.options,
        backlog=lambda job_id: broker_backlog(app, job_id=job_id, at_most=1),
    )
    try:
        waiting = control.start(source="news", urls=URLS)
        lost = control.start(source="lost", urls=[f"{u}-lost" for u in URLS])
        assert waiting is not None and lost is not None
        world.sent.take()
        targets = _discover(world, waiting.id)  # its fetch batch reaches the broker...
        send_task(app, FETCH_BATCH, [waiting.id, [], [t.to_json() for t in targets]])
        lost_targets = _discover(world, lost.id)  # ...the lost job's never do
        world.clock.advance(STALL + 1)
        swept = {s.job_id: (s.action, s.messages) for s in control.sweep()}
        assert swept == {waiting.id: ("waiting", 1), lost.id: ("fetch", 0)}
        resent = [Target.from_json(t) for _, args in world.sent.take() for t in args[2]]
        assert sorted(t.key for t in resent) == sorted(t.key for t in lost_targets)
    finally:
        with app.connection_for_write() as conn:
            for queue in QUEUES:
                conn.default_channel.queue_purge(queue)
        app.close()
