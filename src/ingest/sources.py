"""The sources registry: which sites to crawl and how. Data only; no I/O but reading the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.errors import ConfigError

__all__ = ["Source", "load_sources"]


@dataclass(frozen=True, slots=True)
class Source:
    """One site (or feed group) to crawl."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    interval: float | None = None  # seconds between scheduled crawls
    cron: str | None = None
    timezone: str = "UTC"
    priority: int = 0  # ties between near-duplicates go to the higher priority
    max_depth: int = 1  # how deep section pages are followed
    allow: tuple[str, ...] = ()  # URL regexes an article link must match (if any)
    deny: tuple[str, ...] = ()  # URL regexes that exclude a link
    max_articles: int | None = None
    recrawl_after: float = 6 * 3600.0  # seconds before an article URL is fetched again

    @property
    def entry_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.sections + self.seeds


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    feeds: list[str] = []
    sitemaps: list[str] = []
    sections: list[str] = []
    seeds: list[str] = []
    interval: float | None = Field(default=None, gt=0)
    cron: str | None = None
    timezone: str = "UTC"
    priority: int = 0
    max_depth: int = Field(default=1, ge=0, le=5)
    allow: list[str] = []
    deny: list[str] = []
    max_articles: int | None = Field(default=None, ge=1)
    recrawl_after: float = Field(default=6 * 3600.0, ge=0)

    @model_validator(mode="after")
    def _has_entry(self) -> _SourceModel:
        if not (self.feeds or self.sitemaps or self.sections or self.seeds):
            raise ValueError("a source needs at least one of feeds, sitemaps, sections, seeds")
        if self.cron is not None:
            from croniter import croniter  # noqa: PLC0415 - only needed to validate cron strings

            if not croniter.is_valid(self.cron):
                raise ValueError(f"invalid cron expression {self.cron!r}")
        return self

    def to_source(self) -> Source:
        return Source(
            name=self.name,
            feeds=tuple(self.feeds),
            sitemaps=tuple(self.sitemaps),
            sections=tuple(self.sections),
            seeds=tuple(self.seeds),
            interval=self.interval,
            cron=self.cron,
            timezone=self.timezone,
            priority=self.priority,
            max_depth=self.max_depth,
            allow=tuple(self.allow),
            deny=tuple(self.deny),
            max_articles=self.max_articles,
            recrawl_after=self.recrawl_after,
        )


def parse_sources(data: Any, *, origin: str = "sources") -> dict[str, Source]:
    """Validate a decoded sources document (``{"sources": [...]}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ConfigError(f"{origin}: expected a mapping with a 'sources' list")
    out: dict[str, Source] = {}
    for i, item in enumerate(data["sources"]):
        try:
            source = _SourceModel.model_validate(item).to_source()
        except ValidationError as exc:
            raise ConfigError(f"{origin}: source #{i + 1} is invalid: {exc}") from exc
        if source.name in out:
            raise ConfigError(f"{origin}: source name {source.name!r} is used twice")
        out[source.name] = source
    return out


def load_sources(path: Path) -> dict[str, Source]:
    """Read and validate a sources YAML file. Raises :class:`ConfigError` with what to fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"sources file {path} not found; copy config/sources.example.yaml to start"
        ) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc}") from exc
    return parse_sources(data, origin=str(path))
