"""Local servers that misbehave on purpose, shared by the fetch integration tests.

Imported by the ``test_fetch_*`` modules (pytest puts this directory on ``sys.path``); it holds
no tests itself apart from a check that the servers start.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli
import pytest
from aiohttp import web

from ingest.fetch import AddressGuard, FetchOptions, HttpFetcher

ALLOW_LOOPBACK = ("127.0.0.0/8",)
ROBOTS = "User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\n"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 5000
CP1252_TEXT = "Le café était très élégant, dit-il. " * 30
BOMB = gzip.compress(b"\0" * 30_000_000, compresslevel=9)


def article(n: int | str) -> bytes:
    return (
        f"<!doctype html><html><head><title>Story {n}</title></head><body><article>"
        f"<h1>Story {n}</h1><p>Body of story {n}: naïve café.</p></article></body></html>"
    ).encode()


class FakeTime:
    """An injected clock: ``sleep`` records the delay and moves the clock, without waiting."""

    def __init__(self, *, still: bool = False) -> None:
        self.now = 1000.0
        self.still = still  # when True the clock never moves: waits read as reservations
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        if not self.still:
            self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Server:
    base: str
    port: int
    hits: Counter[str] = field(default_factory=Counter)
    headers_seen: dict[str, dict[str, str]] = field(default_factory=dict)
    inflight: int = 0
    peak: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _app(server: Server, robots: str) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        server.hits[request.path] += 1
        server.headers_seen[request.path] = dict(request.headers)
        server.inflight += 1
        server.peak = max(server.peak, server.inflight)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            server.inflight -= 1

    @routes.get("/robots.txt")
    async def robots_txt(request: web.Request) -> web.Response:
        if robots.startswith("status:"):
            return web.Response(status=int(robots.split(":", 1)[1]), text="robots says no")
        return web.Response(text=robots)

    @routes.get("/page/{n}")
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=article(request.match_info["n"]), content_type="text/html")

    @routes.get("/private/{n}")
    async def private(request: web.Request) -> web.Response:
        return web.Response(body=article("private"), content_type="text/html")

    @routes.get("/slowish/{n}")
    async def slowish(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(body=article(request.match_info["n"]), content_type="text/html")

    @routes.get("/slow-headers")
    async def slow_headers(request: web.Request) -> web.Response:
        await _wait(server.stop, 10)
        return web.Response(body=article("late"), content_type="text/html")

    @routes.get("/slow-body")
    async def slow_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        for _ in range(200):  # a byte every 0.1 s: never idle long enough for the read timeout
            await resp.write(b"<")
            if await _wait(server.stop, 0.1):
                break
        return resp

    @routes.get("/trickle/{n}")
    async def trickle(request: web.Request) -> web.StreamResponse:
        """The article in ``n`` pieces, one every 0.1 s: slow, never idle for long."""
        body = article("trickle")
        pieces = int(request.match_info["n"])
        step = -(-len(body) // pieces)
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        for start in range(0, len(body), step):
            await resp.write(body[start : start + step])
            if await _wait(server.stop, 0.1):
                break
        return resp

    @routes.get("/stall-body")
    async def stall_body(request: web.Request) -> web.StreamResponse:
        """Headers and half the article, then nothing."""
        body = article("stall")
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        resp.content_length = len(body)
        await resp.prepare(request)
        await resp.write(body[: len(body) // 2])
        await _wait(server.stop, 10)
        return resp

    @routes.get("/flaky-500")
    async def flaky(request: web.Request) -> web.Response:
        if server.hits[request.path] == 1:
            return web.Response(status=500, text="boom")
        return web.Response(body=article("flaky"), content_type="text/html")

    @routes.get("/429")
    async def too_many(request: web.Request) -> web.Response:
        if server.hits[request.path] == 1:
            return web.Response(status=429, headers={"Retry-After": "7"}, text="slow down")
        return web.Response(body=article("429"), content_type="text/html")

    @routes.get("/429-date")
    async def too_many_date(request: web.Request) -> web.Response:
        if server.hits[request.path] == 1:
            when = datetime.now(UTC) + timedelta(seconds=90)
            return web.Response(
                status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
            )
        return web.Response(body=article("429-date"), content_type="text/html")

    @routes.get("/429-long")
    async def too_many_long(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "86400"}, text="come back tomorrow")

    @routes.get("/503")
    async def unavailable(request: web.Request) -> web.Response:
        return web.Response(status=503, text="down")

    @routes.get("/404")
    async def not_found(request: web.Request) -> web.Response:
        return web.Response(status=404, text="gone")

    @routes.get("/loop-a")
    async def loop_a(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop-b")

    @routes.get("/loop-b")
    async def loop_b(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(f"{server.base}/loop-a")

    @routes.get("/chain/{n}")
    async def chain(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPTemporaryRedirect(f"/chain/{n + 1}")

    @routes.get("/redirect")
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    @routes.get("/big")
    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"<p>" + b"x" * 300_000, content_type="text/html")

    @routes.get("/big-chunked")
    async def big_chunked(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(40):
            await resp.write(b"y" * 10_000)
        return resp

    @routes.get("/bomb")
    async def bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=BOMB, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    @routes.get("/brotli")
    async def br(request: web.Request) -> web.Response:
        return web.Response(
            body=brotli.compress(article("br")),
            headers={"Content-Type": "text/html", "Content-Encoding": "br"},
        )

    @routes.get("/cp1252")
    async def cp1252(request: web.Request) -> web.Response:
        body = f"<html><body><p>{CP1252_TEXT}</p></body></html>".encode("cp1252")
        return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})

    @routes.get("/pdf")
    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=PDF * 200, content_type="application/pdf")

    @routes.get("/pdf-as-html")
    async def pdf_as_html(request: web.Request) -> web.Response:
        return web.Response(body=PDF, content_type="text/html")

    @routes.get("/feed.xml")
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=b"<rss><channel/></rss>", content_type="application/rss+xml")

    @routes.get("/etag")
    async def etag(request: web.Request) -> web.Response:
        tag, modified = '"v1"', "Wed, 21 Oct 2026 07:28:00 GMT"
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(
            body=article("etag"),
            content_type="text/html",
            headers={"ETag": tag, "Last-Modified": modified},
        )

    app = web.Application(middlewares=[count])
    app.add_routes(routes)
    return app


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


@asynccontextmanager
async def serve(robots: str = ROBOTS) -> AsyncIterator[Server]:
    """An aiohttp.web test site on 127.0.0.1, port 0. ``robots="status:503"`` makes
    robots.txt answer with that status."""
    server = Server(base="", port=0)
    runner = web.AppRunner(_app(server, robots), shutdown_timeout=1.0, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    server.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.base = f"http://127.0.0.1:{server.port}"
    try:
        yield server
    finally:
        server.stop.set()
        await runner.cleanup()


@dataclass
class RawServer:
    """A raw asyncio server that resets the first ``resets`` article connections."""

    resets: int
    port: int = 0
    seen: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1]
        if path == b"/robots.txt":
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        else:
            self.seen += 1
            if self.seen <= self.resets:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            body = article("after-reset")
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
        await writer.drain()
        writer.close()


@asynccontextmanager
async def serve_raw(resets: int) -> AsyncIterator[RawServer]:
    raw = RawServer(resets)
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    raw.port = server.sockets[0].getsockname()[1]
    try:
        yield raw
    finally:
        server.close()
        await server.wait_closed()


def options(**kw: Any) -> FetchOptions:
    """Test options: loopback allowed, short timeouts, tiny backoff."""
    base: dict[str, Any] = {
        "user_agent": "ingest-test/1.0 (+http://127.0.0.1/contact)",
        "allow_networks": ALLOW_LOOPBACK,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "max_attempts": 3,
        "max_retry_time": 60.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
    }
    base.update(kw)
    return FetchOptions(**base)


def fetcher(
    time: FakeTime | None = None, guard: AddressGuard | None = None, **kw: Any
) -> HttpFetcher:
    t = time or FakeTime()
    return HttpFetcher(options(**kw), clock=t.clock, sleep=t.sleep, guard=guard)


@pytest.mark.integration
async def test_servers_start_and_answer() -> None:
    async with serve() as server, fetcher() as f:
        from ingest.model import FetchRequest, Page

        result = await f.fetch(FetchRequest(server.url("/page/1")))
        assert isinstance(result, Page)
        assert result.body == article(1)
