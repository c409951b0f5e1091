"""The HTTP API against a real aiohttp server, real SQLite/PostgreSQL and the demo site:
articles and search, jobs with auth and validation, sources, health, metrics, and the OpenAPI
document checked against the routes and the responses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ingest.api.app import create_app, make_app
from ingest.api.broker import RedisBrokerProbe
from ingest.api.jobs import EmbeddedJobService, JobConflict
from ingest.api.metrics import Metrics
from ingest.api.routes import ARTICLE_PARAMS, ApiContext
from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import DemoServer, serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.pipeline.crawl import Crawler, Progress
from ingest.settings import Settings, load_settings
from ingest.sources import Source
from ingest.store.jobs import Job, JobRunner, JobState, SqlJobStore
from ingest.store.sql import SqlStore
from support.articles import make_article, story_text
from support.openapi import DOC, check

pytestmark = pytest.mark.integration

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2024, 5, 4, 12, tzinfo=UTC)


def _settings(db_url: str, tmp_path: Path, *, token: str | None = TOKEN) -> Settings:
    return load_settings(
        env={},
        overrides={
            "database_url": db_url,
            "api_token": token,
            "sites_dir": str(tmp_path / "no-rules"),
            "sources_file": str(tmp_path / "no-sources.yaml"),
            "fetch": {"allow_networks": ["127.0.0.0/8"], "max_attempts": 1},
        },
    )


@dataclass
class Api:
    client: TestClient[web.Request, web.Application]
    store: SqlStore
    jobs: EmbeddedJobService
    ctx: ApiContext

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        body = await response.json()
        assert response.status == status, body
        return body


@asynccontextmanager
async def running_api(
    settings: Settings,
    sources: dict[str, Source],
    *,
    factory: Any = embedded_crawler,
    broker: RedisBrokerProbe | None = None,
) -> AsyncIterator[Api]:
    store = open_store(settings)
    metrics = Metrics()
    jobs = EmbeddedJobService(
        settings, store, sources, crawler_factory=factory, on_result=metrics.observe_result
    )
    ctx = ApiContext(
        settings=settings, store=store, jobs=jobs, sources=sources, metrics=metrics, broker=broker
    )
    client = TestClient(TestServer(make_app(ctx), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Api(client, store, jobs, ctx)
    finally:
        await jobs.close()
        await client.close()
        if broker is not None:
            await broker.close()
        store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def demo() -> AsyncIterator[DemoServer]:
    async with serve(DemoSite(DemoConfig(n_articles=24))) as server:
        yield server


def demo_source(server: DemoServer) -> Source:
    return Source(name="demo", feeds=(f"{server.base_url}/feed.xml",))


@pytest.fixture
async def api(db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(_settings(db_url, tmp_path), {}) as a:
        yield a


def _fill(store: SqlStore, n: int) -> list[int]:
    ids = []
    for i in range(n):
        article = make_article(
            f"https://example.com/a/{i}",
            story_text(i),
            title=f"Lighthouse report {i}" if i % 2 else f"Planetarium opening {i}",
            published=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=i),
            source="alpha" if i % 3 else "beta",
        )
        result = store.save(article, now=NOW)
        assert result.article_id is not None
        ids.append(result.article_id)
    return ids


# -- the OpenAPI document -----------------------------------------------------------------------


def _routes(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in ("HEAD", "*") or path == "/" or path.startswith("/dashboard"):
            continue
        found.add((path, route.method.lower()))
    return found


async def test_openapi_document_matches_the_routes(api: Api) -> None:
    jsonschema.Draft202012Validator.check_schema(DOC["components"]["schemas"]["Article"])
    documented = {(p, m) for p, ops in DOC["paths"].items() for m in ops}
    assert documented == _routes(api.client.app)
    served = await api.get("/openapi.json")
    assert served == DOC
    for path, ops in DOC["paths"].items():
        for method, op in ops.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            if path == "/articles" and method == "get":
                assert params == ARTICLE_PARAMS


# -- articles -----------------------------------------------------------------------------------


async def test_articles_pages_follow_the_cursor_without_gaps(api: Api) -> None:
    ids = _fill(api.store, 7)
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        body = await api.get("/articles", **params)
        check(body, "/articles", "get", 200)
        seen += [a["id"] for a in body["items"]]
        assert all("body" not in a for a in body["items"])
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == sorted(ids, reverse=True)


async def test_search_ranks_filters_and_pages(api: Api) -> None:
    _fill(api.store, 8)
    body = await api.get("/articles", q="lighthouse", limit=100)
    check(body, "/articles", "get", 200)
    assert len(body["items"]) == 4
    assert all("<mark>" in a["snippet"] for a in body["items"])
    ranks = [a["rank"] for a in body["items"]]
    assert ranks == sorted(ranks, reverse=True)

    alpha = await api.get("/articles", q="lighthouse", source="alpha", include_body="true")
    check(alpha, "/articles", "get", 200)
    assert {a["source"] for a in alpha["items"]} == {"alpha"} and "body" in alpha["items"][0]

    first = await api.get("/articles", q="lighthouse", limit=2)
    second = await api.get("/articles", q="lighthouse", limit=2, cursor=first["next_cursor"])
    ids = [a["id"] for a in first["items"] + second["items"]]
    assert len(set(ids)) == 4

    later = await api.get("/articles", q="lighthouse", published_after="2024-05-01T04:00:00Z")
    assert len(later["items"]) == 2
    none = await api.get("/articles", q='"lighthouse planetarium" OR *')
    assert none["items"] == []


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"q": "x" * 301}, "q"),
        ({"published_after": "yesterday"}, "published_after"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"one_per_cluster": "maybe"}, "one_per_cluster"),
        ({"sort": "title"}, "sort"),
    ],
)
async def test_bad_article_parameters_are_clear_400s(
    api: Api, params: dict[str, str], parameter: str
) -> None:
    body = await api.get("/articles", 400, **params)
    check(body, "/articles", "get", 400)
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["details"] == {"parameter": parameter}


async def test_article_detail_has_versions_and_cluster(api: Api) -> None:
    first = api.store.save(make_article("https://example.com/x", story_text(1)), now=NOW)
    api.store.save(
        make_article("https://example.com/x", [*story_text(1), "Correction."]),
        now=NOW + timedelta(hours=1),
    )
    copy = api.store.save(
        make_article("https://other.example.org/x", [*story_text(1), "Syndicated copy."]),
        now=NOW,
    )
    body = await api.get(f"/articles/{first.article_id}")
    check(body, "/articles/{id}", "get", 200)
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["cluster"]["size"] == 2
    assert {m["id"] for m in body["cluster"]["members"]} == {first.article_id, copy.article_id}
    missing = await api.get("/articles/999999", 404)
    check(missing, "/articles/{id}", "get", 404)
    bad = await api.get("/articles/abc", 400)
    check(bad, "/articles/{id}", "get", 400)


# -- jobs ---------------------------------------------------------------------------------------


async def _post(api: Api, body: Any, *, headers: dict[str, str] | None = None) -> Any:
    response = await api.client.post(
        "/jobs", json=body, headers=AUTH if headers is None else headers
    )
    payload = await response.json()
    check(payload, "/jobs", "post", response.status)
    return response.status, payload


async def test_write_endpoints_need_the_token(api: Api) -> None:
    status, body = await _post(api, {"source": "demo"}, headers={})
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await _post(api, {"source": "demo"}, headers={"Authorization": "Bearer no"})
    assert status == 401
    response = await api.client.delete("/jobs/abc", headers={"Authorization": "Basic x"})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_writes_are_disabled_without_a_configured_token(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with running_api(_settings(sqlite_url, tmp_path, token=None), {}) as api:
        status, body = await _post(api, {"urls": ["https://example.com/"]})
        assert status == 403 and body["error"]["code"] == "writes_disabled"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "invalid_body"),
        ({"source": "no such"}, 422, "invalid_body"),
        ({"source": "nosuch"}, 422, "unknown_source"),
        ({"urls": ["https://example.com/"] * 101}, 422, "invalid_body"),
        ({"urls": ["ftp://example.com/x"]}, 422, "url_refused"),
        ({"urls": ["http://169.254.169.254/latest/meta-data"]}, 422, "url_refused"),
        ({"urls": ["http://10.1.2.3/"]}, 422, "url_refused"),
        ({"urls": ["http://user:pw@example.com/"]}, 422, "url_refused"),
        ({"urls": "https://example.com/"}, 422, "invalid_body"),
        ({"source": "a", "extra": 1}, 422, "invalid_body"),
    ],
)
async def test_job_requests_are_validated(api: Api, body: Any, status: int, code: str) -> None:
    got_status, payload = await _post(api, body)
    assert (got_status, payload["error"]["code"]) == (status, code)


async def test_malformed_bodies(api: Api) -> None:
    response = await api.client.post(
        "/jobs", data=b"{nope", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    response = await api.client.post(
        "/jobs", data=b"source=x", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status == 415
    big = json.dumps({"urls": ["https://example.com/" + "a" * 2000] * 40}).encode()
    response = await api.client.post(
        "/jobs", data=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status == 413
    check(await response.json(), "/jobs", "post", 413)


async def test_loopback_urls_are_refused_unless_allowed(sqlite_url: str, tmp_path: Path) -> None:
    settings = _settings(sqlite_url, tmp_path)
    settings = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"allow_networks": ()})}
    )
    async with running_api(settings, {}) as api:
        status, body = await _post(api, {"urls": ["http://127.0.0.1:9/x", "http://localhost/"]})
        assert status == 422
        assert set(body["error"]["details"]) == {"http://127.0.0.1:9/x", "http://localhost/"}


async def test_source_job_crawls_and_reports_counts(
    db_url: str, tmp_path: Path, demo: DemoServer
) -> None:
    source = demo_source(demo)
    async with running_api(_settings(db_url, tmp_path), {"demo": source}) as api:
        status, job = await _post(api, {"source": "demo"})
        assert status == 202 and job["state"] in ("queued", "running")
        await api.jobs.wait(job["id"])
        done = await api.get(f"/jobs/{job['id']}")
        check(done, "/jobs/{id}", "get", 200)
        assert done["state"] == "finished", done
        assert done["counts"]["stored"] > 0 and done["counts"]["done"] == done["counts"]["total"]

        listed = await api.get("/jobs")
        check(listed, "/jobs", "get", 200)
        assert listed["items"][0]["id"] == job["id"]

        sources = await api.get("/sources")
        check(sources, "/sources", "get", 200)
        (entry,) = sources["items"]
        assert entry["name"] == "demo" and entry["configured"]
        assert entry["articles"] == done["counts"]["stored"]
        assert entry["last_job"]["id"] == job["id"] and entry["last_fetched"]

        articles = await api.get("/articles", source="demo", limit=100)
        assert len(articles["items"]) == done["counts"]["stored"]
        word = articles["items"][0]["title"].split()[0]
        found = await api.get("/articles", q=word)
        assert found["items"]

        metrics = await (await api.client.get("/metrics")).text()
        assert (
            f'ingest_fetch_outcomes_total{{outcome="stored"}} {done["counts"]["stored"]}' in metrics
        )
        assert f"ingest_articles_stored {done['counts']['stored']}" in metrics


async def test_url_job_crawls_the_given_urls(
    sqlite_url: str, tmp_path: Path, demo: DemoServer
) -> None:
    async with running_api(_settings(sqlite_url, tmp_path), {}) as api:
        feed = await (await api.client.session.get(f"{demo.base_url}/feed.xml")).text()
        links = [part.split("</link>")[0] for part in feed.split("<link>")[2:4]]
        status, job = await _post(api, {"urls": links, "source": "picked"})
        assert status == 202 and job["urls"] == links
        await api.jobs.wait(job["id"])
        done = await api.get(f"/jobs/{job['id']}")
        assert done["state"] == "finished" and done["counts"]["total"] == 2
        assert done["source"] == "picked"


class _Blocked:
    """A crawler factory whose crawl never ends until cancelled."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    @asynccontextmanager
    async def __call__(
        self, settings: Settings, store: SqlStore, *, progress: Progress | None, processes: bool
    ) -> AsyncIterator[Crawler]:
        self.entered.set()
        await asyncio.Event().wait()
        yield  # type: ignore[misc]  # never reached


