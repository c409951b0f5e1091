"""The Celery app and its tasks, built from settings (no broker is contacted)."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from ingest.pipeline.distributed import CRAWL_SOURCE, FETCH_BATCH, PROCESS_PAGES, SCHEDULED_CRAWL


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name in ("INGEST_TEST_REDIS_PREFIX", "INGEST_CONFIG", "CELERY_CONFIG_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INGEST_REDIS_URL", "redis://127.0.0.1:1/0")
    return importlib.import_module("workers.tasks")


def test_tasks_are_late_acked_requeued_when_lost_and_time_limited(tasks: ModuleType) -> None:
    app = tasks.app
    options = tasks.runtime.options
    for name in (CRAWL_SOURCE, SCHEDULED_CRAWL, FETCH_BATCH, PROCESS_PAGES):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
        assert task.ignore_result, name
        assert task.soft_time_limit < task.time_limit < options.visibility_timeout, name
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"


def test_backoff_has_full_jitter_under_its_cap(tasks: ModuleType) -> None:
    delays = [tasks.backoff(10, cap=5.0) for _ in range(200)]
    assert all(0.2 <= d <= 5.0 for d in delays)
    assert len({round(d, 3) for d in delays}) > 50  # jittered, not one fixed delay
    assert all(tasks.backoff(0, cap=60.0) <= 1.0 for _ in range(50))


def test_worker_knobs_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CELERY_CONFIG_MODULE", raising=False)
    from workers.app import build_app

    from ingest.errors import ConfigError
    from ingest.settings import load_settings

    base = {"redis_url": "redis://127.0.0.1:1/0"}
    settings = load_settings(
        env={"INGEST_WORKERS__FETCH_BATCH": "7", "INGEST_WORKERS__VISIBILITY_TIMEOUT": "600"},
        overrides=base,
    )
    celery, runtime = build_app(settings)
    assert runtime.options.fetch_batch == 7
    assert runtime.options.visibility_timeout == 600
    # A short visibility timeout scales the unset time limits down to fit under it.
    assert runtime.options.fetch_time_limit < 600
    assert celery.conf.broker_transport_options["visibility_timeout"] == 600
    # Limits set explicitly that do not fit are refused with the reason.
    tight = load_settings(
        env={
            "INGEST_WORKERS__VISIBILITY_TIMEOUT": "600",
            "INGEST_WORKERS__FETCH_TIME_LIMIT": "900",
        },
        overrides=base,
    )
    with pytest.raises(ConfigError, match="visibility_timeout"):
        build_app(tight)


def test_beat_sweeps_stalled_jobs_at_the_configured_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CELERY_CONFIG_MODULE", raising=False)
    from datetime import timedelta

    from workers.app import build_app

    from ingest.pipeline.distributed import ROUTES, SWEEP_JOBS, WorkerOptions
    from ingest.settings import load_settings

    settings = load_settings(
        env={"INGEST_WORKERS__SWEEP_INTERVAL": "15", "INGEST_WORKERS__STALL_AFTER": "90"},
        overrides={"redis_url": "redis://127.0.0.1:1/0"},
    )
    celery, runtime = build_app(settings)
    entry = celery.conf.beat_schedule["sweep-jobs"]
    assert entry["task"] == SWEEP_JOBS and ROUTES[SWEEP_JOBS] == "discover"
    assert entry["schedule"] == timedelta(seconds=15)
    assert entry["options"]["expires"] == 15.0  # a stopped beat does not pile sweeps up
    assert runtime.options.stalled_after == 90
    # Unset, on a broker that cannot be searched for a job's messages: when every message
    # the broker still holds has come back.
    default = WorkerOptions()
    assert default.stalled_after == 3600 + default.hard_limit(900)
    assert WorkerOptions.of(load_settings(env={}).workers) == default
    amqp = load_settings(env={}, overrides={"broker_url": "amqp://guest@127.0.0.1:1//"})
    assert build_app(amqp)[1].options.stalled_after == default.stalled_after
    # On Redis, whose queues and unacknowledged messages the sweep searches: five sweeps.
    redis_default = build_app(load_settings(env={}, overrides={"redis_url": "redis://h:1/0"}))
    assert redis_default[1].options.searchable_broker
    assert redis_default[1].options.stalled_after == 300
    fast = load_settings(env={"INGEST_WORKERS__SWEEP_INTERVAL": "120"})
    assert build_app(fast)[1].options.stalled_after == 600
