"""The SQL store's behaviour on SQLite and PostgreSQL: dedup, versions, frontier, migrations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from ingest.model import OutcomeKind
from ingest.store import schema
from ingest.store.base import ArticleQuery, FrontierUpdate
from ingest.store.engine import make_engine
from ingest.store.sql import SqlStore
from support.articles import make_article, story_text

NOW = datetime(2024, 5, 4, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    url = request.getfixturevalue(f"{request.param}_url")
    s = SqlStore(make_engine(url))
    s.upgrade()
    yield s
    s.close()


def test_migrations_build_the_declared_schema(store: SqlStore) -> None:
    inspector = inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name


def test_upgrade_is_idempotent(store: SqlStore) -> None:
    assert store.upgrade() == []


def test_new_article_is_stored_once_and_refetch_is_unchanged(store: SqlStore) -> None:
    article = make_article("https://example.com/a/1", story_text(1))
    first = store.save(article, now=NOW)
    again = store.save(article, now=NOW)
    assert first.kind is OutcomeKind.STORED
    assert again.kind is OutcomeKind.UNCHANGED
    assert again.article_id == first.article_id
    assert store.counts()["articles"] == 1


def test_changed_body_under_same_url_is_a_new_version(store: SqlStore) -> None:
    v1 = make_article("https://example.com/a/1", story_text(1))
    v2 = make_article("https://example.com/a/1", [*story_text(1), "Update: a correction."])
    first = store.save(v1, now=NOW)
    second = store.save(v2, now=NOW + timedelta(hours=1))
    assert second.kind is OutcomeKind.UPDATED
    assert second.version == 2
    assert first.article_id is not None
    stored = store.get_article(first.article_id)
    assert stored is not None and stored.body.endswith("Update: a correction.")
    assert [v.version for v in store.versions(first.article_id)] == [1, 2]
    assert store.counts()["articles"] == 1


def test_same_body_under_another_url_is_an_exact_duplicate(store: SqlStore) -> None:
    first = store.save(make_article("https://example.com/a/1", story_text(1)), now=NOW)
    copy = store.save(make_article("https://mirror.example.org/x", story_text(1)), now=NOW)
    assert copy.kind is OutcomeKind.DUPLICATE
    assert copy.duplicate_of == first.article_id
    assert store.counts()["articles"] == 1


def test_near_duplicate_joins_the_cluster_and_earliest_is_canonical(store: SqlStore) -> None:
    text = story_text(3, paragraphs=8)
    late = make_article(
        "https://a.example/story", text, published=datetime(2024, 5, 3, 12, tzinfo=UTC)
    )
    edited = [*text[:-1], "Editor's note: this story was updated with new figures."]
    early = make_article(
        "https://b.example/copy", edited, published=datetime(2024, 5, 3, 9, tzinfo=UTC)
    )
    other = make_article("https://a.example/other", story_text(4, paragraphs=8))
    r1 = store.save(late, now=NOW)
    r2 = store.save(early, now=NOW)
    r3 = store.save(other, now=NOW)
    assert r2.kind is OutcomeKind.STORED
    assert r2.cluster_id == r1.cluster_id
    assert r3.cluster_id not in (r1.cluster_id, None)
    canon = store.query(ArticleQuery(one_per_cluster=True))
    assert {a.id for a in canon} == {r2.article_id, r3.article_id}


def test_query_filters_and_search(store: SqlStore) -> None:
    store.save(
        make_article("https://example.com/a/1", story_text(1), title="Harbour deal"), now=NOW
    )
    store.save(make_article("https://example.com/a/2", story_text(2), title="Rail strike"), now=NOW)
    found = store.query(ArticleQuery(text="harbour deal"))
    assert [a.title for a in found] == ["Harbour deal"]
    assert store.query(ArticleQuery(text="100% _weird_ input")) == []
    assert len(store.query(ArticleQuery(source="test"))) == 2
    assert store.query(ArticleQuery(source="other")) == []


def test_iter_articles_resumes_from_a_cursor(store: SqlStore) -> None:
    for i in range(5):
        store.save(make_article(f"https://example.com/a/{i}", story_text(10 + i)), now=NOW)
    everything = list(store.iter_articles(ArticleQuery(), batch=2))
    assert len(everything) == 5
    cursor = everything[2].seq
    rest = list(store.iter_articles(ArticleQuery(since_seq=cursor)))
    assert [a.id for a in rest] == [a.id for a in everything[3:]]


def test_frontier_keeps_validators_and_counts_attempts(store: SqlStore) -> None:
    first = FrontierUpdate(
        "k1",
        "https://example.com/a",
        "s",
        "stored",
        "",
        NOW,
        NOW + timedelta(hours=6),
        etag='"v1"',
        last_modified="Mon",
    )
    store.record([first])
    retry = FrontierUpdate(
        "k1",
        "https://example.com/a",
        "s",
        "unchanged",
        "not_modified",
        NOW + timedelta(hours=7),
        NOW + timedelta(hours=13),
    )
    store.record([retry])
    entry = store.frontier(["k1", "missing"])["k1"]
    assert entry.etag == '"v1"'
    assert entry.attempts == 2
    assert entry.outcome == "unchanged"
    assert entry.next_due == NOW + timedelta(hours=13)
    assert "missing" not in store.frontier(["missing"])


def test_copies_saved_at_the_same_moment_end_in_one_cluster(store: SqlStore) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    copies_per_story, stories = 4, 5
    barrier = threading.Barrier(copies_per_story)

    def save_copy(story: int, copy: int) -> int | None:
        text = story_text(100 + story, paragraphs=8)
        edited = [*text[: 8 - copy % 2], f"Copy {copy} of this story, distributed by an agency."]
        article = make_article(f"https://site{copy}.example/story-{story}", edited)
        barrier.wait(timeout=30)
        return store.save(article, now=NOW).cluster_id

    with ThreadPoolExecutor(max_workers=copies_per_story) as pool:
        for story in range(stories):
            clusters = set(pool.map(lambda c, s=story: save_copy(s, c), range(copies_per_story)))
            assert len(clusters) == 1, f"story {story} split into clusters {clusters}"
    assert store.counts()["clusters"] == stories


def test_an_article_linking_two_clusters_merges_them(store: SqlStore) -> None:
    text = story_text(7, paragraphs=12)
    first = store.save(make_article("https://a.example/part-1", text[:6]), now=NOW)
    second = store.save(make_article("https://b.example/part-2", text[6:]), now=NOW)
    assert first.cluster_id != second.cluster_id
    before = store.cursors([first.article_id or 0, second.article_id or 0])
    whole = store.save(make_article("https://c.example/whole", text), now=NOW)
    assert whole.cluster_id == min(first.cluster_id or 0, second.cluster_id or 0)
    # The article of the dropped cluster moved; it has a new change cursor, the other not.
    assert [m.article_id for m in whole.moved] == [second.article_id]
    assert whole.moved[0].url == "https://b.example/part-2" and whole.moved[0].version == 1
    after = store.cursors([first.article_id or 0, second.article_id or 0])
    assert after[first.article_id or 0] == before[first.article_id or 0]
    assert after[second.article_id or 0] > before[second.article_id or 0]
    since = [a.id for a in store.query(ArticleQuery(since_seq=before[second.article_id or 0]))]
    assert second.article_id in since and first.article_id not in since
    ids = [first.article_id, second.article_id, whole.article_id]
    stored = [store.get_article(i or 0) for i in ids]
    assert {a.cluster_id for a in stored if a} == {whole.cluster_id}
    assert store.counts()["clusters"] == 1
    assert len(store.query(ArticleQuery(one_per_cluster=True))) == 1


@pytest.mark.integration
def test_change_cursors_have_no_gaps_for_a_reader_during_concurrent_writes(
    postgres_url: str,
) -> None:
    """A reader following the change cursor (as incremental exports and the stream do) while
    four writers store concurrently ends up having seen every article: a cursor is never
    issued to a change that commits after a reader could have moved past it. (PostgreSQL:
    SQLite runs one write transaction at a time, so its cursors are in commit order anyway.)"""
    store = SqlStore(make_engine(postgres_url))
    store.upgrade()
    import threading
    from concurrent.futures import ThreadPoolExecutor

    writers, per_writer = 4, 40
    done = threading.Event()
    seen: set[int] = set()

    def write(w: int) -> None:
        for i in range(per_writer):
            n = w * 1000 + i
            store.save(make_article(f"https://w{w}.example/{i}", story_text(n)), now=NOW)

    def follow() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # read before the query: one more pass after the writers
            for a in store.query(ArticleQuery(limit=1000, since_seq=cursor, newest_first=False)):
                seen.add(a.id)
                cursor = max(cursor, a.seq)
            if finished:
                return

    try:
        with ThreadPoolExecutor(max_workers=writers + 1) as pool:
            reader = pool.submit(follow)
            try:
                list(pool.map(write, range(writers)))
            finally:
                done.set()  # the reader stops also when a writer failed
            reader.result()
        every = {a.id for a in store.query(ArticleQuery(limit=1000))}
    finally:
        store.engine.dispose()
    assert len(every) == writers * per_writer
    assert seen == every, f"the reader missed {len(every - seen)} articles"


@pytest.mark.integration
def test_postgres_plans_each_statement_for_its_parameters(postgres_url: str) -> None:
    """Both modes' engines: a generic plan made while the tables were small is never reused."""
    from sqlalchemy import text

    from ingest.store.engine import refresh_statistics

    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"
        SqlStore(engine).upgrade()
        assert refresh_statistics(engine) is True
    finally:
        engine.dispose()