async def test_cancel_a_running_job(sqlite_url: str, tmp_path: Path) -> None:
    blocked = _Blocked()
    source = Source(name="slow", seeds=("https://example.com/",))
    async with running_api(
        _settings(sqlite_url, tmp_path), {"slow": source}, factory=blocked
    ) as api:
        _, job = await _post(api, {"source": "slow"})
        await blocked.entered.wait()
        running = await api.get(f"/jobs/{job['id']}")
        assert running["state"] == "running"
        jobs = await api.get("/jobs")
        assert jobs["items"][0]["state"] == "running"

        response = await api.client.delete(f"/jobs/{job['id']}", headers=AUTH)
        body = await response.json()
        check(body, "/jobs/{id}", "delete", response.status)
        assert response.status == 200 and body["state"] == "cancelled"

        again = await api.client.delete(f"/jobs/{job['id']}", headers=AUTH)
        assert again.status == 409
        check(await again.json(), "/jobs/{id}", "delete", 409)
        unknown = await api.client.delete("/jobs/0000", headers=AUTH)
        assert unknown.status == 404
        assert (await api.get("/jobs/0000", 404))["error"]["code"] == "not_found"


async def test_a_second_crawl_of_a_busy_source_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    blocked = _Blocked()
    source = Source(name="slow", seeds=("https://example.com/",))
    async with running_api(
        _settings(sqlite_url, tmp_path), {"slow": source}, factory=blocked
    ) as api:
        status, first = await _post(api, {"source": "slow"})
        assert status == 202
        status, body = await _post(api, {"source": "slow"})
        assert status == 409 and body["error"]["code"] == "source_busy"
        # A crawl of given URLs labelled with the source is not a crawl of the source.
        status, _ = await _post(api, {"source": "slow", "urls": ["http://127.0.0.1:9/a"]})
        assert status == 202
        response = await api.client.delete(f"/jobs/{first['id']}", headers=AUTH)
        assert response.status == 200
        status, _ = await _post(api, {"source": "slow"})
        assert status == 202


