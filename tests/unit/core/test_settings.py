"""Settings and sources files: defaults, precedence, and errors that say what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import DEFAULT_DATABASE_URL, load_settings
from ingest.sources import load_sources, parse_sources


def test_defaults_need_no_file_and_no_environment() -> None:
    settings = load_settings(env={})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.fetch.obey_robots is True
    assert settings.fetch.allow_networks == ()
    assert settings.broker == settings.redis_url


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("database_url: sqlite:///from-file.db\nfetch:\n  concurrency: 7\n")
    env = {"INGEST_FETCH__CONCURRENCY": "9", "INGEST_FETCH__ALLOW_NETWORKS": "127.0.0.0/8, ::1/128"}
    settings = load_settings(path, env=env, overrides={"database_url": "sqlite:///cli.db"})
    assert settings.fetch.concurrency == 9
    assert settings.fetch.allow_networks == ("127.0.0.0/8", "::1/128")
    assert settings.database_url == "sqlite:///cli.db"


def test_test_suite_variables_are_not_settings() -> None:
    env = {"INGEST_TEST_REDIS_URL": "redis://x", "INGEST_TEST_REDIS_PREFIX": "p:"}
    assert load_settings(env=env) == load_settings(env={})


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("redis_url: redis://example:6380/1\n")
    assert load_settings(env={"INGEST_CONFIG": str(path)}).redis_url == "redis://example:6380/1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fetch:\n  concurrency: 0\n", "concurrency"),
        ("no_such_setting: 1\n", "no_such_setting"),
        ("- a list\n", "mapping"),
    ],
)
def test_invalid_settings_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, env={})


def test_sources_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - name: a\n    feeds: [https://a.example/rss]\n    interval: 600\n"
        "  - name: b\n    sections: [https://b.example/news/]\n    cron: '*/15 * * * *'\n"
        "    timezone: Europe/Berlin\n    priority: 3\n"
    )
    sources = load_sources(path)
    assert list(sources) == ["a", "b"]
    assert sources["a"].feeds == ("https://a.example/rss",)
    assert sources["a"].interval == 600
    assert sources["b"].cron == "*/15 * * * *"
    assert sources["b"].entry_urls == ("https://b.example/news/",)


def test_example_sources_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[3] / "config" / "sources.example.yaml"
    assert len(load_sources(example)) >= 1


def test_example_settings_file_states_the_defaults() -> None:
    example = Path(__file__).resolve().parents[3] / "config" / "settings.example.yaml"
    settings, defaults = load_settings(example, env={}), load_settings(env={})
    for section in ("workers", "dedup"):
        assert getattr(settings, section) == getattr(defaults, section), section


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sources": [{"name": "x"}]}, "at least one of"),
        ({"sources": [{"name": "x", "feeds": ["u"], "cron": "not cron"}]}, "cron"),
        ({"sources": [{"name": "x", "feeds": ["u"]}, {"name": "x", "seeds": ["u"]}]}, "twice"),
        ({"sources": [{"name": "bad name!", "feeds": ["u"]}]}, "source #1"),
        ({"nothing": []}, "'sources' list"),
    ],
)
def test_invalid_sources_are_refused(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sources(data)


def test_missing_sources_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources\.example\.yaml"):
        load_sources(tmp_path / "missing.yaml")
