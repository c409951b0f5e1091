"""Exports for analytics: JSON lines, CSV, Parquet (partitioned) and an OpenSearch bulk file.

Every format is written from :func:`ingest.store.base.article_record`, the one documented article
schema, in change-cursor order. Each export reports the highest cursor it wrote; pass it back
as ``since`` for the next, incremental export. An article changed after an export appears again
in a later one with a higher ``cursor`` and ``version``: keep the row with the highest cursor
per ``id``.

Parquet files are written with pyarrow under a hive-partitioned directory
``published_date=YYYY-MM-DD/source=NAME/part-<first cursor>-<n>.parquet`` (``unknown`` when an
article has no published date) with the schema :data:`PARQUET_SCHEMA`; DuckDB
(``read_parquet('DIR/**/*.parquet', hive_partitioning = true)``) and pandas
(``pandas.read_parquet('DIR')``) load the directory as is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from ingest.errors import ConfigError
from ingest.store.base import StoredArticle, article_record, images_record

__all__ = [
    "CSV_COLUMNS",
    "PARQUET_SCHEMA_VERSION",
    "ExportFormat",
    "ExportStats",
    "bulk_lines",
    "parquet_schema",
    "write_bulk",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]

#: Bumped only when a column is removed or changes type; adding a column keeps it.
PARQUET_SCHEMA_VERSION = 1

#: Columns of the CSV export, in order. Lists and objects are JSON text in their cell.
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "cursor",
    "version",
    "url",
    "canonical_url",
    "source",
    "title",
    "lead",
    "body",
    "authors",
    "published",
    "modified",
    "language",
    "site_name",
    "section",
    "tags",
    "word_count",
    "reading_time",
    "fetched_at",
    "content_hash",
    "cluster_id",
    "is_cluster_canonical",
    "strategy",
)
_JSON_CELLS = {"authors", "tags"}


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    BULK = "bulk"  # OpenSearch / Elasticsearch _bulk NDJSON


@dataclass(frozen=True, slots=True)
class ExportStats:
    """How many articles an export wrote and the cursor to pass as ``since`` next time."""

    count: int
    cursor: int
    files: tuple[Path, ...] = ()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(articles: Iterable[StoredArticle], out: IO[str], *, since: int = 0) -> ExportStats:
    """One :func:`article_record` per line. Writes to ``out``; returns counts and cursor."""
    count, cursor = 0, since
    for article in articles:
        out.write(_dumps(article_record(article)) + "\n")
        count, cursor = count + 1, max(cursor, article.seq)
    return ExportStats(count, cursor)


def write_csv(articles: Iterable[StoredArticle], out: IO[str], *, since: int = 0) -> ExportStats:
    """RFC 4180 CSV with a header row of :data:`CSV_COLUMNS`; empty cell for null."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count, cursor = 0, since
    for article in articles:
        record = article_record(article)
        row: list[Any] = []
        for name in CSV_COLUMNS:
            value = record[name]
            if name in _JSON_CELLS:
                value = _dumps(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row.append("" if value is None else value)
        writer.writerow(row)
        count, cursor = count + 1, max(cursor, article.seq)
    return ExportStats(count, cursor)


def bulk_lines(article: StoredArticle, *, index: str) -> tuple[str, str]:
    """The action line and the document line of one article for the ``_bulk`` API. The
    document id is the article id, so re-exporting an updated article replaces it."""
    action = {"index": {"_index": index, "_id": str(article.id)}}
    return _dumps(action), _dumps(article_record(article))


def write_bulk(
    articles: Iterable[StoredArticle], out: IO[str], *, index: str = "articles", since: int = 0
) -> ExportStats:
    """NDJSON that ``POST /_bulk`` (OpenSearch, Elasticsearch) accepts as is; it ends with a
    newline as the API requires."""
    if not index or index.startswith(("_", "-", "+")) or index != index.lower():
        raise ConfigError(f"invalid index name {index!r}: lowercase, not starting with _ - +")
    count, cursor = 0, since
    for article in articles:
        action, document = bulk_lines(article, index=index)
        out.write(action + "\n" + document + "\n")
        count, cursor = count + 1, max(cursor, article.seq)
    return ExportStats(count, cursor)


def parquet_schema() -> Any:
    """The pyarrow schema of the Parquet export (without the two partition columns)."""
    import pyarrow as pa  # noqa: PLC0415 - optional dependency (extra "parquet")

    ts = pa.timestamp("us", tz="UTC")
    block = pa.struct([("kind", pa.string()), ("level", pa.int32()), ("text", pa.string())])
    image = pa.struct([("url", pa.string()), ("caption", pa.string()), ("credit", pa.string())])
    return pa.schema(
        [
            ("id", pa.int64()),
            ("cursor", pa.int64()),
            ("version", pa.int32()),
            ("url", pa.string()),
            ("canonical_url", pa.string()),
            ("title", pa.string()),
            ("lead", pa.string()),
            ("body", pa.string()),
            ("blocks", pa.list_(block)),
            ("authors", pa.list_(pa.string())),
            ("published", ts),
            ("modified", ts),
            ("language", pa.string()),
            ("site_name", pa.string()),
            ("section", pa.string()),
            ("tags", pa.list_(pa.string())),
            ("images", pa.list_(image)),
            ("word_count", pa.int32()),
            ("reading_time", pa.int32()),
            ("fetched_at", ts),
            ("content_hash", pa.string()),
            ("cluster_id", pa.int64()),
            ("is_cluster_canonical", pa.bool_()),
            ("strategy", pa.string()),
            ("provenance", pa.string()),  # JSON object
        ],
        metadata={"ingest.schema_version": str(PARQUET_SCHEMA_VERSION)},
    )


def _parquet_row(a: StoredArticle) -> dict[str, Any]:
    return {
        "id": a.id,
        "cursor": a.seq,
        "version": a.version,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "lead": a.lead,
        "body": a.body,
        "blocks": [
            {"kind": b.kind, "level": b.level if b.kind == "h" else None, "text": b.text}
            for b in a.blocks
        ],
        "authors": list(a.authors),
        "published": a.published,
        "modified": a.modified,
        "language": a.language,
        "site_name": a.site_name,
        "section": a.section,
        "tags": list(a.tags),
        "images": images_record(a.images),
        "word_count": a.word_count,
        "reading_time": a.reading_time,
        "fetched_at": a.fetched_at,
        "content_hash": a.content_hash,
        "cluster_id": a.cluster_id,
        "is_cluster_canonical": a.is_canonical,
        "strategy": a.strategy,
        "provenance": _dumps(dict(a.provenance)),
        "published_date": _published_date(a.published),
        "source": a.source or "unknown",
    }


def _published_date(value: datetime | None) -> str:
    return value.date().isoformat() if value is not None else "unknown"


def _batches(articles: Iterable[StoredArticle], size: int) -> Iterator[list[StoredArticle]]:
    batch: list[StoredArticle] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(
    articles: Iterable[StoredArticle],
    directory: Path,
    *,
    since: int = 0,
    batch_size: int = 5000,
) -> ExportStats:
    """Write hive-partitioned Parquet files under ``directory`` (created when missing).

    Files of earlier exports are kept: new files are named after the first cursor they hold,
    so incremental exports into the same directory add files. Raises :class:`ConfigError`
    when pyarrow is not installed.
    """
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional dependency
        import pyarrow.dataset as pads  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError("Parquet export needs pyarrow: pip install 'ingest[parquet]'") from exc
    schema = parquet_schema()
    full = schema.append(pa.field("published_date", pa.string())).append(
        pa.field("source", pa.string())
    )
    partitioning = pads.partitioning(
        pa.schema([("published_date", pa.string()), ("source", pa.string())]), flavor="hive"
    )
    directory.mkdir(parents=True, exist_ok=True)
    count, cursor = 0, since
    written: list[Path] = []
    for batch in _batches(articles, batch_size):
        table = pa.Table.from_pylist([_parquet_row(a) for a in batch], schema=full)
        first = min(a.seq for a in batch)

        def visit(written_file: Any) -> None:
            written.append(Path(written_file.path))

        pads.write_dataset(
            table,
            directory,
            format="parquet",
            partitioning=partitioning,
            basename_template=f"part-{first:012d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            file_visitor=visit,
        )
        count += len(batch)
        cursor = max(cursor, *(a.seq for a in batch))
    return ExportStats(count, cursor, tuple(sorted(written)))