def test_a_fetch_saved_twice_once_per_fetch_is_stored_once(store: SqlStore) -> None:
    fetched = datetime(2024, 5, 4, 9, 30, 5, 123456, tzinfo=UTC)  # microseconds survive
    v1 = replace(make_article("https://example.com/a/1", story_text(1)), fetched_at=fetched)
    # The same fetch analysed again (a task delivered twice) with a different extraction.
    redo = replace(
        make_article("https://example.com/a/1", [*story_text(1), "Newly kept line."]),
        fetched_at=fetched,
    )
    first = store.save(v1, now=NOW, once_per_fetch=True)
    again = store.save(redo, now=NOW, once_per_fetch=True)
    assert (again.kind, again.reason, again.article_id) == (
        OutcomeKind.UNCHANGED,
        "same_fetch",
        first.article_id,
    )
    assert first.article_id is not None and len(store.versions(first.article_id)) == 1
    # A later fetch with that content is a new version; so is a re-processed archive (off).
    later = replace(redo, fetched_at=fetched + timedelta(hours=1))
    assert store.save(later, now=NOW, once_per_fetch=True).kind is OutcomeKind.UPDATED
    reprocessed = replace(v1, fetched_at=fetched + timedelta(hours=1))
    assert store.save(reprocessed, now=NOW).kind is OutcomeKind.UPDATED


