"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector): ranking, snippets, filters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ingest.store import migrate
from ingest.store.base import ArticleQuery
from ingest.store.engine import make_engine
from ingest.store.migrations import v0001_initial
from ingest.store.search import parse_query, pg_config, render_snippet
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


def _save(store: SqlStore, n: int, title: str, extra: str = "", **changes: object) -> int:
    article = make_article(
        f"https://example.com/news/{n}",
        [*story_text(n), extra] if extra else story_text(n),
        title=title,
        published=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(days=n),
    )
    result = store.save(replace(article, **changes), now=NOW)  # type: ignore[arg-type]
    assert result.article_id is not None
    return result.article_id


def test_parse_query_quotes_everything() -> None:
    assert parse_query('flood "river bank" NEAR(a b) title:x* -y OR') == (
        ("flood",),
        ("river", "bank"),
        ("near",),
        ("a",),
        ("b",),
        ("title",),
        ("x",),
        ("y",),
        ("or",),
    )
    assert parse_query('"" * : ( ) ^') == ()
    assert parse_query('unterminated "phrase here') == (("unterminated",), ("phrase", "here"))


def test_pg_config_and_snippet_rendering() -> None:
    assert pg_config("de") == "german"
    assert pg_config("pt-BR") == "portuguese"
    assert pg_config("xx") == "simple"
    assert pg_config(None) == "simple"
    assert render_snippet("a <b> \ue000flood\ue001") == "a &lt;b&gt; <mark>flood</mark>"


def test_title_match_ranks_above_body_match(store: SqlStore) -> None:
    in_body = _save(store, 1, "Council meets", extra="The avalanche closed the pass.")
    in_title = _save(store, 2, "Avalanche closes mountain pass")
    _save(store, 3, "Unrelated story")
    hits = store.search(ArticleQuery(text="avalanche"))
    assert [h.article.id for h in hits] == [in_title, in_body]
    assert hits[0].rank > hits[1].rank
    assert any("<mark>" in h.snippet for h in hits)
    assert (
        "<mark>avalanche</mark>" in next(h for h in hits if h.article.id == in_body).snippet.lower()
    )


def test_all_terms_must_match_and_phrases_are_ordered(store: SqlStore) -> None:
    a = _save(store, 1, "Storm", extra="Heavy rain and strong wind.")
    _save(store, 2, "Storm", extra="Heavy wind and strong rain.")
    assert {h.article.id for h in store.search(ArticleQuery(text="heavy rain"))} == {
        a,
        a + 1,
    }
    assert [h.article.id for h in store.search(ArticleQuery(text='"heavy rain"'))] == [a]
    assert store.search(ArticleQuery(text="heavy nonexistentword")) == []


def test_hostile_queries_are_plain_words(store: SqlStore) -> None:
    a = _save(store, 1, 'Quote "test" here', extra="An OR operator and a NEAR miss.")
    for raw in ['"', "'", "OR", "a*", "NEAR(", "title:", "); DROP TABLE articles; --", "\\"]:
        store.search(ArticleQuery(text=raw))  # must not raise
    assert [h.article.id for h in store.search(ArticleQuery(text="OR operator"))] == [a]
    assert store.search(ArticleQuery(text="* : ^")) == []
    assert store.counts()["articles"] == 1


def test_filters_apply_to_search(store: SqlStore) -> None:
    en = _save(store, 1, "Harbour strike", source="alpha")
    de = _save(store, 2, "Harbour strike", source="beta", language="de")
    assert [h.article.id for h in store.search(ArticleQuery(text="harbour", source="beta"))] == [de]
    assert [h.article.id for h in store.search(ArticleQuery(text="harbour", language="en"))] == [en]
    after = datetime(2024, 5, 3, tzinfo=UTC)
    hits = store.search(ArticleQuery(text="harbour", published_after=after))
    assert [h.article.id for h in hits] == [de]
    hits = store.search(ArticleQuery(text="harbour", published_before=after))
    assert [h.article.id for h in hits] == [en]


def test_updated_articles_are_reindexed(store: SqlStore) -> None:
    a = _save(store, 1, "Zeppelin hangar opens")
    assert [h.article.id for h in store.search(ArticleQuery(text="zeppelin"))] == [a]
    _save(store, 1, "Viaduct opens", extra="A correction was added.")
    assert store.search(ArticleQuery(text="zeppelin")) == []
    assert [h.article.id for h in store.search(ArticleQuery(text="viaduct"))] == [a]


def test_limit_and_offset_page_through_ranked_hits(store: SqlStore) -> None:
    ids = {_save(store, n, f"Festival report {n}") for n in range(1, 8)}
    first = store.search(ArticleQuery(text="festival", limit=3))
    second = store.search(ArticleQuery(text="festival", limit=3), offset=3)
    third = store.search(ArticleQuery(text="festival", limit=3), offset=6)
    seen = [h.article.id for h in [*first, *second, *third]]
    assert len(seen) == 7 and set(seen) == ids


def test_one_per_cluster_keeps_the_representative(store: SqlStore) -> None:
    a = _save(store, 1, "Glacier melts")
    copy = make_article(
        "https://other.example.org/glacier", [*story_text(1), "Syndicated."], title="Glacier melts"
    )
    dup = store.save(copy, now=NOW)
    assert dup.cluster_id == a
    assert len(store.search(ArticleQuery(text="glacier"))) == 2
    hits = store.search(ArticleQuery(text="glacier", one_per_cluster=True))
    assert [h.article.id for h in hits] == [a]
    assert hits[0].article.is_canonical


@pytest.mark.integration
def test_postgres_stems_by_article_language(postgres_url: str) -> None:
    store = SqlStore(make_engine(postgres_url))
    store.upgrade()
    try:
        en = _save(store, 1, "Rivers flooding", language="en")
        de = _save(store, 2, "Die Häuser am Fluss", language="de")
        assert [h.article.id for h in store.search(ArticleQuery(text="flooded river"))] == [en]
        assert [h.article.id for h in store.search(ArticleQuery(text="haus"))] == [de]
    finally:
        store.close()


def test_sqlite_folds_diacritics(sqlite_url: str) -> None:
    store = SqlStore(make_engine(sqlite_url))
    store.upgrade()
    try:
        a = _save(store, 1, "Café Müller reopens")
        assert [h.article.id for h in store.search(ArticleQuery(text="cafe muller"))] == [a]
    finally:
        store.close()


def test_stop_words_do_not_break_a_query(store: SqlStore) -> None:
    a = _save(store, 1, "The council of the city")
    hits = store.search(ArticleQuery(text="the council"))
    assert a in [h.article.id for h in hits]
    store.search(ArticleQuery(text="the of and"))  # only stop words: no error


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]
)
def test_upgrading_an_existing_database_indexes_stored_articles(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine = make_engine(request.getfixturevalue(f"{backend}_url"))
    with engine.begin() as conn:
        migrate.applied_versions(conn)  # creates the history table
        v0001_initial.upgrade(conn)
        conn.execute(migrate._history.insert().values(version=1, name="initial", applied_at=NOW))
    store = SqlStore(engine)
    try:
        a = _save(store, 1, "Observatory reopens")
        assert store.upgrade() == [m.version for m in migrate.available() if m.version > 1]
        assert [h.article.id for h in store.search(ArticleQuery(text="observatory"))] == [a]
    finally:
        store.close()
