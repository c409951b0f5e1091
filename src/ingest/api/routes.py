"""The API's request handlers. Inputs are validated here; every handler answers JSON (but
``/metrics``), errors as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.api.auth import require_token
from ingest.api.errors import ApiError
from ingest.api.jobs import JobConflict, JobService, SourceBusy, UnknownSource, job_record
from ingest.api.metrics import Metrics, render_gauges
from ingest.errors import StoreUnavailable
from ingest.fetch.base import FetchOptions
from ingest.fetch.guard import AddressGuard
from ingest.settings import Settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery, StoredArticle, article_record
from ingest.store.jobs import Job
from ingest.store.sql import SqlStore

__all__ = [
    "ARTICLE_PARAMS",
    "CONTEXT",
    "MAX_BODY",
    "MAX_PAGE",
    "MAX_URLS",
    "ApiContext",
    "BrokerProbe",
    "add_routes",
]

MAX_PAGE = 100
MAX_BODY = 64 * 1024
DEFAULT_PAGE = 20
MAX_QUERY_CHARS = 300
MAX_URLS = 100
MAX_URL_CHARS = 2048
MAX_SEARCH_OFFSET = 1000
_GUARD_TIMEOUT = 10.0


class BrokerProbe(Protocol):
    """The distributed mode's broker, as ``/health`` and ``/metrics`` see it."""

    async def ping(self) -> None: ...

    async def queue_depths(self) -> dict[str, int]: ...


@dataclass(slots=True)
class ApiContext:
    settings: Settings
    store: SqlStore
    jobs: JobService
    sources: Mapping[str, Source]
    metrics: Metrics = field(default_factory=Metrics)
    broker: BrokerProbe | None = None
    mode: str = "embedded"


CONTEXT = web.AppKey("ingest.api", ApiContext)


