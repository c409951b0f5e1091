"""``ingest export``: JSON lines, CSV, Parquet or OpenSearch bulk, full or incremental."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ingest.errors import ConfigError
from ingest.settings import Settings, load_settings
from ingest.store.base import ArticleQuery
from ingest.store.export import (
    ExportFormat,
    ExportStats,
    write_bulk,
    write_csv,
    write_jsonl,
    write_parquet,
)

__all__ = ["add_export_parser", "parse_when", "run_export"]


def parse_when(value: str) -> datetime:
    """An ISO date or date-time; naive values are UTC. For ``argparse`` ``type=``."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or date-time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def add_export_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ingest export`` (replaces the JSON-lines-only parser)."""
    x = sub.add_parser(
        "export",
        help="export stored articles for analytics (jsonl, csv, parquet, bulk)",
        description="Export articles in change-cursor order. The next cursor is printed at "
        "the end (stderr); pass it as --since, or use --cursor-file, for incremental exports.",
    )
    x.add_argument("--format", choices=[f.value for f in ExportFormat], default="jsonl")
    x.add_argument(
        "--output",
        "-o",
        type=Path,
        help="file to write (default: stdout); for parquet a directory (required)",
    )
    x.add_argument(
        "--since",
        type=int,
        default=None,
        metavar="CURSOR",
        help="only articles changed after this cursor (printed at the end)",
    )
    x.add_argument(
        "--cursor-file",
        type=Path,
        metavar="FILE",
        help="read --since from FILE when it exists and write the next cursor to it",
    )
    x.add_argument("--source")
    x.add_argument("--language")
    x.add_argument("--published-after", type=parse_when, metavar="DATE")
    x.add_argument("--published-before", type=parse_when, metavar="DATE")
    x.add_argument("--one-per-cluster", action="store_true", help="cluster representatives only")
    x.add_argument("--index", default="articles", help="index name in bulk action lines")


def _settings(args: argparse.Namespace) -> Settings:
    extra: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        extra["database_url"] = args.database_url
    return load_settings(getattr(args, "config", None), overrides=extra)


def _since(args: argparse.Namespace) -> int:
    if args.since is not None:
        if args.since < 0:
            raise ConfigError("--since must be a cursor >= 0")
        return int(args.since)
    path: Path | None = args.cursor_file
    if path is not None and path.exists():
        raw = path.read_text(encoding="utf-8").strip()
        if not raw.isdigit():
            raise ConfigError(f"cursor file {path} does not hold a cursor: {raw[:40]!r}")
        return int(raw)
    return 0


@contextmanager
def _text_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    newline = "" if path.suffix == ".csv" else None
    with path.open("w", encoding="utf-8", newline=newline) as out:
        yield out


def run_export(args: argparse.Namespace) -> int:
    """Run ``ingest export``. Writes the export and, with ``--cursor-file``, the next cursor.
    Raises :class:`ConfigError` for bad options."""
    fmt = ExportFormat(args.format)
    since = _since(args)
    if fmt is ExportFormat.PARQUET and args.output is None:
        raise ConfigError("--format parquet needs --output DIRECTORY")
    query = ArticleQuery(
        source=args.source,
        language=args.language,
        published_after=args.published_after,
        published_before=args.published_before,
        one_per_cluster=args.one_per_cluster,
        since_seq=since,
    )
    from ingest.bootstrap import store_session  # noqa: PLC0415 - keeps `ingest --help` fast

    with store_session(_settings(args)) as store:
        articles = store.iter_articles(query)
        stats: ExportStats
        if fmt is ExportFormat.PARQUET:
            stats = write_parquet(articles, args.output, since=since)
        else:
            with _text_output(args.output) as out:
                if fmt is ExportFormat.CSV:
                    stats = write_csv(articles, out, since=since)
                elif fmt is ExportFormat.BULK:
                    stats = write_bulk(articles, out, index=args.index, since=since)
                else:
                    stats = write_jsonl(articles, out, since=since)
    if args.cursor_file is not None:
        args.cursor_file.parent.mkdir(parents=True, exist_ok=True)
        args.cursor_file.write_text(f"{stats.cursor}\n", encoding="utf-8")
    print(
        f"exported {stats.count} articles; next cursor: {stats.cursor} "
        f"(use --since {stats.cursor})",
        file=sys.stderr,
    )
    return 0
