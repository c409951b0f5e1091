"""Shared fixtures: real services (Redis, PostgreSQL) isolated per test session.

Services are used where they run (127.0.0.1 defaults, or INGEST_TEST_REDIS_URL /
INGEST_TEST_POSTGRES_URL). When one is not reachable and its server binary is installed, a
throwaway instance is started for the session. Otherwise tests that need it fail loudly:
nothing is skipped silently.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from support.services import (
    ServiceUnavailable,
    create_database,
    drop_database,
    ensure_postgres,
    ensure_redis,
)

REPO = Path(__file__).resolve().parent.parent

# Property tests assert behaviour, never time: no per-example deadline (a loaded machine or a
# first call that warms a cache would otherwise fail them).
settings.register_profile("ingest", deadline=None)
settings.load_profile("ingest")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A reachable Redis server URL (without db number)."""
    try:
        with ensure_redis(os.environ.get("INGEST_TEST_REDIS_URL")) as url:
            yield url
    except ServiceUnavailable as exc:
        pytest.fail(f"Redis is needed for this test and none could be reached or started: {exc}")


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A Redis URL on db 15 with a unique key prefix in the fragment-free form; keys under the
    prefix are deleted afterwards."""
    import redis

    url = f"{redis_server}/15"
    prefix = f"ingest-test:{uuid.uuid4().hex[:12]}:"
    os.environ["INGEST_TEST_REDIS_PREFIX"] = prefix
    yield url
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A reachable PostgreSQL server URL pointing at an existing maintenance database."""
    try:
        with ensure_postgres(os.environ.get("INGEST_TEST_POSTGRES_URL")) as url:
            yield url
    except ServiceUnavailable as exc:
        pytest.fail(
            f"PostgreSQL is needed for this test and none could be reached or started: {exc}"
        )


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"ingest_test_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server, name)
    yield url
    drop_database(postgres_server, name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ingest.sqlite'}"
