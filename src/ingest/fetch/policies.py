"""Retry policy: which outcomes are retried, how long to wait, and when to give up.

Pure apart from the random jitter source, which is injectable like the clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "RetryState",
    "parse_retry_after",
]

#: Statuses worth another attempt: 429 and every 5xx. Other 4xx (408 included) are final.
RETRYABLE_STATUSES = frozenset({429, *range(500, 600)})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP-date).

    Returns None when absent or unparseable; a date in the past gives 0.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total time.

    The n-th retry (n = 1, 2, ...) waits ``uniform(base * 2**(n-1) / 2, min(max, base * 2**(n-1)))``
    ("equal jitter", so a retry never fires immediately) or the server's ``Retry-After`` if that
    is longer. A wait that would end after ``max_time`` from the first attempt is not taken.
    """

    max_attempts: int = 4
    max_time: float = 120.0
    base: float = 0.5
    cap: float = 30.0

    def backoff(self, retry: int, rand: Callable[[float, float], float] = random.uniform) -> float:
        ceiling = min(self.cap, self.base * (2 ** max(0, retry - 1)))
        return rand(ceiling / 2, ceiling)

    def start(self, now: float) -> RetryState:
        return RetryState(self, now)


class RetryState:
    """The retry bookkeeping of one fetch."""

    __slots__ = ("_policy", "_started", "attempts")

    def __init__(self, policy: RetryPolicy, started: float) -> None:
        self._policy = policy
        self._started = started
        self.attempts = 0

    def next_delay(
        self,
        now: float,
        retry_after: float | None = None,
        rand: Callable[[float, float], float] = random.uniform,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if self.attempts >= self._policy.max_attempts:
            return None
        delay = self._policy.backoff(self.attempts, rand)
        if retry_after is not None:
            delay = max(delay, retry_after)
        if now + delay - self._started > self._policy.max_time:
            return None
        return delay
