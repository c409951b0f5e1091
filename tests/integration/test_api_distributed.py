"""The HTTP API in distributed mode: jobs posted to the API run on real ``celery worker``
subprocesses (the commands of docker-compose.yml) against the demo site over real HTTP, real
Redis and a fresh PostgreSQL database; the API reads them back from the one job store with the
workers' live counters, and cancels them through the job control the job commands use."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ingest.api.app import create_app
from ingest.bootstrap import open_store
from ingest.demo.server import DemoServer, serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.settings import Settings
from ingest.store.base import ArticleQuery
from support.celery_workers import (
    Cluster,
    celery_cluster,
    settings_of,
    url_locks,
    worker_env,
    write_sources,
)
from support.openapi import check
from support.services import free_port

pytestmark = pytest.mark.integration

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

_Client = TestClient[web.Request, web.Application]


def _env(server: DemoServer, tmp_path: Path, postgres_url: str, redis_url: str) -> dict[str, str]:
    return worker_env(
        database_url=postgres_url,
        redis_url=redis_url,
        sources_file=write_sources(tmp_path / "sources.yaml", server.base_url),
        workdir=tmp_path,
        prefix=os.environ["INGEST_TEST_REDIS_PREFIX"],
    )


def _api_settings(env: dict[str, str]) -> Settings:
    """The workers' settings (same database, Redis, prefix, sources file) with a token."""
    return settings_of(env).model_copy(update={"api_token": TOKEN})


