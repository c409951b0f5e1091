from __future__ import annotations

import asyncio

from ingest.fetch.limits import LocalHostLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)


async def test_min_delay_spaces_request_starts() -> None:
    t = FakeTime()
    limiter = LocalHostLimiter(concurrency=1, clock=t.clock, sleep=t.sleep)
    starts = []
    for _ in range(3):
        async with limiter.slot("a.test", min_delay=2.0):
            starts.append(t.now)
    assert starts == [100.0, 102.0, 104.0]


async def test_min_delay_spaces_starts_even_with_parallel_slots() -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:  # the clock stands still: waits are reservations
        waits.append(seconds)

    limiter = LocalHostLimiter(concurrency=4, clock=lambda: 100.0, sleep=record)

    async def one() -> None:
        async with limiter.slot("a.test", min_delay=1.5):
            pass

    async with asyncio.TaskGroup() as tg:
        for _ in range(3):
            tg.create_task(one())
    assert sorted(waits) == [1.5, 3.0]


async def test_hosts_are_independent() -> None:
    t = FakeTime()
    limiter = LocalHostLimiter(concurrency=1, clock=t.clock, sleep=t.sleep)
    async with limiter.slot("a.test", min_delay=5.0):
        pass
    async with limiter.slot("b.test", min_delay=5.0):
        pass
    assert t.sleeps == []


async def test_concurrency_limit_per_host() -> None:
    limiter = LocalHostLimiter(concurrency=2)
    active = 0
    peak = 0
    release = asyncio.Event()

    async def one(host: str) -> None:
        nonlocal active, peak
        async with limiter.slot(host, min_delay=0):
            active += 1
            peak = max(peak, active)
            await release.wait()
            active -= 1

    async with asyncio.TaskGroup() as tg:
        for _ in range(6):
            tg.create_task(one("a.test"))
        for _ in range(10):
            await asyncio.sleep(0)
        assert active == 2
        tg.create_task(one("b.test"))
        for _ in range(10):
            await asyncio.sleep(0)
        assert active == 3  # another host is not held up
        release.set()
    assert peak == 3


async def test_defer_pushes_the_next_start() -> None:
    t = FakeTime()
    limiter = LocalHostLimiter(concurrency=1, clock=t.clock, sleep=t.sleep)
    await limiter.defer("a.test", 30.0)
    async with limiter.slot("a.test", min_delay=0.0):
        assert t.now == 130.0
    assert t.sleeps == [30.0]


async def test_idle_hosts_are_pruned() -> None:
    t = FakeTime()
    limiter = LocalHostLimiter(concurrency=1, clock=t.clock, sleep=t.sleep, max_idle_hosts=3)
    for i in range(10):
        async with limiter.slot(f"h{i}.test", min_delay=0.0):
            pass
    assert len(limiter._hosts) <= 3
