"""Scheduled crawls: one beat process runs a source's interval; a source whose previous crawl
is still running is not started again."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path

import pytest

from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.store.jobs import Job, JobState
from support.celery_workers import celery_cluster, control_of, worker_env, write_sources

pytestmark = pytest.mark.integration


async def test_beat_runs_the_sources_interval_one_crawl_at_a_time(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=150))
    async with serve(site) as server:
        sources = write_sources(
            tmp_path / "sources.yaml", server.base_url, extra="    interval: 1\n"
        )
        env = worker_env(
            database_url=postgres_url,
            redis_url=redis_url,
            sources_file=sources,
            workdir=tmp_path,
            prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
        )
        with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
            cluster.fetch_worker()
            cluster.process_worker()
            beat = cluster.beat(tmp_path / "beat-schedule")
            jobs: list[Job] = []
            for _ in range(900):
                jobs = await asyncio.to_thread(control.recent, limit=100)
                if sum(1 for j in jobs if j.state is JobState.FINISHED) >= 3:
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"beat did not run three crawls\n{cluster.logs()}")
            beat.kill()
            logs = "".join(w.log.read_text() for w in cluster.workers)

    assert all(j.source == "demo" and j.scheduled for j in jobs)
    finished = sorted((j for j in jobs if j.state is JobState.FINISHED), key=lambda j: j.created_at)
    # The first crawl stored the site; later ones found nothing due.
    assert finished[0].counts["stored"] == site.expected_counts()["article_urls"]
    assert all(j.counts.get("due", 0) == 0 for j in finished[1:])
    # Never two crawls of the source at once: each job was created after the previous ended.
    for before, after in itertools.pairwise(finished):
        assert before.finished_at is not None
        assert after.created_at >= before.finished_at, (before, after)
    # The crawl of the whole site outlasted the one-second interval: ticks were refused.
    assert "job.skipped_running" in logs