async def test_jobs_left_active_by_a_dead_server_are_marked_failed(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    job_store = SqlJobStore(store.engine)
    try:
        for job_id, runner in (("dead-1", JobRunner.API), ("on-workers", JobRunner.WORKERS)):
            job_store.create(
                Job(job_id, "x", JobState.RUNNING, NOW, urls=("https://a.example/",), runner=runner)
            )
        jobs = EmbeddedJobService(settings, store, {}, crawler_factory=embedded_crawler)
        assert await jobs.recover() == 1
        job = await jobs.get("dead-1")
        assert job is not None and job.state is JobState.FAILED
        assert "interrupted" in (job.error or "")
        # Jobs of the workers are not this process's to end, nor to cancel.
        other = await jobs.get("on-workers")
        assert other is not None and other.state is JobState.RUNNING
        with pytest.raises(JobConflict, match="run by the workers"):
            await jobs.cancel("on-workers")
    finally:
        store.close()


# -- health and metrics -------------------------------------------------------------------------


async def test_health_checks_store_and_broker(
    sqlite_url: str, tmp_path: Path, redis_url: str
) -> None:
    settings = _settings(sqlite_url, tmp_path)
    async with running_api(settings, {}) as api:
        body = await api.get("/health")
        check(body, "/health", "get", 200)
        assert body == {"status": "ok", "mode": "embedded", "checks": {"store": {"ok": True}}}
    async with running_api(settings, {}, broker=RedisBrokerProbe(redis_url)) as api:
        api.ctx.mode = "distributed"
        body = await api.get("/health")
        assert body["checks"]["broker"] == {"ok": True}
        metrics = await (await api.client.get("/metrics")).text()
        assert 'ingest_queue_depth{queue="fetch"} 0' in metrics
    async with running_api(settings, {}, broker=RedisBrokerProbe("redis://127.0.0.1:1/0")) as api:
        body = await api.get("/health", 503)
        check(body, "/health", "get", 503)
        assert body["status"] == "unavailable" and not body["checks"]["broker"]["ok"]


async def test_metrics_are_prometheus_text(api: Api) -> None:
    _fill(api.store, 3)
    await api.get("/articles")
    response = await api.client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    text = await response.text()
    assert "ingest_articles_stored 3" in text
    assert 'ingest_store_rows{kind="clusters"} 3' in text
    assert 'ingest_duplicates{kind="near"} 0' in text
    assert 'ingest_http_requests_total{method="GET",route="/articles",status="200"} 1' in text
    assert 'ingest_http_request_duration_seconds_count{method="GET",route="/articles"} 1' in text
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


async def test_unknown_paths_and_methods_are_json_errors(api: Api) -> None:
    response = await api.client.get("/nope")
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    response = await api.client.put("/jobs")
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_dashboard_is_served_with_a_strict_policy(api: Api) -> None:
    response = await api.client.get("/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/dashboard/"
    response = await api.client.get("/dashboard/")
    assert response.status == 200 and "ingest dashboard" in await response.text()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = await api.client.get("/dashboard/static/app.js")
    assert script.status == 200
    escape = await api.client.get("/dashboard/static/../openapi.json")
    assert escape.status in (403, 404)


async def test_create_app_loads_sources_and_recovers_jobs(
    db_url: str, tmp_path: Path, redis_url: str
) -> None:
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(
        "sources:\n  - name: configured\n    feeds: ['https://news.example.com/rss.xml']\n",
        encoding="utf-8",
    )
    settings = _settings(db_url, tmp_path).model_copy(
        update={"sources_file": sources_file, "redis_url": redis_url}
    )
    store = open_store(settings)
    SqlJobStore(store.engine).create(
        Job("left-over", "configured", JobState.QUEUED, NOW, runner=JobRunner.API)
    )
    store.close()
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/sources")
        body = await response.json()
        check(body, "/sources", "get", 200)
        (entry,) = body["items"]
        assert entry["configured"] and entry["entry_urls"] == ["https://news.example.com/rss.xml"]
        assert entry["last_job"]["state"] == "failed"
        health = await (await client.get("/health")).json()
        assert health["mode"] == "embedded" and health["status"] == "ok"
    finally:
        await client.close()
    client = TestClient(TestServer(create_app(settings, distributed=True), host="127.0.0.1"))
    await client.start_server()
    try:
        health = await (await client.get("/health")).json()
        assert health["mode"] == "distributed" and health["status"] == "ok"
        listed = await (await client.get("/jobs")).json()
        check(listed, "/jobs", "get", 200)
        assert [j["id"] for j in listed["items"]] == ["left-over"]
    finally:
        await client.close()
