"""The distributed mode under failure: a process worker killed with SIGKILL mid-crawl, Redis
restarted mid-crawl, PostgreSQL stopped for a few seconds, task messages lost by the broker
(re-sent by beat's sweep or ``ingest job sweep``). Every article ends stored once.

Redis and PostgreSQL are throwaway servers of the test (never the machine's shared ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from workers.runtime import WorkerRuntime

from ingest.bootstrap import open_store
from ingest.demo.server import DemoServer, serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.pipeline.distributed import CRAWL_SOURCE, FETCH_BATCH, JobControl, WorkerOptions
from ingest.store.jobs import Job, JobState
from support.celery_workers import (
    Cluster,
    celery_cluster,
    control_of,
    settings_of,
    throwaway_postgres,
    throwaway_redis,
    wait_job,
    worker_env,
    write_sources,
)
from support.services import create_database

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]

ARTICLES = 400


@pytest.fixture
async def demo() -> AsyncIterator[tuple[DemoSite, DemoServer]]:
    site = DemoSite(DemoConfig(n_articles=ARTICLES))
    async with serve(site) as server:
        yield site, server


#: Beat sweeps every 2 s and re-sends the work of a job silent for 8 s (a job only slow is
#: re-sent too, which must not change the result either).
SWEEP = {"INGEST_WORKERS__SWEEP_INTERVAL": "2", "INGEST_WORKERS__STALL_AFTER": "8"}


def _env(
    server: DemoServer,
    tmp_path: Path,
    *,
    database_url: str,
    redis_url: str,
    prefix: str,
) -> dict[str, str]:
    return worker_env(
        database_url=database_url,
        redis_url=redis_url,
        sources_file=write_sources(tmp_path / "sources.yaml", server.base_url),
        workdir=tmp_path,
        prefix=prefix,
        # Site learning is on (the default): a page redone after a crash may be extracted
        # differently, and must still be stored once (one row, one version).
        extra=SWEEP,
    )


def _shared_env(
    server: DemoServer, tmp_path: Path, *, database_url: str, redis_url: str
) -> dict[str, str]:
    """``_env`` on the machine's Redis, under the test's key prefix."""
    return _env(
        server,
        tmp_path,
        database_url=database_url,
        redis_url=redis_url,
        prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
    )


def _part_done(share: float, total: int) -> Callable[[Job], bool]:
    def check(job: Job) -> bool:
        return not job.active or job.counts.get("stored", 0) >= share * total

    return check


async def _start(control: JobControl) -> Job:
    job = await asyncio.to_thread(control.start, source="demo")
    assert job is not None
    return job


def _assert_complete(
    site: DemoSite, env: dict[str, str], job: Job, cluster: Cluster, *, exact_counts: bool = True
) -> None:
    expected = site.expected_counts()
    assert job.state is JobState.FINISHED, cluster.logs()
    counted = job.counts.get("stored", 0) + job.counts.get("unchanged", 0)
    assert job.counts.get("failed", 0) == 0, job.counts
    if exact_counts:
        assert job.counts["stored"] == expected["article_urls"], job.counts
    else:  # a page stored just before its worker died is counted when redone: "unchanged"
        assert counted == expected["article_urls"], job.counts
    store = open_store(settings_of(env))
    try:
        counts = store.counts()
    finally:
        store.close()
    # Every article stored, none twice: one row and one version per article URL.
    assert counts["articles"] == expected["article_urls"], counts
    assert counts["versions"] == expected["article_urls"], counts
    assert counts["clusters"] == expected["articles"], counts


def _assert_recovered(
    site: DemoSite, env: dict[str, str], stalled: Job, rerun: Job, cluster: Cluster
) -> None:
    """A stalled job plus its rerun stored every article once: no loss, no duplicate."""
    expected = site.expected_counts()
    assert rerun.state is JobState.FINISHED, cluster.logs()
    assert rerun.counts.get("failed", 0) == 0, rerun.counts
    stored = stalled.counts.get("stored", 0) + rerun.counts.get("stored", 0)
    assert stored == expected["article_urls"], (stalled.counts, rerun.counts)
    store = open_store(settings_of(env))
    try:
        counts = store.counts()
    finally:
        store.close()
    assert counts["articles"] == counts["versions"] == expected["article_urls"], counts
    assert counts["clusters"] == expected["articles"], counts


async def test_process_worker_killed_mid_crawl(
    demo: tuple[DemoSite, DemoServer], tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site, server = demo
    env = _shared_env(server, tmp_path, database_url=postgres_url, redis_url=redis_url)
    total = site.expected_counts()["article_urls"]
    with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
        cluster.fetch_worker()
        victim = cluster.process_worker("process")
        job = await _start(control)
        seen = await wait_job(control, job.id, cluster, until=_part_done(0.25, total))
        assert seen.active, "the crawl ended before the worker could be killed"
        victim.kill()  # SIGKILL to the worker and its pool: no chance to requeue anything
        assert not victim.alive()
        cluster.process_worker("process-replacement")
        done = await wait_job(control, job.id, cluster)
    _assert_complete(site, env, done, cluster, exact_counts=False)


async def test_redis_restarted_mid_crawl(
    demo: tuple[DemoSite, DemoServer], tmp_path: Path, postgres_url: str
) -> None:
    site, server = demo
    with throwaway_redis() as redis_server:
        env = _env(
            server,
            tmp_path,
            database_url=postgres_url,
            redis_url=f"{redis_server.url}/0",
            prefix=f"ingest-test:{uuid.uuid4().hex[:8]}:",
        )
        with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
            cluster.fetch_worker()
            cluster.process_worker()
            cluster.beat(tmp_path / "beat-schedule")
            job = await _start(control)
            # Restart while pages are being fetched: the hardest moment (host slots held,
            # fetch and process messages in flight, counters moving). The broker can lose a
            # message it handed out as Redis stopped (kombu's Redis transport pops a message
            # before recording it as unacknowledged); beat's sweep sends that work again.
            seen = await wait_job(
                control, job.id, cluster, until=lambda j: j.counts.get("fetched", 0) > 0
            )
            assert seen.active, "the crawl ended before Redis could be restarted"
            await asyncio.to_thread(redis_server.stop)
            await asyncio.sleep(2)
            await asyncio.to_thread(redis_server.start)
            done = await wait_job(control, job.id, cluster, within=200)
            logs = "".join(w.log.read_text() for w in cluster.workers)
        _assert_complete(site, env, done, cluster)
        assert "Connection to broker lost" in logs, "the workers never lost the broker"


async def test_lost_fetch_batches_are_sent_again_by_beats_sweep(
    demo: tuple[DemoSite, DemoServer], tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site, server = demo
    env = _shared_env(server, tmp_path, database_url=postgres_url, redis_url=redis_url)
    with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
        cluster.fetch_worker()
        cluster.process_worker()
        cluster.beat(tmp_path / "beat-schedule")
        lost: list[list[Any]] = []
        batches = 0

        def lossy(name: str, args: list[Any], *, countdown: float | None = None) -> None:
            """The broker, losing every other fetch batch."""
            nonlocal batches
            if name == FETCH_BATCH:
                batches += 1
                if batches % 2:
                    lost.append(args)
                    return
            control.send(name, args, countdown=countdown)

        # The job's crawl task is run here, as a worker runs it, with the lossy broker.
        quiet = JobControl(control.jobs, control.tracker, lambda name, args, **_: None)
        job = await asyncio.to_thread(quiet.start, source="demo")
        assert job is not None
        runtime = WorkerRuntime(settings_of(env), WorkerOptions(), lossy)
        try:
            stages = runtime.stages()
            begun = await asyncio.to_thread(stages.begin, job.id)
            assert begun is not None
            urls, counts = await asyncio.to_thread(
                runtime.run_with_fetcher, lambda f: stages.discover(f, begun[1])
            )
            await asyncio.to_thread(stages.enqueue, begun[0], begun[1], urls, counts)
        finally:
            await asyncio.to_thread(runtime.close)
        assert lost, "no fetch batch was lost"
        lost_urls = sum(len(args[2]) for args in lost)
        done = await wait_job(control, job.id, cluster, within=200)
    _assert_complete(site, env, done, cluster)
    assert done.counts["resent"] >= 1, done.counts
    assert lost_urls >= 0.4 * site.expected_counts()["article_urls"], lost_urls


async def test_a_lost_crawl_task_is_sent_again_by_ingest_job_sweep(
    demo: tuple[DemoSite, DemoServer], tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site, server = demo
    env = _shared_env(server, tmp_path, database_url=postgres_url, redis_url=redis_url)
    with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
        cluster.fetch_worker()
        cluster.process_worker()
        dropped: list[str] = []
        lossy = JobControl(
            control.jobs, control.tracker, lambda name, args, **_: dropped.append(name)
        )
        job = await asyncio.to_thread(lossy.start, source="demo")
        assert job is not None and dropped == [CRAWL_SOURCE]
        await asyncio.sleep(1)
        still = await asyncio.to_thread(control.status, job.id)
        assert still is not None and still.state is JobState.QUEUED  # nothing will run it

        swept = await asyncio.to_thread(
            subprocess.run,
            [
                str(Path(sys.executable).parent / "ingest"),
                "job",
                "sweep",
                "--stalled-after",
                "0",
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert swept.returncode == 0, swept.stderr
        assert json.loads(swept.stdout) == [
            {"job_id": job.id, "action": "crawl", "urls": 0, "messages": 0}
        ]
        done = await wait_job(control, job.id, cluster)
    _assert_complete(site, env, done, cluster)
    assert done.counts["resent"] == 1, done.counts


async def test_postgres_stopped_mid_crawl(
    demo: tuple[DemoSite, DemoServer], tmp_path: Path, redis_url: str
) -> None:
    site, server = demo
    total = site.expected_counts()["article_urls"]
    with throwaway_postgres() as pg:
        database = create_database(pg.url, "ingest_failures")
        env = _env(
            server,
            tmp_path,
            database_url=database,
            redis_url=redis_url,
            prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
        )
        with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
            cluster.fetch_worker()
            cluster.process_worker()
            job = await _start(control)
            seen = await wait_job(control, job.id, cluster, until=_part_done(0.2, total))
            assert seen.active, "the crawl ended before PostgreSQL could be stopped"
            await asyncio.to_thread(pg.stop)
            await asyncio.sleep(4)
            await asyncio.to_thread(pg.start)
            done = await wait_job(control, job.id, cluster)
            retried = "task.retry" in "".join(w.log.read_text() for w in cluster.workers)
        _assert_complete(site, env, done, cluster)
        assert retried, "no task was retried while PostgreSQL was down"
