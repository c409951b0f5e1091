"""``ingest export``: JSON lines, CSV, Parquet (read back by DuckDB and pandas) and the
OpenSearch bulk format, full and incremental, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ingest.cli.export_cmd import add_export_parser, run_export
from ingest.store.base import ArticleQuery, article_record
from ingest.store.engine import make_engine
from ingest.store.export import (
    CSV_COLUMNS,
    PARQUET_SCHEMA_VERSION,
    parquet_schema,
    write_bulk,
    write_csv,
    write_jsonl,
    write_parquet,
)
from ingest.store.sql import SqlStore
from support.articles import make_article, story_text

NOW = datetime(2024, 5, 4, 12, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    s = SqlStore(make_engine(db_url))
    s.upgrade()
    yield s
    s.close()


def _fill(store: SqlStore, start: int, n: int) -> list[int]:
    ids = []
    for i in range(start, start + n):
        article = make_article(
            f"https://example.com/n/{i}",
            story_text(i),
            title=f'Story {i}, "quoted"\nsecond line',
            published=datetime(2024, 5, 1 + i % 3, 8, tzinfo=UTC),
            source="alpha" if i % 2 else "beta",
        )
        if i % 5 == 4:
            article = replace(article, published=None)
        if i % 3 == 0:
            article = replace(article, language="de", tags=("Politik", "Bund"))
        result = store.save(article, now=NOW)
        assert result.article_id is not None
        ids.append(result.article_id)
    return ids


def _cli(argv: list[str], db_url: str) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path)
    parser.add_argument("--db", dest="database_url")
    sub = parser.add_subparsers(dest="command")
    add_export_parser(sub)
    return run_export(parser.parse_args(["--db", db_url, "export", *argv]))


def test_jsonl_is_the_article_record(store: SqlStore) -> None:
    _fill(store, 0, 4)
    out = io.StringIO()
    stats = write_jsonl(store.iter_articles(ArticleQuery()), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = [article_record(a) for a in store.iter_articles(ArticleQuery())]
    assert lines == expected
    assert stats.count == 4 and stats.cursor == max(r["cursor"] for r in lines)


def _sql(query: str) -> list[tuple[object, ...]]:
    with duckdb.connect() as con:
        return con.execute(query).fetchall()


def test_csv_round_trips_through_the_csv_module(store: SqlStore, tmp_path: Path) -> None:
    _fill(store, 0, 3)
    out = io.StringIO(newline="")
    write_csv(store.iter_articles(ArticleQuery()), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["title"] == 'Story 0, "quoted"\nsecond line'
    assert json.loads(rows[0]["tags"]) == ["Politik", "Bund"]
    assert rows[0]["is_cluster_canonical"] == "true"
    frame = pd.read_csv(io.StringIO(out.getvalue()))
    assert list(frame["id"]) == [int(r["id"]) for r in rows]
    path = tmp_path / "a.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert _sql(f"SELECT count(*), min(title) FROM read_csv('{path}')") == [(3, rows[0]["title"])]


def test_bulk_is_action_and_document_pairs(store: SqlStore) -> None:
    ids = _fill(store, 0, 3)
    out = io.StringIO()
    write_bulk(store.iter_articles(ArticleQuery()), out, index="news")
    text = out.getvalue()
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == 6
    for action, document in zip(lines[::2], lines[1::2], strict=True):
        meta = json.loads(action)["index"]
        doc = json.loads(document)
        assert meta == {"_index": "news", "_id": str(doc["id"])}
        assert "\n" not in document
    assert [int(json.loads(a)["index"]["_id"]) for a in lines[::2]] == ids


def test_parquet_is_partitioned_and_loads_in_duckdb_and_pandas(
    store: SqlStore, tmp_path: Path
) -> None:
    ids = _fill(store, 0, 10)
    out = tmp_path / "parquet"
    stats = write_parquet(store.iter_articles(ArticleQuery()), out, batch_size=4)
    assert stats.count == 10
    parts = {p.relative_to(out).parts[:2] for p in out.rglob("*.parquet")}
    assert ("published_date=2024-05-01", "source=beta") in parts
    assert ("published_date=unknown", "source=alpha") in parts
    one = next(out.rglob("*.parquet"))
    schema = pq.read_schema(one)
    assert schema.remove_metadata().equals(parquet_schema().remove_metadata())
    assert schema.metadata[b"ingest.schema_version"] == str(PARQUET_SCHEMA_VERSION).encode()

    rows = _sql(
        f"SELECT id, source, published_date, tags, blocks[1].kind AS k, published "
        f"FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true) ORDER BY id"
    )
    assert [r[0] for r in rows] == ids
    first = rows[0]
    assert first[1] == "beta" and first[3] == ["Politik", "Bund"] and first[4] == "p"
    assert first[5] == datetime(2024, 5, 1, 8, tzinfo=UTC)

    frame = pd.read_parquet(out).sort_values("id")
    assert list(frame["id"]) == ids
    assert set(frame["source"].astype(str)) == {"alpha", "beta"}
    assert str(frame["published"].dtype) == "datetime64[us, UTC]"


def test_incremental_exports_add_only_changes(
    store: SqlStore, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, 0, 3)
    cursor_file = tmp_path / "cursor"
    out = tmp_path / "pq"
    args = ["--format", "parquet", "-o", str(out), "--cursor-file", str(cursor_file)]
    assert _cli(args, db_url) == 0
    first = int(cursor_file.read_text())
    assert "exported 3 articles" in capsys.readouterr().err

    _fill(store, 3, 2)
    updated = make_article(
        "https://example.com/n/0", [*story_text(0), "An update."], title="Story 0 updated"
    )
    store.save(updated, now=NOW + timedelta(hours=1))
    assert _cli(args, db_url) == 0
    assert "exported 3 articles" in capsys.readouterr().err
    assert int(cursor_file.read_text()) > first

    assert _cli(args, db_url) == 0
    assert "exported 0 articles" in capsys.readouterr().err

    latest = _sql(
        f"SELECT id, max(cursor) AS c, arg_max(title, cursor) AS t, count(*) AS n "
        f"FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true) "
        "GROUP BY id ORDER BY id"
    )
    assert len(latest) == 5
    assert latest[0][2] == "Story 0 updated" and latest[0][3] == 2


def test_cli_filters_and_text_formats(
    store: SqlStore, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, 0, 6)
    target = tmp_path / "out.jsonl"
    assert _cli(["--source", "alpha", "--language", "en", "-o", str(target)], db_url) == 0
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert records and all(r["source"] == "alpha" and r["language"] == "en" for r in records)

    assert _cli(["--format", "csv", "--published-after", "2024-05-02"], db_url) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(r["published"] >= "2024-05-02" for r in rows)

    assert _cli(["--format", "bulk", "--index", "news", "--since", "3"], db_url) == 0
    lines = capsys.readouterr().out.splitlines()
    cursors = [json.loads(doc)["cursor"] for doc in lines[1::2]]
    assert cursors and min(cursors) > 3
