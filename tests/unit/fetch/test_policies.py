from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.fetch.policies import RetryPolicy, parse_retry_after

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Fri, 02 Jan 2026 03:04:35 GMT", 30.0),
        ("Fri, 02 Jan 2026 03:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=5.0)
    low = [policy.backoff(n, lambda a, b: a) for n in (1, 2, 3, 4, 5)]
    high = [policy.backoff(n, lambda a, b: b) for n in (1, 2, 3, 4, 5)]
    assert high == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert low == [0.5, 1.0, 2.0, 2.5, 2.5]


def test_retry_state_stops_at_max_attempts() -> None:
    state = RetryPolicy(max_attempts=3, max_time=1000, base=0.1).start(0.0)
    delays = []
    for _ in range(5):
        state.attempts += 1
        delay = state.next_delay(0.0, rand=lambda a, b: b)
        if delay is None:
            break
        delays.append(delay)
    assert delays == [0.1, 0.2]
    assert state.attempts == 3


def test_retry_state_stops_when_time_budget_would_be_exceeded() -> None:
    state = RetryPolicy(max_attempts=10, max_time=10.0, base=1.0).start(100.0)
    state.attempts = 1
    assert state.next_delay(105.0, rand=lambda a, b: b) == 1.0
    assert state.next_delay(109.5, rand=lambda a, b: b) is None


def test_retry_after_longer_than_backoff_wins_and_counts_against_budget() -> None:
    state = RetryPolicy(max_attempts=5, max_time=60.0, base=0.1).start(0.0)
    state.attempts = 1
    assert state.next_delay(0.0, retry_after=30.0, rand=lambda a, b: b) == 30.0
    assert state.next_delay(0.0, retry_after=3600.0, rand=lambda a, b: b) is None


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (429, True),
        (500, True),
        (503, True),
        (599, True),
        (404, False),
        (408, False),
        (410, False),
        (403, False),
        (300, False),
    ],
)
def test_only_429_and_5xx_are_retryable(status: int, retryable: bool) -> None:
    from ingest.fetch.outcomes import failure_for_status

    failure = failure_for_status("http://x.test/", status, NOW)
    assert (failure.reason, failure.retryable, failure.status) == (
        f"http_{status}",
        retryable,
        status,
    )
