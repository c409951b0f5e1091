"""The lazy read timeout: same rule as aiohttp's ``sock_read``, one timer instead of one per
chunk. Driven with a real event loop and short timeouts."""

from __future__ import annotations

import asyncio

import aiohttp

from ingest.fetch import FetchOptions, HttpFetcher
from ingest.fetch.transport import FetchConnector, LazyReadTimeoutHandler, lazy_read_timeout_active


def handler(timeout: float) -> tuple[LazyReadTimeoutHandler, list[float]]:
    loop = asyncio.get_running_loop()
    proto = LazyReadTimeoutHandler(loop=loop)
    proto._read_timeout = timeout
    fired: list[float] = []
    proto._on_read_timeout = lambda: fired.append(loop.time())  # type: ignore[method-assign]
    return proto, fired


def armed_timers() -> int:
    loop = asyncio.get_running_loop()
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    return sum(1 for h in scheduled if not h.cancelled())


async def test_fires_when_nothing_arrives_for_the_timeout() -> None:
    proto, fired = handler(0.05)
    start = asyncio.get_running_loop().time()
    proto.start_timeout()
    await asyncio.sleep(0.3)
    assert len(fired) == 1
    assert 0.048 <= fired[0] - start < 0.3


async def test_each_chunk_moves_the_deadline() -> None:
    proto, fired = handler(0.4)
    loop = asyncio.get_running_loop()
    proto.start_timeout()
    for _ in range(12):  # 0.6 s of activity, a chunk every 0.05 s: never 0.4 s idle
        await asyncio.sleep(0.05)
        proto._reschedule_timeout()  # what data_received does for a chunk
    assert fired == []
    last = loop.time()
    await asyncio.sleep(0.8)
    assert len(fired) == 1
    assert 0.398 <= fired[0] - last < 0.8


async def test_one_timer_however_many_chunks() -> None:
    proto, _ = handler(30.0)
    before = armed_timers()
    proto.start_timeout()
    for _ in range(50):
        proto._reschedule_timeout()
    assert armed_timers() == before + 1
    proto.connection_lost(None)
    assert armed_timers() == before


async def test_dropped_timeout_never_fires() -> None:
    proto, fired = handler(0.03)
    proto.start_timeout()
    proto._drop_timeout()  # the body was read completely
    await asyncio.sleep(0.1)
    assert fired == []
    assert proto._read_timeout_handle is None  # the lapsed timer let go


async def test_reuse_after_a_response_times_the_new_read() -> None:
    """A keep-alive connection: the first response's timer is still armed when the next
    request goes out; the next read is timed from its own start, not cut short."""
    proto, fired = handler(0.2)
    loop = asyncio.get_running_loop()
    proto.start_timeout()
    proto._drop_timeout()
    await asyncio.sleep(0.1)
    second = loop.time()
    proto.start_timeout()
    await asyncio.sleep(0.5)
    assert len(fired) == 1
    assert 0.198 <= fired[0] - second < 0.5


async def test_a_shorter_timeout_rearms_earlier() -> None:
    proto, fired = handler(10.0)
    loop = asyncio.get_running_loop()
    proto.start_timeout()
    proto._drop_timeout()
    proto._read_timeout = 0.03
    start = loop.time()
    proto.start_timeout()
    await asyncio.sleep(0.3)
    assert len(fired) == 1
    assert 0.028 <= fired[0] - start < 0.3
    proto.connection_lost(None)


async def test_no_timeout_configured_arms_nothing() -> None:
    proto, fired = handler(0.0)
    before = armed_timers()
    proto.start_timeout()
    assert armed_timers() == before
    assert fired == []


async def test_the_fetcher_uses_the_lazy_handler() -> None:
    """Fails when an aiohttp upgrade moved the internals the connector hooks into (the
    fetcher then still works, with aiohttp's own, dearer read timeout)."""
    async with HttpFetcher(FetchOptions()) as fetcher:
        session = fetcher._session
        assert session is not None
        assert isinstance(session.connector, FetchConnector)
        assert lazy_read_timeout_active(session.connector)


async def test_a_plain_connector_is_not_reported_lazy() -> None:
    connector = aiohttp.TCPConnector()
    try:
        assert not lazy_read_timeout_active(connector)
    finally:
        await connector.close()