def _ctx(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


def _json(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response(
        data,
        status=status,
        headers=headers,
        dumps=lambda v: json.dumps(v, ensure_ascii=False),
    )


async def _db(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking store call off the event loop."""
    return await asyncio.to_thread(call, *args, **kwargs)


# -- query parameters -----------------------------------------------------------------------------


def _bad(param: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{param}: {message}", details={"parameter": param})


def _only(request: web.Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query) - allowed)
    if unknown:
        raise _bad(unknown[0], f"unknown parameter (allowed: {', '.join(sorted(allowed))})")


def _str(request: web.Request, name: str, *, max_len: int) -> str | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_len:
        raise _bad(name, f"longer than {max_len} characters")
    return value


def _int(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, "not an integer") from None
    if not low <= value <= high:
        raise _bad(name, f"must be between {low} and {high}")
    return value


def _bool(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "").lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise _bad(name, "expected true or false")


def _when(request: web.Request, name: str) -> datetime | None:
    raw = _str(request, name, max_len=40)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(name, "not an ISO 8601 date or date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _encode_cursor(data: dict[str, int]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(request: web.Request, kind: str) -> int | None:
    raw = _str(request, "cursor", max_len=200)
    if raw is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        value = data[kind]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _bad("cursor", "not a cursor returned by this endpoint") from None
    if not isinstance(value, int) or value < 0:
        raise _bad("cursor", "not a cursor returned by this endpoint")
    return value


# -- articles -------------------------------------------------------------------------------------

_SUMMARY_DROP = ("body", "blocks", "images", "provenance")
ARTICLE_PARAMS = {
    "q",
    "source",
    "language",
    "published_after",
    "published_before",
    "one_per_cluster",
    "limit",
    "cursor",
    "include_body",
}


def _summary(article: StoredArticle, include_body: bool) -> dict[str, Any]:
    record = article_record(article)
    if not include_body:
        for key in _SUMMARY_DROP:
            record.pop(key, None)
    return record


async def list_articles(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    _only(request, ARTICLE_PARAMS)
    text = _str(request, "q", max_len=MAX_QUERY_CHARS)
    query = ArticleQuery(
        text=text,
        source=_str(request, "source", max_len=100),
        language=_str(request, "language", max_len=16),
        published_after=_when(request, "published_after"),
        published_before=_when(request, "published_before"),
        one_per_cluster=_bool(request, "one_per_cluster"),
        limit=_int(request, "limit", default=DEFAULT_PAGE, low=1, high=MAX_PAGE),
    )
    include_body = _bool(request, "include_body")
    items: list[dict[str, Any]] = []
    next_cursor: str | None = None
    if text and text.strip():
        offset = _decode_cursor(request, "o") or 0
        if offset > MAX_SEARCH_OFFSET:
            raise _bad("cursor", f"search results are limited to the first {MAX_SEARCH_OFFSET}")
        hits = await _db(ctx.store.search, query, offset=offset)
        for hit in hits:
            record = _summary(hit.article, include_body)
            record["snippet"] = hit.snippet
            record["rank"] = hit.rank
            items.append(record)
        if len(hits) == query.limit and offset + len(hits) < MAX_SEARCH_OFFSET:
            next_cursor = _encode_cursor({"o": offset + len(hits)})
    else:
        before = _decode_cursor(request, "b")
        articles = await _db(ctx.store.latest, query, before_id=before)
        items = [_summary(a, include_body) for a in articles]
        if len(articles) == query.limit:
            next_cursor = _encode_cursor({"b": articles[-1].id})
    return _json({"items": items, "next_cursor": next_cursor})


def _path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(400, "invalid_parameter", f"{name}: not a positive integer id")
    return int(raw)


async def get_article(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    _only(request, set())
    article_id = _path_int(request, "id")
    article: StoredArticle | None = await _db(ctx.store.get_article, article_id)
    if article is None:
        raise ApiError(404, "not_found", f"no article with id {article_id}")
    versions = await _db(ctx.store.versions, article_id)
    info = await _db(ctx.store.cluster_info, article.cluster_id)
    members = await _db(ctx.store.cluster_members, article.cluster_id)
    record = article_record(article)
    record["versions"] = [
        {
            "version": v.version,
            "title": v.title,
            "content_hash": v.content_hash,
            "fetched_at": v.fetched_at.isoformat(),
        }
        for v in versions
    ]
    record["cluster"] = {
        "id": article.cluster_id,
        "size": info[0] if info else 1,
        "canonical_article_id": info[1] if info else article.id,
        "members": [{"id": i, "source": s, "url": u} for i, s, u in members],
    }
    return _json(record)


# -- sources --------------------------------------------------------------------------------------


async def list_sources(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    _only(request, set())
    stats = {s.source: s for s in await _db(ctx.store.source_stats)}
    jobs = await ctx.jobs.list(limit=200)
    last_job: dict[str, Job] = {}
    for job in jobs:  # newest first
        if job.source is not None and job.source not in last_job:
            last_job[job.source] = job
    items = []
    for name in sorted({*ctx.sources, *stats}):
        source = ctx.sources.get(name)
        stat = stats.get(name)
        latest = last_job.get(name)
        items.append(
            {
                "name": name,
                "configured": source is not None,
                "entry_urls": list(source.entry_urls) if source else [],
                "articles": stat.articles if stat else 0,
                "last_fetched": stat.last_fetched.isoformat()
                if stat and stat.last_fetched
                else None,
                "outcomes": dict(stat.outcomes) if stat else {},
                "last_job": job_record(latest) if latest else None,
            }
        )
    return _json({"items": items})


# -- jobs -----------------------------------------------------------------------------------------

_Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_CHARS)]


class JobRequest(BaseModel):
    """Body of ``POST /jobs``: a configured source, or URLs (optionally labelled)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$"
    )
    urls: list[_Url] = Field(default_factory=list, max_length=MAX_URLS)

    @model_validator(mode="after")
    def _source_or_urls(self) -> JobRequest:
        if self.source is None and not self.urls:
            raise ValueError("give a configured 'source' or a list of 'urls'")
        return self


async def _body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "body_too_large", f"body larger than {MAX_BODY} bytes") from None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"body is not valid JSON: {exc}") from None


async def _check_urls(guard: AddressGuard, urls: list[str]) -> None:
    problems: dict[str, str] = {}
    for url in urls:
        try:
            async with asyncio.timeout(_GUARD_TIMEOUT):
                await guard.check_url(url)
        except TimeoutError:
            problems[url] = "host name did not resolve in time"
        except (ValueError, OSError) as exc:
            problems[url] = str(exc) or type(exc).__name__
    if problems:
        raise ApiError(
            422,
            "url_refused",
            f"{len(problems)} URL(s) refused by the address guard or invalid",
            details=problems,
        )


