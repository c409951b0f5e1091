"""The HTTP API (aiohttp.web): jobs, articles with search, sources, health, metrics, the
OpenAPI document and the read-only dashboard.

:func:`make_app` wires an :class:`~ingest.api.routes.ApiContext` into an application (tests
build the context themselves); :func:`create_app` builds the real one from :class:`Settings`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

import structlog
from aiohttp import web

from ingest.api.broker import RedisBrokerProbe
from ingest.api.errors import ApiError, error_response
from ingest.api.jobs import DistributedJobService, EmbeddedJobService, JobService
from ingest.api.metrics import Metrics
from ingest.api.routes import CONTEXT, MAX_BODY, ApiContext, add_routes
from ingest.bootstrap import embedded_crawler, open_store
from ingest.errors import IngestError, StoreError, StoreUnavailable
from ingest.pipeline.jobs import CoordinationUnavailable
from ingest.settings import Settings
from ingest.sources import Source, load_sources

__all__ = ["STATIC_DIR", "create_app", "make_app", "openapi_document"]

log = structlog.get_logger(__name__)

STATIC_DIR = Path(str(resources.files("ingest.api") / "static"))
_OPENAPI = Path(str(resources.files("ingest.api") / "openapi.json"))

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src http: https:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def openapi_document() -> bytes:
    return _OPENAPI.read_bytes()


def _route_name(request: web.Request) -> str:
    info = request.match_info
    route = info.route if info is not None else None
    resource = route.resource if route is not None else None
    if resource is None:
        return "unmatched"
    canonical = resource.canonical
    return canonical if not canonical.startswith("/dashboard/static") else "/dashboard/static"


@web.middleware
async def _errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path.startswith("/dashboard"):
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status, "http_error"
        )
        return error_response(ApiError(exc.status, code, exc.reason))
    except StoreUnavailable as exc:
        return error_response(ApiError(503, "store_unavailable", str(exc)))
    except CoordinationUnavailable as exc:
        return error_response(ApiError(503, "broker_unavailable", str(exc)))
    except (StoreError, IngestError) as exc:
        log.error("api.error", path=request.path, error=str(exc))
        return error_response(ApiError(500, "internal_error", "the request failed"))


@web.middleware
async def _observe(request: web.Request, handler: _Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[CONTEXT].metrics.observe_request(
            request.method, _route_name(request), status, time.perf_counter() - started
        )


@web.middleware
async def _headers(request: web.Request, handler: _Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/dashboard"):
        response.headers.setdefault("Content-Security-Policy", _DASHBOARD_CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(body=openapi_document(), content_type="application/json")


async def _dashboard(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def _root(request: web.Request) -> web.Response:
    raise web.HTTPFound("/dashboard/")


def make_app(ctx: ApiContext) -> web.Application:
    """The application for ``ctx``. Does no I/O; closing ``ctx``'s edges is the caller's."""
    app = web.Application(middlewares=[_headers, _observe, _errors], client_max_size=MAX_BODY)
    app[CONTEXT] = ctx
    add_routes(app)
    app.router.add_get("/openapi.json", _openapi)
    app.router.add_get("/", _root)
    app.router.add_get("/dashboard/", _dashboard)
    app.router.add_static("/dashboard/static", STATIC_DIR, follow_symlinks=False)
    return app


def _sources(settings: Settings) -> dict[str, Source]:
    path = Path(settings.sources_file)
    return load_sources(path) if path.is_file() else {}


def create_app(settings: Settings, *, distributed: bool = False) -> web.Application:
    """The API for ``settings``: opens (and migrates) the store and loads the sources file
    when present. Embedded mode runs jobs in this process; distributed mode sends them to the
    Celery workers (over the configured broker, with live counts from Redis) and probes the
    broker for ``/health`` and ``/metrics``. Everything is closed when the application shuts
    down. Raises :class:`ConfigError`."""
    sources = _sources(settings)
    store = open_store(settings)
    broker = RedisBrokerProbe(settings.broker) if distributed else None
    metrics = Metrics()
    jobs: JobService
    if distributed:
        jobs = DistributedJobService.connect(settings, store, sources)
    else:
        jobs = EmbeddedJobService(
            settings,
            store,
            sources,
            crawler_factory=embedded_crawler,
            on_result=metrics.observe_result,
        )
    ctx = ApiContext(
        settings=settings,
        store=store,
        jobs=jobs,
        sources=sources,
        metrics=metrics,
        broker=broker,
        mode="distributed" if distributed else "embedded",
    )

    async def startup(_app: web.Application) -> None:
        interrupted = await jobs.recover()
        if interrupted:
            log.warning("api.jobs_interrupted", count=interrupted)

    async def cleanup(_app: web.Application) -> None:
        await jobs.close()
        if broker is not None:
            await broker.close()
        store.close()

    app = make_app(ctx)
    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    return app
