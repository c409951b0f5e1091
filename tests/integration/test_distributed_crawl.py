"""The distributed mode end to end: the demo site over real HTTP, real Redis, a fresh
PostgreSQL database, and real ``celery worker`` subprocesses started with the commands of
docker-compose.yml."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.bootstrap import embedded_crawler, open_store
from ingest.cli.jobs import add_job_parser, run_job_command
from ingest.demo.server import DemoServer, serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.events import ChangeEvent, ChangeKind, StreamConsumer
from ingest.logs import configure_logging
from ingest.pipeline.distributed import JobControl
from ingest.settings import Settings
from ingest.sources import load_sources
from ingest.store.base import ArticleQuery
from ingest.store.jobs import JobState
from ingest.store.sql import SqlStore
from support.celery_workers import (
    Cluster,
    celery_cluster,
    control_of,
    settings_of,
    url_locks,
    wait_job,
    worker_env,
    write_sources,
)

pytestmark = pytest.mark.integration


@dataclass
class Setup:
    site: DemoSite
    server: DemoServer
    env: dict[str, str]
    settings: Settings
    workdir: Path


@pytest.fixture
async def site_1000() -> AsyncIterator[tuple[DemoSite, DemoServer]]:
    site = DemoSite(DemoConfig(n_articles=1000))
    async with serve(site) as server:
        yield site, server


def _setup(
    site: DemoSite,
    server: DemoServer,
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    extra: dict[str, str] | None = None,
) -> Setup:
    sources = write_sources(tmp_path / "sources.yaml", server.base_url)
    env = worker_env(
        database_url=postgres_url,
        redis_url=redis_url,
        sources_file=sources,
        workdir=tmp_path,
        prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
        extra=extra,
    )
    return Setup(site, server, env, settings_of(env), tmp_path)


def _events(redis_url: str, stream: str) -> list[ChangeEvent]:
    consumer = StreamConsumer(redis_url, stream, group=f"g{uuid.uuid4().hex[:6]}", consumer="c")
    consumer.ensure_group(start="0")
    try:
        return [d.event for d in consumer.read(count=10_000, block_ms=None)]
    finally:
        consumer.close()


def _stored(store: SqlStore) -> dict[str, str]:
    """canonical URL -> content hash of every stored article."""
    return {
        a.canonical_url: a.content_hash
        for a in store.iter_articles(ArticleQuery(limit=100_000, newest_first=False))
    }


async def _embedded(setup: Setup, tmp_path: Path) -> tuple[dict[str, str], dict[str, int]]:
    settings = setup.settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'embedded.sqlite'}"}
    )
    store = open_store(settings)
    try:
        source = load_sources(settings.sources_file)["demo"]
        async with embedded_crawler(settings, store, processes=False) as crawler:
            await crawler.crawl_sources([source])
        return _stored(store), store.counts()
    finally:
        store.close()


async def _run_job(control: JobControl) -> str:
    job = await asyncio.to_thread(control.start, source="demo")
    assert job is not None
    return job.id


async def _until_no_url_locks(redis_url: str, prefix: str, cluster: Cluster) -> None:
    for _ in range(600):
        if not url_locks(redis_url, prefix):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"URL locks still held after 120 s\n{cluster.logs()}")


async def test_distributed_crawl_stores_what_embedded_stores(
    site_1000: tuple[DemoSite, DemoServer], tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site, server = site_1000
    # Chrome learning depends on the order pages are stored in, which parallel workers do not
    # keep: the modes are compared without it (learning has its own tests).
    no_learning = {"INGEST_LEARN__ENABLED": "false"}
    setup = _setup(site, server, tmp_path, postgres_url, redis_url, no_learning)
    expected = site.expected_counts()
    with celery_cluster(setup.env, tmp_path) as cluster, control_of(setup.env) as control:
        cluster.fetch_worker()
        cluster.process_worker()
        job_id = await _run_job(control)
        job = await wait_job(control, job_id, cluster)
        assert job.state is JobState.FINISHED, cluster.logs()

    counts = job.counts
    assert counts["stored"] == expected["article_urls"], counts
    assert counts["not_article"] == expected["sitemap_non_article_urls"], counts
    assert counts.get("failed", 0) == 0, counts
    assert counts["fetched"] == counts["due"], counts
    assert counts["discovered"] == counts["due"] + counts["skipped_not_due"], counts

    store = open_store(setup.settings)
    try:
        distributed, dist_counts = _stored(store), store.counts()
    finally:
        store.close()
    embedded, emb_counts = await _embedded(setup, tmp_path)
    assert len(distributed) == expected["article_urls"]
    assert distributed == embedded
    for key in ("articles", "clusters", "versions"):
        assert dist_counts[key] == emb_counts[key], (key, dist_counts, emb_counts)


async def test_second_job_skips_urls_not_due_and_sources_run_once(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=30))
    stream = f"changes-{uuid.uuid4().hex[:8]}"
    events = {"INGEST_EVENTS__ENABLED": "true", "INGEST_EVENTS__STREAM": stream}
    async with serve(site) as server:
        setup = _setup(site, server, tmp_path, postgres_url, redis_url, events)
        with celery_cluster(setup.env, tmp_path) as cluster, control_of(setup.env) as control:
            first = await asyncio.to_thread(control.start, source="demo")
            assert first is not None
            # No worker yet: the job is queued, and the source refuses a second crawl.
            assert await asyncio.to_thread(control.start, source="demo") is None
            cluster.fetch_worker()
            cluster.process_worker()
            done = await wait_job(control, first.id, cluster)
            assert done.state is JobState.FINISHED
            assert done.counts["stored"] == site.expected_counts()["article_urls"]
            # Every stored article is on the change stream once, at its change cursor.
            published = _events(redis_url, f"{setup.settings.redis_prefix}{stream}")
            stored = [e for e in published if e.kind is ChangeKind.STORED]
            store = open_store(setup.settings)
            try:
                cursors = {a.id: a.seq for a in store.query(ArticleQuery(limit=1000))}
            finally:
                store.close()
            assert len(stored) == done.counts["stored"] == len(cursors)
            assert {e.article_id: e.cursor for e in stored} == cursors

            server.request_log.clear()
            again = await asyncio.to_thread(control.start, source="demo")
            assert again is not None
            second = await wait_job(control, again.id, cluster)
            assert second.state is JobState.FINISHED
            assert second.counts.get("due", 0) == 0, second.counts
            assert second.counts["skipped_not_due"] == second.counts["discovered"]
            paths = {r.path for r in server.request_log}
            assert all(p.endswith((".xml", ".gz", ".txt")) for p in paths), paths

            assert len(_events(redis_url, f"{setup.settings.redis_prefix}{stream}")) == len(
                published
            )  # nothing due, nothing changed, nothing published
            recent = await asyncio.to_thread(control.recent)
            assert [j.id for j in recent[:2]] == [again.id, first.id]


async def test_cancelled_job_stops_and_releases_its_urls(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=200))
    async with serve(site) as server:
        setup = _setup(site, server, tmp_path, postgres_url, redis_url)
        with celery_cluster(setup.env, tmp_path) as cluster, control_of(setup.env) as control:
            cluster.fetch_worker()
            job = await asyncio.to_thread(control.start, source="demo")
            assert job is not None
            # Fetched pages wait in the process queue: no process worker yet.
            await wait_job(control, job.id, cluster, until=lambda j: j.counts.get("fetched", 0) > 0)
            cancelled = await asyncio.to_thread(control.cancel, job.id)
            assert cancelled is not None and cancelled.state is JobState.CANCELLED
            # Cancelling releases the URLs it has not settled at once, whether or not their
            # task messages ever run (one lost by the broker never would).
            assert url_locks(redis_url, setup.settings.redis_prefix) == 0
            cluster.process_worker()
            # Cancelled tasks skip their work and release their URL locks.
            await _until_no_url_locks(redis_url, setup.settings.redis_prefix, cluster)
            assert (await wait_job(control, job.id, cluster)).state is JobState.CANCELLED
            again = await asyncio.to_thread(control.start, source="demo")
            assert again is not None
            result = await wait_job(control, again.id, cluster)
            assert result.counts.get("skipped_in_flight", 0) == 0, result.counts
            store = open_store(setup.settings)
            try:
                assert store.counts()["articles"] == site.expected_counts()["article_urls"]
            finally:
                store.close()


def _cli_env(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment ``ingest job`` reads, as the workers of ``setup`` have it."""
    monkeypatch.delenv("INGEST_TEST_REDIS_PREFIX")
    for key, value in setup.env.items():
        if key.startswith("INGEST_"):
            monkeypatch.setenv(key, value)