@asynccontextmanager
async def distributed_api(settings: Settings) -> AsyncIterator[_Client]:
    """``create_app(settings, distributed=True)``, as ``ingest serve --distributed`` runs it."""
    client = TestClient(TestServer(create_app(settings, distributed=True), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def _post(client: _Client, body: dict[str, Any], status: int = 202) -> Any:
    response = await client.post("/jobs", json=body, headers=AUTH)
    payload = await response.json()
    assert response.status == status, payload
    check(payload, "/jobs", "post", status)
    return payload


async def _job(client: _Client, job_id: str) -> Any:
    response = await client.get(f"/jobs/{job_id}")
    body = await response.json()
    assert response.status == 200, body
    check(body, "/jobs/{id}", "get", 200)
    return body


async def _poll(
    client: _Client, job_id: str, cluster: Cluster, done: Any, within: float = 200.0
) -> Any:
    """GET /jobs/{id} until ``done(job)``; fails with the workers' logs after ``within`` s."""
    deadline = time.monotonic() + within
    job: Any = None
    while time.monotonic() < deadline:
        job = await _job(client, job_id)
        if done(job):
            return job
        await asyncio.sleep(0.25)
    raise AssertionError(f"job {job_id} not there after {within}s: {job}\n{cluster.logs()}")


def _ended(job: Any) -> bool:
    return job["state"] not in ("queued", "running")


async def test_api_jobs_run_on_the_workers(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=24))
    async with serve(site) as server:
        env = _env(server, tmp_path, postgres_url, redis_url)
        settings = _api_settings(env)
        originals = [f"{server.base_url}{p}" for p in list(site.article_paths())[:5]]
        with celery_cluster(env, tmp_path) as cluster:
            async with distributed_api(settings) as client:
                health = await (await client.get("/health")).json()
                assert health["mode"] == "distributed" and health["status"] == "ok", health

                # URLs: queued for the workers, followed with live counts until finished.
                posted = await _post(client, {"urls": originals})
                assert posted["state"] == "queued" and posted["source"] == "api"
                assert posted["urls"] == originals
                cluster.fetch_worker()
                cluster.process_worker()
                job = await _poll(client, posted["id"], cluster, _ended)
                assert job["state"] == "finished", (job, cluster.logs())
                counts = job["counts"]
                assert counts["stored"] == counts["total"] == counts["done"] == 5, counts
                assert counts["due"] == counts["fetched"] == 5, counts

                # The articles are in PostgreSQL, and the API serves them.
                store = open_store(settings)
                try:
                    stored = store.query(ArticleQuery(limit=100, source="api"))
                finally:
                    store.close()
                assert sorted(a.url for a in stored) == sorted(originals)
                articles = await (await client.get("/articles", params={"source": "api"})).json()
                assert len(articles["items"]) == 5

                # A source: one crawl at a time, then the rest of the site.
                crawl = await _post(client, {"source": "demo"})
                busy = await _post(client, {"source": "demo"}, status=409)
                assert busy["error"]["code"] == "source_busy"
                job = await _poll(client, crawl["id"], cluster, _ended)
                assert job["state"] == "finished", (job, cluster.logs())
                expected = site.expected_counts()
                assert job["counts"]["stored"] == expected["article_urls"] - 5, job["counts"]
                assert job["counts"]["skipped_not_due"] == 5, job["counts"]

                listed = await (await client.get("/jobs")).json()
                check(listed, "/jobs", "get", 200)
                assert [j["id"] for j in listed["items"]] == [crawl["id"], posted["id"]]
                sources = await (await client.get("/sources")).json()
                check(sources, "/sources", "get", 200)
                (demo,) = (s for s in sources["items"] if s["name"] == "demo")
                assert demo["last_job"]["id"] == crawl["id"]
                assert demo["articles"] == expected["article_urls"] - 5
                metrics = await (await client.get("/metrics")).text()
                assert "ingest_jobs_active 0" in metrics

                deleted = await client.delete(f"/jobs/{crawl['id']}", headers=AUTH)
                assert deleted.status == 409
                check(await deleted.json(), "/jobs/{id}", "delete", 409)


async def test_delete_cancels_a_running_job_on_the_workers(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    site = DemoSite(DemoConfig(n_articles=200))
    async with serve(site) as server:
        env = _env(server, tmp_path, postgres_url, redis_url)
        settings = _api_settings(env)
        with celery_cluster(env, tmp_path) as cluster:
            cluster.fetch_worker()
            async with distributed_api(settings) as client:
                posted = await _post(client, {"source": "demo"})
                # Fetched pages wait in the process queue: no process worker yet.
                running = await _poll(
                    client, posted["id"], cluster, lambda j: j["counts"].get("fetched", 0) > 0
                )
                assert running["state"] == "running" and running["counts"]["total"] > 0

                response = await client.delete(f"/jobs/{posted['id']}", headers=AUTH)
                cancelled = await response.json()
                assert response.status == 200, cancelled
                check(cancelled, "/jobs/{id}", "delete", 200)
                assert cancelled["state"] == "cancelled" and cancelled["finished_at"]
                assert cancelled["counts"]["fetched"] > 0

                again = await client.delete(f"/jobs/{posted['id']}", headers=AUTH)
                assert again.status == 409
                missing = await client.delete("/jobs/no-such-job", headers=AUTH)
                assert missing.status == 404

                # The tasks still queued skip their work and release their URL locks.
                cluster.process_worker()
                prefix = settings.redis_prefix
                for _ in range(480):
                    if not url_locks(redis_url, prefix):
                        break
                    await asyncio.sleep(0.25)
                assert url_locks(redis_url, prefix) == 0, cluster.logs()
                after = await _job(client, posted["id"])
                assert after["state"] == "cancelled"
                store = open_store(settings)
                try:
                    assert store.counts()["articles"] == 0  # every process task skipped
                finally:
                    store.close()


async def test_the_api_service_command_drives_the_workers(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """docker-compose.yml's api command, run as a process: a job posted to it is crawled by the
    workers and read back with their counts."""
    site = DemoSite(DemoConfig(n_articles=6))
    async with serve(site) as server:
        env = _env(server, tmp_path, postgres_url, redis_url)
        env["INGEST_API_TOKEN"] = TOKEN
        urls = [f"{server.base_url}{p}" for p in list(site.article_paths())[:3]]
        with celery_cluster(env, tmp_path) as cluster:
            cluster.fetch_worker()
            cluster.process_worker()
            port = free_port()
            cluster.api(port)
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/health") as response:
                    health = await response.json()
                assert health["mode"] == "distributed" and health["status"] == "ok", health
                async with http.post(f"{base}/jobs", json={"urls": urls}) as response:
                    assert response.status == 401  # no token, no write
                async with http.post(f"{base}/jobs", json={"urls": urls}, headers=AUTH) as response:
                    posted = await response.json()
                    assert response.status == 202, posted
                deadline = time.monotonic() + 120
                job: Any = posted
                while time.monotonic() < deadline and job["state"] in ("queued", "running"):
                    await asyncio.sleep(0.25)
                    async with http.get(f"{base}/jobs/{posted['id']}") as response:
                        job = await response.json()
                assert job["state"] == "finished", (job, cluster.logs())
                assert job["counts"]["stored"] == 3, job["counts"]
