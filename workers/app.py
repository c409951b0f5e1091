"""The Celery app, configured from :class:`~ingest.settings.Settings` (``INGEST_*``).

Run the pieces with the ordinary commands (see docs/distributed.md)::

    celery -A workers.app worker -Q fetch,discover -n fetch@%h --concurrency 2
    celery -A workers.app worker -Q process -n process@%h --concurrency 2
    celery -A workers.app beat --schedule /data/beat/schedule      # exactly one

The worker knobs are the ``workers`` section of the settings (``INGEST_WORKERS__FETCH_BATCH=10``;
see :class:`~ingest.settings.WorkersSettings`). Celery settings that are not part of
``Settings`` can be overridden by a Python module named in ``CELERY_CONFIG_MODULE``: its public
lower-case names (Celery setting names) are merged over the generated configuration, and names
starting with ``ingest_`` override fields of the ``workers`` section (``ingest_fetch_batch =
10``).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from celery import Celery, signals

from ingest.errors import ConfigError
from ingest.logs import configure_logging, get_logger
from ingest.pipeline.distributed import (
    WorkerOptions,
    broker_backlog,
    celery_config,
    searchable_broker,
    send_task,
)
from ingest.settings import Settings, load_settings
from ingest.sources import load_sources
from workers.runtime import WorkerRuntime
from workers.schedule import beat_schedule, sweep_entry

__all__ = ["app", "build_app", "runtime"]

log = get_logger(__name__)


def _overrides() -> dict[str, Any]:
    name = os.environ.get("CELERY_CONFIG_MODULE")
    if not name:
        return {}
    module = importlib.import_module(name)
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k.islower()}


def _schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    if not settings.sources_file.exists():
        return {}
    try:
        return beat_schedule(load_sources(settings.sources_file))
    except ConfigError as exc:
        log.error("beat.sources_invalid", error=str(exc))
        return {}


def build_app(settings: Settings) -> tuple[Celery, WorkerRuntime]:
    """The Celery app and the (still closed) runtime of this process."""
    section = settings.workers
    config = celery_config(settings, WorkerOptions.for_visibility(section.visibility_timeout))
    overrides = _overrides()
    explicit = {k: getattr(section, k) for k in section.model_fields_set}
    explicit |= {k[len("ingest_") :]: v for k, v in overrides.items() if k.startswith("ingest_")}
    config.update({k: v for k, v in overrides.items() if not k.startswith("ingest_")})
    transport = config["broker_transport_options"]
    visibility = int(transport.get("visibility_timeout", section.visibility_timeout))
    explicit.pop("visibility_timeout", None)
    options = WorkerOptions.for_visibility(
        visibility, searchable_broker=searchable_broker(config["broker_url"]), **explicit
    )
    config["broker_transport_options"] = {
        **celery_config(settings, options)["broker_transport_options"],
        **config["broker_transport_options"],
    }
    config["beat_schedule"] = _schedule(settings) | sweep_entry(options.sweep_interval)
    celery = Celery("ingest", set_as_current=False)
    celery.conf.update(config)

    def send(name: str, args: list[Any], *, countdown: float | None = None) -> None:
        send_task(celery, name, args, countdown=countdown)

    def backlog(job_id: str) -> int:
        return broker_backlog(celery, job_id=job_id, at_most=1)  # the sweep asks: any?

    return celery, WorkerRuntime(settings, options, send, backlog=backlog)


configure_logging(level="INFO")
app, runtime = build_app(load_settings())


@signals.worker_process_init.connect  # type: ignore[untyped-decorator]  # celery is untyped
def _process_init(**_: Any) -> None:
    runtime.forget()


@signals.worker_process_shutdown.connect  # type: ignore[untyped-decorator]  # celery is untyped
def _process_shutdown(**_: Any) -> None:
    runtime.close()


@signals.worker_shutdown.connect  # type: ignore[untyped-decorator]  # celery is untyped
def _worker_shutdown(**_: Any) -> None:
    runtime.close()


import workers.tasks  # noqa: E402, F401  - registers the tasks on ``app``