def _job_cli(argv: list[str]) -> int:
    configure_logging(level="WARNING")  # as ``ingest``'s main does: logs go to stderr
    parser = argparse.ArgumentParser(prog="ingest")
    parser.add_argument("--config", type=Path)
    add_job_parser(parser.add_subparsers(dest="command"))
    return run_job_command(parser.parse_args(argv))


async def test_job_commands(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = DemoSite(DemoConfig(n_articles=20))
    async with serve(site) as server:
        setup = _setup(site, server, tmp_path, postgres_url, redis_url)
        _cli_env(setup, monkeypatch)
        with celery_cluster(setup.env, tmp_path) as cluster:
            cluster.fetch_worker()
            cluster.process_worker()
            assert await asyncio.to_thread(_job_cli, ["job", "start", "--source", "demo"]) == 0
            job_id = capsys.readouterr().out.strip()
            code = await asyncio.to_thread(
                _job_cli, ["job", "status", job_id, "--wait", "--timeout", "240", "--json"]
            )
            record = json.loads(capsys.readouterr().out)
            assert code == 0, cluster.logs()
            assert record["state"] == "finished"
            assert record["counts"]["stored"] == site.expected_counts()["article_urls"]
            assert await asyncio.to_thread(_job_cli, ["job", "list"]) == 0
            listed = capsys.readouterr().out
            assert job_id in listed and "finished" in listed and "stored=" in listed
            assert await asyncio.to_thread(_job_cli, ["job", "status", "no-such-job"]) == 1


async def test_job_sweep_reports_a_quiet_job_whose_message_waits_in_the_broker(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = DemoSite(DemoConfig(n_articles=5))
    async with serve(site) as server:
        setup = _setup(site, server, tmp_path, postgres_url, redis_url)
        _cli_env(setup, monkeypatch)
        # No worker runs: the job's crawl message waits in the discover queue.
        assert await asyncio.to_thread(_job_cli, ["job", "start", "--source", "demo"]) == 0
        job_id = capsys.readouterr().out.strip()
        argv = ["job", "sweep", "--stalled-after", "0"]
        assert await asyncio.to_thread(_job_cli, argv) == 0
        out, err = capsys.readouterr()
        assert out.splitlines() == [f"{job_id}  waiting  messages=1"]  # nothing sent again
        assert "0 stalled job(s) swept, 1 quiet job(s) waiting" in err
        assert await asyncio.to_thread(_job_cli, ["job", "cancel", job_id]) == 0