@pytest.mark.integration
def test_a_save_that_postgres_aborts_to_break_a_deadlock_runs_again(postgres_url: str) -> None:
    """A merge locks both clusters; another transaction holding one of them and then asking
    for the other closes a lock cycle. PostgreSQL aborts the save (the other session waits
    longer before it checks for deadlocks); the save runs again and merges once."""
    import threading
    import time

    from sqlalchemy import text

    store = SqlStore(make_engine(postgres_url))
    store.upgrade()
    story = story_text(7, paragraphs=12)
    first = store.save(make_article("https://a.example/part-1", story[:6]), now=NOW)
    second = store.save(make_article("https://b.example/part-2", story[6:]), now=NOW)
    keys = sorted(f"c:{r.cluster_id}" for r in (first, second))  # the order the save locks in
    lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")
    other = store.engine.connect()
    results: list[object] = []
    try:
        other.execute(text("SET deadlock_timeout = '20s'"))
        other.execute(lock, {"k": keys[1]})
        saver = threading.Thread(
            target=lambda: results.append(
                store.save(make_article("https://c.example/whole", story), now=NOW)
            )
        )
        saver.start()
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(500):  # the save holds keys[0] and waits for keys[1]
            if other.execute(waiting).scalar_one():
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the save never waited for the cluster lock")
        started = time.monotonic()
        other.execute(lock, {"k": keys[0]})  # closes the cycle: granted once the save is aborted
        assert time.monotonic() - started < 15, "the other session was not the one to wait"
        other.rollback()
        saver.join(timeout=30)
        assert not saver.is_alive()
    finally:
        other.close()
    assert len(results) == 1, "the save raised"
    whole = results[0]
    assert getattr(whole, "kind", None) is OutcomeKind.STORED
    assert getattr(whole, "cluster_id", None) == min(first.cluster_id or 0, second.cluster_id or 0)
    assert store.counts()["clusters"] == 1 and store.counts()["articles"] == 3
    store.close()
