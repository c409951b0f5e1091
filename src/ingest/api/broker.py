"""A read-only probe of the distributed mode's Redis broker for ``/health`` and ``/metrics``."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

__all__ = ["DEFAULT_QUEUES", "RedisBrokerProbe"]

#: Celery queue names whose length is reported (Celery keeps a queue as a Redis list).
DEFAULT_QUEUES = ("celery", "discover", "fetch", "process")


class RedisBrokerProbe:
    """Pings the broker and reads queue lengths. Errors surface as ``OSError``."""

    def __init__(self, url: str, *, queues: Sequence[str] = DEFAULT_QUEUES) -> None:
        self.queues = tuple(queues)
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
        )

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except RedisError as exc:
            raise OSError(f"broker unreachable: {exc}") from exc

    async def queue_depths(self) -> dict[str, int]:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for queue in self.queues:
                    pipe.llen(queue)
                lengths = await pipe.execute()
        except RedisError as exc:
            raise OSError(f"broker unreachable: {exc}") from exc
        return {q: int(n) for q, n in zip(self.queues, lengths, strict=True)}

    async def close(self) -> None:
        await self._client.aclose()
