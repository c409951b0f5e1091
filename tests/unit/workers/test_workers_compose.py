"""docker-compose.yml runs exactly the commands the integration tests run as processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from support.celery_workers import API, BEAT, FETCH_WORKER, MIGRATE, PROCESS_WORKER

REPO = Path(__file__).resolve().parents[3]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_service_commands_are_the_tested_commands() -> None:
    services = _compose()["services"]
    assert services["worker-fetch"]["command"] == FETCH_WORKER
    assert services["worker-process"]["command"] == PROCESS_WORKER
    assert services["beat"]["command"] == BEAT
    assert services["migrate"]["command"] == MIGRATE
    assert services["api"]["command"] == API
    assert services["flower"]["command"].startswith("celery -A workers.app flower")


def test_every_long_running_service_has_a_health_check_and_data_has_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    expected = {"redis", "postgres", "migrate", "api", "worker-fetch", "worker-process", "beat"}
    assert expected | {"flower"} <= set(services)
    for name in ("redis", "postgres", "api", "worker-fetch", "worker-process", "flower"):
        assert "healthcheck" in services[name], name
    assert {"redis-data", "postgres-data", "beat-data"} <= set(compose["volumes"])
    assert "--appendonly yes" in services["redis"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
    worker_deps = services["worker-process"]["depends_on"]
    assert worker_deps["migrate"]["condition"] == "service_completed_successfully"


def test_dockerfile_builds_the_packages_the_commands_need() -> None:
    text = (REPO / "docker" / "Dockerfile").read_text()
    assert "COPY workers ./workers" in text and "COPY src ./src" in text
    assert "flower" in text
