"""The one job store on SQLite and PostgreSQL: runners, one active crawl per source, recovery,
and the migration that moved the API's jobs into it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ingest.pipeline.jobs import crawl_source
from ingest.sources import Source
from ingest.store import migrate
from ingest.store.engine import make_engine
from ingest.store.jobs import Job, JobRunner, JobState, SqlJobStore

NOW = datetime(2024, 5, 4, 12, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
    yield engine
    engine.dispose()


def _job(job_id: str, **changes: Any) -> Job:
    return replace(Job(job_id, "demo", JobState.QUEUED, NOW), **changes)


def test_one_active_crawl_per_source_but_url_crawls_pass(engine: Engine) -> None:
    migrate.upgrade(engine)
    jobs = SqlJobStore(engine)
    first = jobs.create(_job("first"), stale_after=DAY)
    assert first is not None and first.runner is JobRunner.WORKERS
    assert jobs.create(_job("second", runner=JobRunner.API), stale_after=DAY) is None
    urls = _job("urls", urls=("https://a.example/1",), runner=JobRunner.API)
    assert jobs.create(urls, stale_after=DAY) == urls
    assert jobs.count_active() == 2
    assert jobs.count_active(runner=JobRunner.API) == 1

    later = _job("later", created_at=NOW + 2 * DAY)
    assert jobs.create(later, stale_after=DAY) == later
    stale = jobs.get("first")
    assert stale is not None and stale.state is JobState.FAILED and stale.error == "stale"
    kept = jobs.get("urls")
    assert kept is not None and kept.state is JobState.QUEUED and kept.runner is JobRunner.API


def test_interrupt_ends_only_the_jobs_of_one_runner(engine: Engine) -> None:
    migrate.upgrade(engine)
    jobs = SqlJobStore(engine)
    jobs.create(_job("api-running", runner=JobRunner.API))
    jobs.start("api-running", now=NOW)
    jobs.create(_job("api-done", source="other", runner=JobRunner.API))
    jobs.finish("api-done", state=JobState.FINISHED, counts={"stored": 2}, now=NOW)
    jobs.create(_job("workers", source="third"))
    assert jobs.interrupt(JobRunner.API, error="stopped", now=NOW + DAY) == 1
    states = {j.id: (j.state, j.error) for j in jobs.recent()}
    assert states == {
        "api-running": (JobState.FAILED, "stopped"),
        "api-done": (JobState.FINISHED, None),
        "workers": (JobState.QUEUED, None),
    }
    done = jobs.get("api-done")
    assert done is not None and done.counts == {"stored": 2}


def _upgrade_to(engine: Engine, version: int) -> None:
    with engine.begin() as conn:
        migrate.applied_versions(conn)
        for migration in migrate.available():
            if migration.version <= version:
                migration.module.upgrade(conn)
                conn.execute(
                    text(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (:v, :n, :t)"
                    ),
                    {"v": migration.version, "n": migration.name, "t": NOW},
                )


def test_migration_moves_the_api_jobs_into_the_one_job_model(engine: Engine) -> None:
    _upgrade_to(engine, 3)
    rows = [
        # (id, params, state): what the API's own job service wrote, then a worker job
        ("api-done", '{"urls": ["https://a.example/1"]}', "succeeded"),
        ("api-running", "{}", "running"),
        ("workers", '{"urls":[],"force":false,"scheduled":true}', "running"),
    ]
    with engine.begin() as conn:
        for job_id, params, state in rows:
            conn.execute(
                text(
                    "INSERT INTO jobs (id, source, params, state, created_at) "
                    "VALUES (:id, 'demo', :params, :state, :now)"
                ),
                {"id": job_id, "params": params, "state": state, "now": NOW},
            )
    assert migrate.upgrade(engine)[:1] == [4]  # and the later ones
    jobs = {j.id: j for j in SqlJobStore(engine).recent()}
    assert (jobs["api-done"].state, jobs["api-done"].runner) == (JobState.FINISHED, JobRunner.API)
    assert jobs["api-done"].urls == ("https://a.example/1",)
    assert jobs["api-running"].runner is JobRunner.API
    assert (jobs["workers"].runner, jobs["workers"].scheduled) == (JobRunner.WORKERS, True)
    assert SqlJobStore(engine).interrupt(JobRunner.API, error="stopped", now=NOW) == 1


def test_crawl_source_of_a_job() -> None:
    configured = Source(name="demo", feeds=("https://a.example/feed",), timezone="Europe/Oslo")
    sources = {"demo": configured}
    assert crawl_source(_job("s"), sources) == configured
    assert crawl_source(_job("s", source="nope"), sources) is None
    labelled = crawl_source(_job("u", urls=("https://a.example/1",)), sources)
    assert labelled is not None and labelled.seeds == ("https://a.example/1",)
    assert (labelled.name, labelled.timezone, labelled.feeds) == ("demo", "Europe/Oslo", ())
    bare = crawl_source(_job("b", source=None, urls=("https://a.example/2",)), sources)
    assert bare is not None and (bare.name, bare.timezone) == ("urls", "UTC")
