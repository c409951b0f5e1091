"""Politeness across workers: two fetch workers (two processes each) crawling one host keep
to that host's configured rate, measured from the server's own request log."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.store.jobs import JobState
from support.celery_workers import (
    FETCH_WORKER,
    celery_cluster,
    control_of,
    wait_job,
    worker_env,
    write_sources,
)

pytestmark = pytest.mark.integration

BATCH_DONE = r"ingest\.fetch_batch\[[^]]+\] succeeded"
DELAY = 0.1  # seconds between two request starts to one host: 10 requests per second


async def test_two_fetch_workers_keep_one_hosts_rate(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=60))
    async with serve(site) as server:
        env = worker_env(
            database_url=postgres_url,
            redis_url=redis_url,
            sources_file=write_sources(tmp_path / "sources.yaml", server.base_url),
            workdir=tmp_path,
            prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
            extra={
                "INGEST_FETCH__PER_HOST_DELAY": str(DELAY),
                "INGEST_FETCH__PER_HOST_CONCURRENCY": "2",
            },
            options={"fetch_batch": 4},
        )
        with celery_cluster(env, tmp_path) as cluster, control_of(env) as control:
            first = cluster.start(FETCH_WORKER, "fetch-a")
            second = cluster.start(FETCH_WORKER, "fetch-b")
            cluster.process_worker()
            job = control.start(source="demo")
            assert job is not None
            done = await wait_job(control, job.id, cluster)
            assert done.state is JobState.FINISHED, cluster.logs()
            assert done.counts["stored"] == site.expected_counts()["article_urls"]
            for worker in (first, second):
                fetched = re.search(BATCH_DONE, worker.log.read_text())
                assert fetched, f"{worker.name} fetched nothing: this would not show a shared limit"
        times = sorted(r.time_monotonic for r in server.request_log)

    assert len(times) > 60
    per_second = int(1 / DELAY)
    # At most one request per DELAY in any one-second window (plus the one on its edge)...
    busiest = max(
        sum(1 for t in times[i : i + 3 * per_second] if t < start + 1.0)
        for i, start in enumerate(times)
    )
    assert busiest <= per_second + 1, f"{busiest} requests within one second"
    # ...and any run of ten gaps spans ten delays. The limiter spaces the *starts* of requests;
    # the server logs their arrival, which a loaded machine can delay by tens of milliseconds,
    # so one delayed first request shortens a span by that much (without the shared limit two
    # workers would send ten requests within a few milliseconds).
    spans = [b - a for a, b in zip(times, times[per_second:], strict=False)]
    assert min(spans) >= per_second * DELAY - 0.15, f"10 gaps in {min(spans):.3f} s"
