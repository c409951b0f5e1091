"""The beat schedule: one entry per source of the sources file that has an interval or cron.

Each entry sends ``ingest.scheduled_crawl(source_name)``; that task refuses to start a crawl
of a source whose previous job is still active. Cron expressions are read in UTC (the app's
time zone); ``Source.timezone`` is about the site's dates, not the schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from celery.schedules import crontab

from ingest.errors import ConfigError
from ingest.pipeline.distributed import SCHEDULED_CRAWL, SWEEP_JOBS
from ingest.sources import Source

__all__ = ["beat_schedule", "cron_schedule", "sweep_entry"]

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def cron_schedule(expression: str) -> crontab:
    """A Celery crontab from a five-field cron expression (or an ``@daily``-style macro)."""
    fields = _MACROS.get(expression.strip(), expression).split()
    if len(fields) != 5:
        raise ConfigError(f"cron expression {expression!r} needs five fields")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def beat_schedule(sources: Mapping[str, Source]) -> dict[str, dict[str, Any]]:
    """``beat_schedule`` entries for the sources that carry an interval or a cron expression.

    A scheduled message expires after its period (or one hour for cron): a beat that was down
    does not pile up crawls. Raises :class:`ConfigError` for a cron expression Celery cannot
    read.
    """
    entries: dict[str, dict[str, Any]] = {}
    for source in sources.values():
        schedule: timedelta | crontab
        if source.interval:
            schedule = timedelta(seconds=source.interval)
            expires = float(source.interval)
        elif source.cron:
            schedule = cron_schedule(source.cron)
            expires = 3600.0
        else:
            continue
        entries[f"crawl:{source.name}"] = {
            "task": SCHEDULED_CRAWL,
            "schedule": schedule,
            "args": [source.name],
            "options": {"expires": expires},
        }
    return entries


def sweep_entry(interval: int) -> dict[str, dict[str, Any]]:
    """The beat entry that sweeps stalled jobs every ``interval`` seconds (see
    ``JobControl.sweep``); a message not taken within its interval expires."""
    return {
        "sweep-jobs": {
            "task": SWEEP_JOBS,
            "schedule": timedelta(seconds=interval),
            "options": {"expires": float(interval)},
        }
    }
