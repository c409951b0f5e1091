"""Typed settings, loaded once at an entry point and passed explicitly.

Sources of values, later ones winning: built-in defaults, a YAML file (``--config`` or
``INGEST_CONFIG``), then environment variables ``INGEST_<FIELD>`` with ``__`` between nested
names, e.g. ``INGEST_DATABASE_URL`` or ``INGEST_FETCH__CONCURRENCY=32``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.dedup.decide import NEAR_DUP_THRESHOLD
from ingest.errors import ConfigError

__all__ = [
    "DedupSettings",
    "EventsSettings",
    "FetchSettings",
    "LearnSettings",
    "Settings",
    "WorkersSettings",
    "load_settings",
]

DEFAULT_DATABASE_URL = "sqlite:///data/ingest.sqlite"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Section):
    user_agent: str = "ingest/0.1 (+https://github.com/ingest-news/ingest)"
    concurrency: int = Field(default=32, ge=1, le=2048)
    per_host_concurrency: int = Field(default=4, ge=1, le=256)
    per_host_delay: float = Field(default=0.0, ge=0.0, le=600.0)
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=20)
    max_retry_time: float = Field(default=120.0, ge=0)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=10, ge=0, le=50)
    obey_robots: bool = True
    robots_ttl: float = Field(default=3600.0, ge=0)
    #: CIDR networks that may be fetched although private/loopback, e.g. ["127.0.0.0/8"].
    allow_networks: tuple[str, ...] = ()


class DedupSettings(_Section):
    near_duplicate_threshold: float = Field(default=NEAR_DUP_THRESHOLD, gt=0.0, le=1.0)


class LearnSettings(_Section):
    enabled: bool = True
    min_pages: int = Field(default=3, ge=2)
    min_share: float = Field(default=0.2, gt=0.0, le=1.0)
    max_blocks_per_host: int = Field(default=2000, ge=10)
    #: blocks not seen on the host's last ``window`` pages are forgotten (a redesign is relearnt)
    window: int = Field(default=300, ge=10)
    #: reload a host's profile after this many newly learnt pages
    refresh_pages: int = Field(default=10, ge=1)


class EventsSettings(_Section):
    #: Publish stored/updated/re-clustered articles on a Redis Stream (docs/downstream.md).
    enabled: bool = False
    stream: str = Field(default="changes", min_length=1, max_length=100)  # after redis_prefix
    maxlen: int = Field(default=1_000_000, ge=1000)
    # Beat's sweep publishes the events owed for changes older than this (seconds): those of a
    # worker that died between its commit and its publish, or found Redis unreachable.
    relay_after: int = Field(default=60, ge=0)


class WorkersSettings(_Section):
    """Distributed-mode knobs (``ingest.pipeline.distributed.WorkerOptions``). The broker hands
    an unacknowledged message to another worker after ``visibility_timeout`` seconds: it must
    exceed every task time limit plus the longest retry delay (checked at start). With a short
    visibility timeout and no explicit limits, the limits are scaled down to fit it."""

    visibility_timeout: int = Field(default=3600, ge=10)
    fetch_batch: int = Field(default=25, ge=1, le=1000)  # URLs per fetch task
    process_batch: int = Field(default=5, ge=1, le=1000)  # pages per process task
    url_lock_ttl: int = Field(default=1800, ge=10)
    retry_backoff_max: int = Field(default=60, ge=1)
    max_retries: int = Field(default=100, ge=0)
    crawl_time_limit: int = Field(default=900, ge=1)  # seconds, soft limit of a discover task
    fetch_time_limit: int = Field(default=600, ge=1)
    process_time_limit: int = Field(default=120, ge=1)
    job_stale_after: float = Field(default=12 * 3600.0, gt=0)  # a job silent this long failed
    finished_job_ttl: int = Field(default=7 * 86400, ge=60)  # live counters kept after the end
    # The sweep (a beat entry, or ``ingest job sweep``) re-sends the unsettled URLs of a job
    # that made no progress for ``stall_after`` seconds and of which the broker holds no
    # message (0: five sweeps, at least 5 minutes, on Redis, whose messages the sweep
    # searches; on other brokers the visibility timeout plus the longest task).
    sweep_interval: int = Field(default=60, ge=1)
    stall_after: int = Field(default=0, ge=0)
    max_resends: int = Field(default=5, ge=0)  # then the job fails with error "stalled"


class Settings(_Section):
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str | None = None  # defaults to redis_url
    redis_prefix: str = "ingest:"
    sources_file: Path = Path("config/sources.yaml")
    sites_dir: Path = Path("config/sites")
    default_timezone: str = "UTC"
    process_workers: int = Field(default=0, ge=0, le=256)  # 0: one per CPU
    api_token: str | None = None
    fetch: FetchSettings = FetchSettings()
    dedup: DedupSettings = DedupSettings()
    learn: LearnSettings = LearnSettings()
    events: EventsSettings = EventsSettings()
    workers: WorkersSettings = WorkersSettings()

    @property
    def broker(self) -> str:
        return self.broker_url or self.redis_url


def _env_overrides(env: Mapping[str, str], prefix: str = "INGEST_") -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in env.items():
        # INGEST_CONFIG names the file; INGEST_TEST_* configure the test suite, not ingest.
        if (
            not key.startswith(prefix)
            or key == f"{prefix}CONFIG"
            or key.startswith(f"{prefix}TEST_")
        ):
            continue
        path = key[len(prefix) :].lower().split("__")
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        leaf: Any = value
        if path[-1] == "allow_networks":
            leaf = [v.strip() for v in value.split(",") if v.strip()]
        node[path[-1]] = leaf
    return tree


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from a YAML file, the environment and explicit overrides.

    Raises :class:`ConfigError` with a readable message when a value is invalid.
    """
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    config_path = path or (Path(environ["INGEST_CONFIG"]) if "INGEST_CONFIG" in environ else None)
    if config_path is not None:
        try:
            loaded = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read settings file {config_path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"settings file {config_path} must hold a mapping")
        data = loaded
    data = _merge(data, _env_overrides(environ))
    if overrides:
        data = _merge(data, overrides)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