async def create_job(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    require_token(request, ctx.settings.api_token)
    _only(request, set())
    try:
        body = JobRequest.model_validate(await _body(request))
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ApiError(422, "invalid_body", "the job request is invalid", details=details) from None
    urls = list(dict.fromkeys(body.urls))
    if urls:
        options = FetchOptions.from_settings(ctx.settings.fetch)
        guard = AddressGuard(
            allow_private=options.allow_private, allow_networks=options.allow_networks
        )
        await _check_urls(guard, urls)
    try:
        job = await ctx.jobs.start(source=body.source, urls=urls)
    except UnknownSource as exc:
        raise ApiError(422, "unknown_source", str(exc)) from None
    except SourceBusy as exc:
        raise ApiError(409, "source_busy", str(exc)) from None
    return _json(job_record(job), status=202, headers={"Location": f"/jobs/{job.id}"})


async def list_jobs(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    _only(request, {"limit"})
    limit = _int(request, "limit", default=DEFAULT_PAGE, low=1, high=MAX_PAGE)
    jobs = await ctx.jobs.list(limit=limit)
    return _json({"items": [job_record(j) for j in jobs]})


def _job_id(request: web.Request) -> str:
    job_id = request.match_info["id"]
    if len(job_id) > 64 or not all(c.isalnum() or c == "-" for c in job_id):
        raise ApiError(400, "invalid_parameter", "id: not a job id")
    return job_id


async def get_job(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    _only(request, set())
    job_id = _job_id(request)
    job = await ctx.jobs.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job with id {job_id}")
    return _json(job_record(job))


async def cancel_job(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    require_token(request, ctx.settings.api_token)
    _only(request, set())
    job_id = _job_id(request)
    try:
        job = await ctx.jobs.cancel(job_id)
    except JobConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    if job is None:
        raise ApiError(404, "not_found", f"no job with id {job_id}")
    return _json(job_record(job))


# -- health and metrics ---------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    checks: dict[str, dict[str, Any]] = {}
    try:
        await _db(ctx.store.ping)
        checks["store"] = {"ok": True}
    except StoreUnavailable as exc:
        checks["store"] = {"ok": False, "error": str(exc)}
    if ctx.broker is not None:
        try:
            async with asyncio.timeout(5):
                await ctx.broker.ping()
            checks["broker"] = {"ok": True}
        except (TimeoutError, OSError, StoreUnavailable) as exc:
            checks["broker"] = {"ok": False, "error": str(exc) or type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return _json(
        {"status": "ok" if ok else "unavailable", "mode": ctx.mode, "checks": checks},
        status=200 if ok else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    ctx = _ctx(request)
    lines = ctx.metrics.render()
    counts = await _db(ctx.store.counts)
    outcomes = await _db(ctx.store.outcome_counts)
    lines += render_gauges(
        "ingest_store_rows",
        "Rows in the store by kind (articles, clusters, versions, urls).",
        (({"kind": k}, float(v)) for k, v in sorted(counts.items())),
    )
    lines += render_gauges(
        "ingest_articles_stored", "Articles stored.", [({}, float(counts.get("articles", 0)))]
    )
    lines += render_gauges(
        "ingest_duplicates",
        "Near-duplicate articles (in a cluster with another) and exact duplicate URLs.",
        [
            ({"kind": "near"}, float(counts.get("articles", 0) - counts.get("clusters", 0))),
            ({"kind": "exact"}, float(outcomes.get("duplicate", 0))),
        ],
    )
    lines += render_gauges(
        "ingest_urls_by_outcome",
        "Known URLs by the outcome of their last fetch (frontier).",
        (({"outcome": k}, float(v)) for k, v in sorted(outcomes.items())),
    )
    lines += render_gauges(
        "ingest_jobs_active",
        "Jobs queued or running: in this API process (embedded mode), on the workers "
        "(distributed mode).",
        [({}, float(await ctx.jobs.active()))],
    )
    if ctx.broker is not None:
        try:
            async with asyncio.timeout(5):
                depths = await ctx.broker.queue_depths()
        except (TimeoutError, OSError):
            depths = {}
        lines += render_gauges(
            "ingest_queue_depth",
            "Messages waiting in each broker queue.",
            (({"queue": q}, float(n)) for q, n in sorted(depths.items())),
        )
    return web.Response(
        text="\n".join(lines) + "\n",
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Prometheus-Format": "0.0.4"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/articles", list_articles)
    app.router.add_get("/articles/{id}", get_article)
    app.router.add_get("/sources", list_sources)
    app.router.add_post("/jobs", create_job)
    app.router.add_get("/jobs", list_jobs)
    app.router.add_get("/jobs/{id}", get_job)
    app.router.add_delete("/jobs/{id}", cancel_job)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
