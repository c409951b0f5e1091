"""The beat schedule built from the sources file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab
from workers.schedule import beat_schedule, cron_schedule

from ingest.errors import ConfigError
from ingest.pipeline.distributed import SCHEDULED_CRAWL
from ingest.sources import Source


def test_interval_and_cron_sources_get_entries_and_others_none() -> None:
    sources = {
        "a": Source(name="a", feeds=("https://a.example/rss",), interval=900),
        "b": Source(name="b", feeds=("https://b.example/rss",), cron="0 */6 * * *"),
        "c": Source(name="c", feeds=("https://c.example/rss",)),
    }
    entries = beat_schedule(sources)
    assert set(entries) == {"crawl:a", "crawl:b"}
    assert entries["crawl:a"]["task"] == SCHEDULED_CRAWL
    assert entries["crawl:a"]["args"] == ["a"]
    assert entries["crawl:a"]["schedule"] == timedelta(seconds=900)
    assert entries["crawl:a"]["options"]["expires"] == 900
    cron = entries["crawl:b"]["schedule"]
    assert isinstance(cron, crontab)
    assert cron.hour == {0, 6, 12, 18}
    assert cron.minute == {0}


def test_cron_macros_and_bad_expressions() -> None:
    assert cron_schedule("@daily").hour == {0}
    assert cron_schedule("@hourly").minute == {0}
    with pytest.raises(ConfigError):
        cron_schedule("0 0 * *")
