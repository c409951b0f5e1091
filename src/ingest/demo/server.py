"""Serve a :class:`~ingest.demo.site.DemoSite` over HTTP with aiohttp (loopback by default).

``serve(site)`` is an async context manager for tests and benchmarks; ``run()`` blocks and is
what ``ingest demo serve`` calls. Every request is recorded in ``DemoServer.request_log``
(unless the site's ``rate_log`` is off), so tests can check politeness and robots.txt.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from ingest.demo.site import DemoConfig, DemoSite

__all__ = ["DemoServer", "RequestRecord", "make_app", "run", "serve"]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the server received. ``path`` includes the query string."""

    path: str
    time_monotonic: float
    user_agent: str
    method: str = "GET"
    status: int = 0


SITE_KEY = web.AppKey("demo_site", DemoSite)
LOG_KEY = web.AppKey("demo_request_log", list[RequestRecord])

_HEAVY = ("/sitemaps/articles-", "/feed.xml", "/atom.xml")
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _record(request: web.Request, handler: _Handler) -> web.StreamResponse:
    started = time.monotonic()
    response = await handler(request)
    if request.app[SITE_KEY].config.rate_log:
        request.app[LOG_KEY].append(
            RequestRecord(
                path=request.path_qs,
                time_monotonic=started,
                user_agent=request.headers.get("User-Agent", ""),
                method=request.method,
                status=response.status,
            )
        )
    return response


async def _handle(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE_KEY]
    base_url = f"{request.scheme}://{request.host}"
    render = functools.partial(
        site.render, request.path_qs, base_url=base_url, request_headers=request.headers
    )
    if request.path.startswith(_HEAVY):
        # sitemap pages of 10,000 URLs take a while: keep the event loop answering meanwhile
        status, content_type, body, headers = await asyncio.to_thread(render)
    else:
        status, content_type, body, headers = render()
    mime, _, params = content_type.partition(";")
    charset = params.split("=", 1)[1].strip() if "=" in params else None
    return web.Response(
        status=status,
        body=body,
        content_type=mime.strip(),
        charset=charset,
        headers=dict(headers),
    )


def make_app(site: DemoSite, *, request_log: list[RequestRecord] | None = None) -> web.Application:
    """An aiohttp application answering every GET/HEAD path from ``site``.

    Requests are appended to ``request_log`` (a new list when not given; ``app[LOG_KEY]``).
    """
    app = web.Application(middlewares=[_record])
    app[SITE_KEY] = site
    app[LOG_KEY] = request_log if request_log is not None else []
    app.router.add_get("/{tail:.*}", _handle)  # HEAD too
    return app


@dataclass(slots=True)
class DemoServer:
    """A running demo server. ``base_url`` is e.g. ``http://127.0.0.1:54321``."""

    site: DemoSite
    base_url: str
    request_log: list[RequestRecord]
    _runner: web.AppRunner

    def url(self, path: str) -> str:
        return self.base_url + path

    async def stop(self) -> None:
        """Stop listening and close open connections (idempotent)."""
        await self._runner.cleanup()


@asynccontextmanager
async def serve(
    site: DemoSite, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[DemoServer]:
    """Serve ``site`` on ``host:port`` (0 picks a free port) for the duration of the block."""
    log: list[RequestRecord] = []
    runner = web.AppRunner(make_app(site, request_log=log), access_log=None)
    await runner.setup()
    try:
        tcp = web.TCPSite(runner, host, port)
        await tcp.start()
        bound_host, bound_port = runner.addresses[0][:2]
        display = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield DemoServer(site, f"http://{display}:{bound_port}", log, runner)
    finally:
        await runner.cleanup()


def run(host: str = "127.0.0.1", port: int = 8765, n_articles: int = 60) -> None:
    """Serve a demo site until interrupted (blocking); ``ingest demo serve`` calls this."""
    site = DemoSite(DemoConfig(n_articles=n_articles))
    web.run_app(make_app(site), host=host, port=port, access_log=None)
