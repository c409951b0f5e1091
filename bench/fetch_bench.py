"""Fetch throughput on loopback: HttpFetcher against a bare aiohttp loop, same pages, same run.

A local aiohttp server (in a child process by default, so the client measured gets its own
core) serves N small HTML pages and an allow-all robots.txt. Each round fetches every page
once with a bare loop (one ClientSession, a semaphore of the same concurrency, one task per
URL that reads the body, counts it and lets it go) and once with ``HttpFetcher`` (robots on,
address guard on with loopback allowed, per-host limit = the same concurrency), driven the same
way: one task per URL, ``fetcher.fetch``, count, let go. ``--collect`` fetches through
``fetch_many`` instead, which holds all the round's pages until it ends, as the bare loop does
not. Rounds alternate so drift hits both alike. Prints pages/s, client CPU ms per
page, and the overhead of the fetcher.

Each round's bare run and fetcher run are back to back, so the median of the rounds' ratios is
the figure least disturbed by other jobs on the machine; the quartiles of those ratios, the
extra client CPU per page and the load average before and after show how disturbed it was.

After the warm-up the heap is frozen (``gc.freeze()``): the ~55,000 objects that importing
ingest, aiohttp and redis leaves behind are then no longer scanned by each full collection.
Without it, a full collection (25-40 ms here) runs every few rounds (every two or three with
``--collect``, whose held pages set it off), lands in a bare or a fetcher run alike and adds
10-20 % to that run at random. ``--no-gc-freeze`` measures without it.

    .venv/bin/python bench/fetch_bench.py --pages 2000 --concurrency 32 --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from ingest.fetch import FetchOptions, HttpFetcher, fetch_many
from ingest.model import FetchRequest, Page

PARAGRAPH = "<p>" + "A sentence of an ordinary news story, with a few words in it. " * 8 + "</p>"


def page_html(n: int, kb: int = 4) -> bytes:
    body = "".join(PARAGRAPH for _ in range(max(1, kb * 1024 // len(PARAGRAPH))))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Story {n}</title></head>"
        f"<body><article><h1>Story {n}</h1>{body}</article></body></html>"
    ).encode()


def make_app(compress: bool, kb: int = 4) -> web.Application:
    cache: dict[int, bytes] = {}

    async def article(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        body = cache.get(n)
        if body is None:
            html = page_html(n, kb)
            body = cache[n] = gzip.compress(html) if compress else html
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if compress:
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers)

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /private/\n")

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/a/{n}", article)
    return app


def serve_forever(sock: socket.socket, compress: bool, kb: int) -> None:
    web.run_app(make_app(compress, kb), sock=sock, print=None, access_log=None, handle_signals=True)


async def bare_round(urls: list[str], concurrency: int) -> tuple[int, int]:
    sem = asyncio.Semaphore(concurrency)
    ok = 0
    size = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(url: str) -> None:
            nonlocal ok, size
            async with sem, session.get(url) as resp:
                body = await resp.read()
                if resp.status == 200:
                    ok += 1
                    size += len(body)

        async with asyncio.TaskGroup() as tg:
            for url in urls:
                tg.create_task(one(url))
    return ok, size


async def fetch_all(fetcher: HttpFetcher, urls: list[str], collect: bool) -> tuple[int, int]:
    """Every URL through ``fetcher``. By default exactly as the bare loop does it: one task per
    URL that counts its page and lets it go (as the crawl's fetch workers pass each page on).
    With ``collect``, as one ``fetch_many`` batch, whose 2,000 results are all held until the
    round ends (8 MB of bodies at 4 KiB, 128 MB at 64 KiB, that the bare loop never holds)."""
    if collect:
        results = await fetch_many(fetcher, [FetchRequest(url=u) for u in urls])
        pages = [r for r in results if isinstance(r, Page)]
        return len(pages), sum(len(p.body) for p in pages)
    ok = 0
    size = 0

    async def one(url: str) -> None:
        nonlocal ok, size
        result = await fetcher.fetch(FetchRequest(url=url))
        if isinstance(result, Page) and result.status == 200:
            ok += 1
            size += len(result.body)

    async with asyncio.TaskGroup() as tg:
        for url in urls:
            tg.create_task(one(url))
    return ok, size


async def fetcher_round(
    urls: list[str], concurrency: int, redis_url: str | None = None, collect: bool = False
) -> tuple[int, int]:
    options = FetchOptions(
        user_agent="ingest-bench/0.1 (+https://github.com/ingest-news/ingest)",
        concurrency=concurrency,
        per_host_concurrency=concurrency,
        allow_networks=("127.0.0.0/8",),
    )
    if redis_url is None:
        async with HttpFetcher(options) as fetcher:
            return await fetch_all(fetcher, urls, collect)
    from redis.asyncio import Redis

    from ingest.fetch import RedisHostLimiter, RedisRobotsCache

    redis = Redis.from_url(redis_url)
    prefix = f"bench:fetch:{os.getpid()}:{time.time_ns()}:"
    limiter = RedisHostLimiter(redis, concurrency=concurrency, prefix=prefix)
    robots = RedisRobotsCache(redis, prefix=prefix)
    try:
        async with HttpFetcher(options, limiter=limiter, robots_cache=robots) as fetcher:
            return await fetch_all(fetcher, urls, collect)
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


@dataclass
class Sample:
    rate: float
    cpu_ms: float


async def timed(name: str, urls: list[str], args: argparse.Namespace) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    if name == "bare":
        ok, size = await bare_round(urls, args.concurrency)
    else:
        ok, size = await fetcher_round(urls, args.concurrency, args.redis, args.collect)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if ok != len(urls):
        raise SystemExit(f"{name}: only {ok}/{len(urls)} pages fetched")
    sample = Sample(len(urls) / wall, cpu * 1000 / len(urls))
    print(
        f"  {name:8s} {sample.rate:8.0f} pages/s  {sample.cpu_ms:6.3f} CPU ms/page"
        f"  ({size / 1e6:.1f} MB)"
    )
    return sample


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


async def run(args: argparse.Namespace, base: str) -> None:
    started = datetime.now(UTC)
    load_before = load_average()
    urls = [f"{base}/a/{n}" for n in range(args.pages)]
    print("warm-up")
    await timed("bare", urls[:200], args)
    await timed("fetcher", urls[:200], args)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    samples: dict[str, list[Sample]] = {"bare": [], "fetcher": []}
    for i in range(args.rounds):
        print(f"round {i + 1}")
        order = ("bare", "fetcher") if i % 2 == 0 else ("fetcher", "bare")
        for name in order:
            samples[name].append(await timed(name, urls, args))
    bare = statistics.median(s.rate for s in samples["bare"])
    fetcher = statistics.median(s.rate for s in samples["fetcher"])
    bare_cpu = statistics.median(s.cpu_ms for s in samples["bare"])
    fetcher_cpu = statistics.median(s.cpu_ms for s in samples["fetcher"])
    # each round's two runs are back to back, so their ratio is the least disturbed by drift
    pairs = list(zip(samples["bare"], samples["fetcher"], strict=True))
    ratios = sorted(1 - f.rate / b.rate for b, f in pairs)
    paired = statistics.median(ratios)
    extra_cpu = statistics.median((f.cpu_ms - b.cpu_ms) * 1000 for b, f in pairs)
    print(
        f"\nmedian of {args.rounds} rounds, {args.pages} pages, concurrency {args.concurrency},"
        f" server {'in-process' if args.in_process else 'child process'},"
        f" {args.kb} KiB pages, gzip {'on' if args.gzip else 'off'},"
        f" politeness state {'in Redis' if args.redis else 'in process'},"
        f" heap {'frozen' if args.gc_freeze else 'not frozen'} after warm-up,"
        f" fetcher {'in fetch_many, results held' if args.collect else 'driven as the bare loop'}"
    )
    print(f"bare aiohttp : {bare:8.0f} pages/s  {bare_cpu:.3f} CPU ms/page")
    print(f"HttpFetcher  : {fetcher:8.0f} pages/s  {fetcher_cpu:.3f} CPU ms/page")
    print(
        f"throughput overhead: {(1 - fetcher / bare) * 100:+.1f}% of medians,"
        f" {paired * 100:+.1f}% median of paired rounds  (budget 25%)"
    )
    if len(ratios) >= 4:
        quartiles = statistics.quantiles(ratios, n=4)
        print(
            f"paired rounds: quartiles {quartiles[0] * 100:+.1f}% .. {quartiles[2] * 100:+.1f}%,"
            f" range {ratios[0] * 100:+.1f}% .. {ratios[-1] * 100:+.1f}%"
        )
    print(
        f"client CPU overhead: {(fetcher_cpu / bare_cpu - 1) * 100:+.1f}% per page,"
        f" {extra_cpu:.1f} us/page more (median of paired rounds)"
    )
    print(
        f"run: {started:%Y-%m-%d %H:%M:%S} to {datetime.now(UTC):%H:%M:%S} UTC,"
        f" load average {load_before} before, {load_average()} after"
    )
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")


async def main_async(args: argparse.Namespace) -> None:
    if args.in_process:
        runner = web.AppRunner(make_app(args.gzip, args.kb), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await run(args, f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()
        return
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=serve_forever, args=(sock, args.gzip, args.kb), daemon=True)
    proc.start()
    sock.close()
    try:
        await run(args, f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kb", type=int, default=4, help="approximate page size in KiB")
    parser.add_argument("--gzip", action="store_true", help="serve gzip-encoded pages")
    parser.add_argument("--in-process", action="store_true", help="server on the same loop")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="fetch with fetch_many, holding every result until the round ends",
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="do not freeze the import-time heap after the warm-up",
    )
    parser.add_argument(
        "--redis", metavar="URL", help="use RedisHostLimiter/RedisRobotsCache (e.g. db 13)"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
