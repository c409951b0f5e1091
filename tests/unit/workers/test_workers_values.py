"""The values the distributed tasks pass, due filtering, options and Celery configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ingest.errors import ConfigError
from ingest.model import FetchFailure, OutcomeKind, Page, Result
from ingest.normalize.urls import url_key
from ingest.pipeline.distributed import (
    CRAWL_SOURCE,
    FETCH_BATCH,
    PROCESS_PAGES,
    SourceRef,
    WorkerOptions,
    celery_config,
)
from ingest.pipeline.jobs import (
    Progress,
    Target,
    decode_failure,
    decode_page,
    due_targets,
    encode_failure,
    encode_page,
    outcome_counters,
)
from ingest.settings import load_settings
from ingest.store.base import FrontierEntry

NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)


def _entry(url: str, *, due: datetime | None, outcome: str = "stored") -> FrontierEntry:
    return FrontierEntry(
        url_key=url_key(url),
        url=url,
        source="s",
        first_seen=NOW - timedelta(days=1),
        last_fetched=NOW - timedelta(hours=1),
        next_due=due,
        outcome=outcome,
        reason=None,
        etag='"v1"',
        last_modified="Mon, 30 Jun 2025 10:00:00 GMT",
        attempts=1,
        article_id=7,
    )


def test_page_payload_round_trips_through_json_with_a_compressed_body() -> None:
    body = ("<html><body>" + "<p>Harbour council budget.</p>" * 200 + "</body></html>").encode()
    page = Page(
        url="https://news.example/a",
        final_url="https://news.example/a?x=1",
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": '"1"', "Set-Cookie": "x"},
        body=body,
        fetched_at=NOW,
        encoding="utf-8",
        elapsed=0.25,
        redirects=("https://news.example/r",),
        source="s",
    )
    raw = json.loads(json.dumps(encode_page(page)))
    assert len(raw["body"]) < len(body) / 4  # compressed
    back = decode_page(raw)
    assert back.body == body and back.final_url == page.final_url
    assert back.headers == {"content-type": "text/html; charset=utf-8", "etag": '"1"'}
    assert back.etag == '"1"' and back.fetched_at == NOW and back.redirects == page.redirects


def test_failure_and_target_and_source_round_trip() -> None:
    failure = FetchFailure("https://x.example/", "http_404", "x" * 900, False, 404)
    back = decode_failure(json.loads(json.dumps(encode_failure(failure))))
    assert (back.url, back.reason, back.status) == (failure.url, "http_404", 404)
    assert len(back.detail) == 500
    target = Target("https://x.example/a", "k", '"e"', None, 3)
    assert Target.from_json(json.loads(json.dumps(target.to_json()))) == target
    ref = SourceRef("s", 5, "Europe/Madrid", 60.0)
    assert SourceRef.from_json(json.loads(json.dumps(ref.to_json()))) == ref


def test_due_targets_mirror_the_embedded_frontier_filter() -> None:
    new, fresh, due, failed = (f"https://n.example/{p}" for p in ("new", "fresh", "due", "failed"))
    entries = {
        url_key(fresh): _entry(fresh, due=NOW + timedelta(hours=1)),
        url_key(due): _entry(due, due=NOW - timedelta(minutes=1)),
        url_key(failed): _entry(failed, due=NOW - timedelta(minutes=1), outcome="failed"),
    }
    targets, skipped = due_targets([new, fresh, due, failed, new + "#frag"], entries, now=NOW)
    assert skipped == 1
    by_url = {t.url: t for t in targets}
    assert set(by_url) == {new, due, failed}  # the fragment is the same canonical URL
    assert by_url[due].etag == '"v1"' and by_url[due].article_id == 7
    assert by_url[failed].etag is None  # no validators after a failure
    forced, skipped = due_targets([fresh], entries, now=NOW, force=True)
    assert [t.url for t in forced] == [fresh] and skipped == 0


def test_counters_and_progress() -> None:
    failed = Result("u", OutcomeKind.FAILED, reason="http_404")
    assert outcome_counters(failed) == ["failed", "failed:http_404"]
    assert outcome_counters(Result("u", OutcomeKind.STORED)) == ["stored"]
    assert not Progress(3, 3, False).complete
    assert Progress(3, 3, True).complete and not Progress(2, 3, True).complete


def test_visibility_timeout_must_exceed_time_limits_and_retry_delays() -> None:
    with pytest.raises(ConfigError):
        WorkerOptions(visibility_timeout=600)
    short = WorkerOptions.for_visibility(30, fetch_batch=4)
    assert short.fetch_batch == 4
    longest = max(short.crawl_time_limit, short.fetch_time_limit, short.process_time_limit)
    assert short.hard_limit(longest) + short.retry_backoff_max < 30


def test_celery_configuration_is_safe_to_redeliver() -> None:
    settings = load_settings(env={}, overrides={"redis_url": "redis://r:6379/3"})
    config = celery_config(settings, WorkerOptions())
    assert config["broker_url"] == "redis://r:6379/3"
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1
    assert config["task_serializer"] == "json" and config["accept_content"] == ["json"]
    assert config["broker_transport_options"]["visibility_timeout"] == 3600
    assert config["broker_transport_options"]["global_keyprefix"] == settings.redis_prefix
    routes = {name: r["queue"] for name, r in config["task_routes"].items()}
    assert routes[CRAWL_SOURCE] == "discover"
    assert routes[FETCH_BATCH] == "fetch"
    assert routes[PROCESS_PAGES] == "process"


def test_job_lines_show_resends_and_failure_reasons() -> None:
    from ingest.cli.jobs import _line
    from ingest.store.jobs import Job, JobState

    job = Job("j1", "demo", JobState.RUNNING, NOW, counts={"stored": 3, "failed:http_404": 1})
    assert _line(job).endswith("failed=0  failed:http_404=1")
    resent = Job("j2", "demo", JobState.RUNNING, NOW, counts={"stored": 3, "resent": 2})
    assert "resent=2" in _line(resent)
