from __future__ import annotations

import pytest

from ingest.errors import ConfigError
from ingest.fetch import FetchKind, FetchOptions
from ingest.settings import load_settings


def test_defaults_are_safe() -> None:
    options = FetchOptions()
    assert options.obey_robots
    assert not options.allow_private and options.allow_networks == ()
    assert options.max_bytes == 10 * 1024 * 1024 == options.decoded_cap
    assert min(options.connect_timeout, options.read_timeout, options.total_timeout) > 0
    assert "+http" in options.user_agent
    assert options.robots_agent == "ingest"
    assert "application/pdf" not in options.content_types[FetchKind.ARTICLE]
    assert "application/rss+xml" in options.content_types[FetchKind.DISCOVERY]


def test_from_settings_carries_every_fetch_setting() -> None:
    settings = load_settings(
        env={
            "INGEST_FETCH__CONCURRENCY": "7",
            "INGEST_FETCH__PER_HOST_DELAY": "1.5",
            "INGEST_FETCH__ALLOW_NETWORKS": "127.0.0.0/8, 10.0.0.0/8",
            "INGEST_FETCH__USER_AGENT": "newsbot/2 (+https://example.org/bot)",
        }
    )
    options = FetchOptions.from_settings(settings.fetch, backoff_base=0.01)
    assert options.concurrency == 7
    assert options.per_host_delay == 1.5
    assert options.allow_networks == ("127.0.0.0/8", "10.0.0.0/8")
    assert options.robots_agent == "newsbot"
    assert options.backoff_base == 0.01


@pytest.mark.parametrize(
    "bad",
    [{"user_agent": " "}, {"concurrency": 0}, {"read_timeout": 0}, {"max_attempts": 0}],
)
def test_invalid_options_are_config_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        FetchOptions(**bad)  # type: ignore[arg-type]
