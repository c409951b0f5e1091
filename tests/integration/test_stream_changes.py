"""The change stream on real Redis: events after commits, consumer groups, redelivery of
unacknowledged events after a crash, no redelivery after ACK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from ingest.events import (
    ChangeEvent,
    ChangeKind,
    NullSink,
    RedisStreamSink,
    StreamConsumer,
    StreamUnavailable,
    backfill,
    events_for,
    publish_settled,
    relay,
    relay_owed,
)
from ingest.model import OutcomeKind, Result
from ingest.store.base import ArticleQuery
from ingest.store.engine import make_engine
from ingest.store.sql import SqlStore
from support.articles import make_article, story_text

pytestmark = pytest.mark.integration

NOW = datetime(2024, 5, 4, 12, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def stream(redis_url: str) -> str:
    return f"{os.environ['INGEST_TEST_REDIS_PREFIX']}changes:{uuid.uuid4().hex[:6]}"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    s = SqlStore(make_engine(request.getfixturevalue(f"{request.param}_url")))
    s.upgrade()
    yield s
    s.close()


def _consumer(redis_url: str, stream: str, name: str, **kw: int) -> StreamConsumer:
    c = StreamConsumer(redis_url, stream, group="indexer", consumer=name, **kw)
    c.ensure_group(start="0")
    return c


def _publish(store: SqlStore, sink: RedisStreamSink, n: int, start: int = 0) -> list[Result]:
    results = []
    for i in range(start, start + n):
        result = store.save(make_article(f"https://example.com/s/{i}", story_text(i)), now=NOW)
        publish_settled(sink, store, [result])
        results.append(result)
    return results


class SqlStoreStub:
    def cursors(self, article_ids: object) -> dict[int, int]:
        raise AssertionError("a null sink needs no cursors")


def test_events_for_results() -> None:
    stored = Result("u", OutcomeKind.STORED, article_id=5, cluster_id=5, version=1)
    joined = Result("u", OutcomeKind.STORED, article_id=6, cluster_id=5, version=1)
    updated = Result("u", OutcomeKind.UPDATED, article_id=5, cluster_id=5, version=2)
    assert [e.kind for e in events_for(stored, 9)] == [ChangeKind.STORED]
    assert [e.kind for e in events_for(joined, 10)] == [ChangeKind.STORED, ChangeKind.RECLUSTERED]
    assert events_for(updated, 11) == [ChangeEvent(5, 2, ChangeKind.UPDATED, 11, 5, "u")]
    for kind in (OutcomeKind.UNCHANGED, OutcomeKind.DUPLICATE, OutcomeKind.FAILED):
        assert events_for(Result("u", kind, article_id=5), 1) == []
    event = events_for(joined, 10)[1]
    assert ChangeEvent.from_fields(event.fields()) == event
    assert publish_settled(NullSink(), SqlStoreStub(), [stored]) == 0


def test_saved_updated_and_reclustered_articles_are_published(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    sink = RedisStreamSink(redis_url, stream)
    try:
        first = _publish(store, sink, 2)
        updated = store.save(
            make_article("https://example.com/s/0", [*story_text(0), "Correction."]), now=NOW
        )
        copy = store.save(
            make_article("https://other.example.org/x", [*story_text(1), "Syndicated."]), now=NOW
        )
        unchanged = store.save(make_article("https://example.com/s/1", story_text(1)), now=NOW)
        assert publish_settled(sink, store, [updated, copy, unchanged]) == 3
    finally:
        sink.close()
    consumer = _consumer(redis_url, stream, "a")
    try:
        events = [d.event for d in consumer.read(block_ms=None)]
    finally:
        consumer.close()
    assert [(e.article_id, e.kind) for e in events] == [
        (first[0].article_id, ChangeKind.STORED),
        (first[1].article_id, ChangeKind.STORED),
        (first[0].article_id, ChangeKind.UPDATED),
        (copy.article_id, ChangeKind.STORED),
        (copy.article_id, ChangeKind.RECLUSTERED),
    ]
    assert events[2].version == 2 and events[4].cluster_id == first[1].article_id
    cursors = [e.cursor for e in events]
    assert cursors == sorted(cursors) and len(set(cursors[:4])) == 4
    by_id = {a.id: a.seq for a in store.query(ArticleQuery(limit=100))}
    assert events[3].cursor == by_id[copy.article_id]


def test_articles_moved_by_a_cluster_merge_are_published(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    text = story_text(7, paragraphs=12)
    sink = RedisStreamSink(redis_url, stream)
    try:
        first = store.save(make_article("https://a.example/part-1", text[:6]), now=NOW)
        second = store.save(make_article("https://b.example/part-2", text[6:]), now=NOW)
        whole = store.save(make_article("https://c.example/whole", text), now=NOW)
        assert publish_settled(sink, store, [whole]) == 3
    finally:
        sink.close()
    consumer = _consumer(redis_url, stream, "a")
    try:
        events = [d.event for d in consumer.read(block_ms=None)]
    finally:
        consumer.close()
    merged = whole.cluster_id
    assert merged == first.article_id
    assert [(e.article_id, e.kind, e.cluster_id) for e in events] == [
        (whole.article_id, ChangeKind.STORED, merged),
        (whole.article_id, ChangeKind.RECLUSTERED, merged),
        (second.article_id, ChangeKind.RECLUSTERED, merged),
    ]
    moved = events[2]
    assert moved.url == "https://b.example/part-2" and moved.version == 1
    assert moved.cursor == store.cursors([second.article_id or 0])[second.article_id or 0]
    assert moved.cursor > events[0].cursor  # the move is a later change than the insert


def test_killed_consumer_gets_unacked_events_again_and_acked_never(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    sink = RedisStreamSink(redis_url, stream)
    _publish(store, sink, 3)
    _consumer(redis_url, stream, "worker-1").close()
    # A separate process reads the events, then is killed before acknowledging them.
    script = (
        "import os, signal, sys\n"
        "from ingest.events import StreamConsumer\n"
        "c = StreamConsumer(sys.argv[1], sys.argv[2], group='indexer', consumer='worker-1')\n"
        "got = c.read(block_ms=None)\n"
        "print(' '.join(str(d.event.article_id) for d in got), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, redis_url, stream],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -9
    seen_by_dead = [int(x) for x in proc.stdout.split()]
    assert len(seen_by_dead) == 3

    restarted = _consumer(redis_url, stream, "worker-1")
    try:
        again = restarted.read(block_ms=None)
        assert [d.event.article_id for d in again] == seen_by_dead
        restarted.ack([d.message_id for d in again[:2]])
    finally:
        restarted.close()

    restarted = _consumer(redis_url, stream, "worker-1")
    try:
        left = restarted.read(block_ms=None)
        assert [d.event.article_id for d in left] == seen_by_dead[2:]
        restarted.ack([d.message_id for d in left])
        assert restarted.read(block_ms=None) == []
        _publish(store, sink, 1, start=10)
        fresh = restarted.read(block_ms=None)
        assert fresh and fresh[0].event.kind is ChangeKind.STORED
        assert {d.event.article_id for d in fresh}.isdisjoint(seen_by_dead)
        restarted.ack([d.message_id for d in fresh])
    finally:
        restarted.close()
        sink.close()

    final = _consumer(redis_url, stream, "worker-1")
    try:
        assert final.read(block_ms=None) == []
        assert final.read(block_ms=None) == []
    finally:
        final.close()


def test_another_consumer_claims_what_a_dead_one_left_pending(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    sink = RedisStreamSink(redis_url, stream)
    _publish(store, sink, 4)
    sink.close()
    dead = _consumer(redis_url, stream, "dead")
    taken = dead.read(count=2, block_ms=None)
    dead.close()
    other = _consumer(redis_url, stream, "other", claim_idle_ms=0)
    try:
        claimed = other.read(block_ms=None)
        assert [d.message_id for d in claimed] == [d.message_id for d in taken]
        other.ack([d.message_id for d in claimed])
        rest = other.read(block_ms=None)
        assert len(rest) == 2
        other.ack([d.message_id for d in rest])
        assert other.read(block_ms=None) == []
    finally:
        other.close()
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.xpending(stream, "indexer")["pending"] == 0
    finally:
        client.close()


def test_two_consumers_share_the_stream_without_overlap(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    sink = RedisStreamSink(redis_url, stream)
    _publish(store, sink, 6)
    sink.close()
    a, b = _consumer(redis_url, stream, "a"), _consumer(redis_url, stream, "b")
    try:
        got_a = a.read(count=3, block_ms=None)
        got_b = b.read(count=10, block_ms=None)
        a.ack([d.message_id for d in got_a])
        b.ack([d.message_id for d in got_b])
        ids = [d.event.article_id for d in [*got_a, *got_b]]
        assert len(ids) == 6 and len(set(ids)) == 6
        assert a.read(block_ms=None) == [] and b.read(block_ms=None) == []
    finally:
        a.close()
        b.close()


def test_example_consumer_prints_articles(store: SqlStore, redis_url: str, stream: str) -> None:
    sink = RedisStreamSink(redis_url, stream)
    results = _publish(store, sink, 2)
    sink.close()
    url = store.engine.url.render_as_string(hide_password=False)
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "examples" / "consume_stream.py"),
            "--redis-url",
            redis_url,
            "--stream",
            stream,
            "--from-start",
            "--max-events",
            "2",
            "--db",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # INGEST_TEST_* variables are not settings (load_settings rejects unknown fields).
        env={k: v for k, v in os.environ.items() if not k.startswith("INGEST_TEST_")},
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["article_id"] for line in lines] == [r.article_id for r in results]
    assert all(line["article"]["id"] == line["article_id"] for line in lines)


def test_backfill_republishes_changes_after_a_cursor(
    store: SqlStore, redis_url: str, stream: str
) -> None:
    results = [
        store.save(make_article(f"https://example.com/b/{i}", story_text(i)), now=NOW)
        for i in range(3)
    ]
    store.save(make_article("https://example.com/b/0", [*story_text(0), "More."]), now=NOW)
    latest = store.cursors([results[0].article_id or 0])[results[0].article_id or 0]
    sink = RedisStreamSink(redis_url, stream)
    try:
        assert backfill(sink, store.iter_articles(ArticleQuery(since_seq=1)), batch=2) == 3
    finally:
        sink.close()
    consumer = _consumer(redis_url, stream, "a")
    try:
        events = [d.event for d in consumer.read(block_ms=None)]
    finally:
        consumer.close()
    assert [(e.article_id, e.kind) for e in events] == [
        (results[1].article_id, ChangeKind.STORED),
        (results[2].article_id, ChangeKind.STORED),
        (results[0].article_id, ChangeKind.UPDATED),
    ]
    assert events[-1].cursor == latest and events[-1].version == 2


@pytest.fixture(params=["sqlite", "postgres"])
def outbox_store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    s = SqlStore(make_engine(request.getfixturevalue(f"{request.param}_url")), outbox=True)
    s.upgrade()
    yield s
    s.close()


def _owed(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM change_outbox")).scalar_one())


def _events(redis_url: str, stream: str) -> list[ChangeEvent]:
    consumer = _consumer(redis_url, stream, "reader")
    try:
        return [d.event for d in consumer.read(block_ms=None)]
    finally:
        consumer.close()


def test_the_outbox_keeps_what_was_not_published_and_the_relay_publishes_it(
    outbox_store: SqlStore, redis_url: str, stream: str
) -> None:
    store = outbox_store
    sink = RedisStreamSink(redis_url, stream)
    try:
        published = _publish(store, sink, 1)  # committed, then published: nothing owed
        assert _owed(store) == 0
        # Committed, then the process died before publishing (or Redis was unreachable).
        lost = [
            store.save(make_article(f"https://example.com/s/{i}", story_text(i)), now=NOW)
            for i in (1, 2)
        ]
        copy = store.save(
            make_article("https://other.example.org/x", [*story_text(1), "Syndicated."]), now=NOW
        )
        updated = store.save(
            make_article("https://example.com/s/0", [*story_text(0), "Correction."]), now=NOW
        )
        assert _owed(store) == 4
        assert relay(sink, store, before=NOW - timedelta(seconds=1)) == 0  # not old enough
        assert relay(sink, store, before=NOW, batch=2) == 5  # in batches of two rows
        assert _owed(store) == 0
        assert relay(sink, store, before=NOW) == 0  # nothing owed twice
    finally:
        sink.close()
    events = _events(redis_url, stream)
    assert [(e.article_id, e.kind) for e in events] == [
        (published[0].article_id, ChangeKind.STORED),
        (lost[0].article_id, ChangeKind.STORED),
        (lost[1].article_id, ChangeKind.STORED),
        (copy.article_id, ChangeKind.STORED),
        (copy.article_id, ChangeKind.RECLUSTERED),
        (published[0].article_id, ChangeKind.UPDATED),
    ]
    cursors = store.cursors([r.article_id or 0 for r in (*lost, copy, updated)])
    assert [e.cursor for e in events[1:]] == [
        cursors[lost[0].article_id or 0],
        cursors[lost[1].article_id or 0],
        cursors[copy.article_id or 0],
        cursors[copy.article_id or 0],
        cursors[updated.article_id or 0],
    ]
    assert events[4].cluster_id == lost[0].article_id and events[5].version == 2


def test_an_unreachable_stream_leaves_the_events_owed(
    outbox_store: SqlStore, redis_url: str, stream: str
) -> None:
    store = outbox_store
    result = store.save(make_article("https://example.com/s/1", story_text(1)), now=NOW)
    dead = RedisStreamSink("redis://127.0.0.1:1/0", stream)
    try:
        with pytest.raises(StreamUnavailable):
            publish_settled(dead, store, [result])
        assert relay_owed(dead, store) == 0  # logged; still owed
    finally:
        dead.close()
    assert _owed(store) == 1
    sink = RedisStreamSink(redis_url, stream)
    try:
        assert relay_owed(sink, store) == 1
    finally:
        sink.close()
    assert [e.article_id for e in _events(redis_url, stream)] == [result.article_id]
    assert _owed(store) == 0


def test_without_the_stream_the_store_keeps_no_outbox(store: SqlStore) -> None:
    store.save(make_article("https://example.com/s/1", story_text(1)), now=NOW)
    assert _owed(store) == 0


def test_ingest_db_relay_events_publishes_what_is_owed(
    postgres_url: str, redis_url: str, stream: str, tmp_path: Path
) -> None:
    prefix = os.environ["INGEST_TEST_REDIS_PREFIX"]
    key = stream.removeprefix(prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    env |= {
        "INGEST_DATABASE_URL": postgres_url,
        "INGEST_REDIS_URL": redis_url,
        "INGEST_REDIS_PREFIX": prefix,
        "INGEST_EVENTS__STREAM": key,
    }
    store = SqlStore(make_engine(postgres_url), outbox=True)
    store.upgrade()
    try:
        owed = [
            store.save(make_article(f"https://example.com/s/{i}", story_text(i)), now=NOW)
            for i in range(3)
        ]
    finally:
        store.close()

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ingest.cli.main", *args],
            cwd=tmp_path,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    off = cli("db", "relay-events")
    assert off.returncode != 0 and "events.enabled" in off.stderr
    status = cli("db", "status", INGEST_EVENTS__ENABLED="true")
    assert json.loads(status.stdout)["events_owed"] == 3, status.stderr
    done = cli("db", "relay-events", INGEST_EVENTS__ENABLED="true")
    assert done.returncode == 0, done.stderr
    assert "published 3 owed change event(s)" in done.stdout
    assert [e.article_id for e in _events(redis_url, stream)] == [r.article_id for r in owed]
    again = cli("db", "relay-events", INGEST_EVENTS__ENABLED="true")
    assert "published 0 owed" in again.stdout


def test_a_relay_ends_even_when_its_store_keeps_the_rows(
    outbox_store: SqlStore, redis_url: str, stream: str
) -> None:
    for i in range(3):
        outbox_store.save(make_article(f"https://example.com/k/{i}", story_text(i)), now=NOW)
    keeping = SqlStore(outbox_store.engine)  # outbox off: it forgets no row
    sink = RedisStreamSink(redis_url, stream)
    try:
        assert relay(sink, keeping, before=NOW, batch=2) == 3  # each row once, then it stops
    finally:
        sink.close()
    assert _owed(outbox_store) == 3
