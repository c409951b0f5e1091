"""``ingest``: argument parsing and dispatch. Each command lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ingest import __version__
from ingest.cli.export_cmd import add_export_parser
from ingest.cli.jobs import add_job_parser
from ingest.cli.serve import add_serve_parser
from ingest.errors import IngestError
from ingest.logs import configure_logging

__all__ = ["build_parser", "main"]

EPILOG = """\
examples:
  ingest demo                                  crawl the bundled demo site into data/demo.sqlite
  ingest crawl --feed https://example.com/rss  crawl one feed into data/ingest.sqlite
  ingest crawl --sources config/sources.yaml   crawl every configured source
  ingest articles list --limit 5               the latest stored articles
  ingest extract page.html --url URL           one page's clean article as JSON

Settings come from --config FILE (or INGEST_CONFIG), then INGEST_* environment variables
(e.g. INGEST_DATABASE_URL=postgresql://localhost/news). See README.md.
"""


def _crawl_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "crawl",
        help="discover, fetch, extract and store articles (embedded mode)",
        description="Crawl in one process: asyncio fetchers, a process pool for "
        "extraction and normalisation, one writer to the store.",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="article URLs to fetch directly")
    p.add_argument(
        "--feed",
        action="append",
        default=[],
        metavar="URL",
        help="an RSS/Atom/JSON feed (repeatable)",
    )
    p.add_argument(
        "--sitemap",
        action="append",
        default=[],
        metavar="URL",
        help="a sitemap or sitemap index (repeatable)",
    )
    p.add_argument(
        "--section",
        action="append",
        default=[],
        metavar="URL",
        help="a section/listing page whose article links are followed (repeatable)",
    )
    p.add_argument(
        "--sources",
        type=Path,
        metavar="FILE",
        help="crawl the sources of a sources file (default: settings.sources_file)",
    )
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="only these sources of the sources file (repeatable)",
    )
    p.add_argument(
        "--warc",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="process the responses archived in a WARC file instead of fetching",
    )
    p.add_argument(
        "--save-warc",
        type=Path,
        metavar="FILE",
        help="also record every fetched page in this WARC file (.warc.gz)",
    )
    p.add_argument(
        "--learn-first",
        action="store_true",
        help="learn each site's chrome from the whole batch before extracting any page of it: "
        "pass 1 only counts the blocks of every article page (no article stored), pass 2 "
        "processes the pages with the learnt profiles (counting nothing more), so no page is "
        "extracted cold. Reads the --warc files twice; live sources are fetched first into a "
        "temporary WARC (or into --save-warc FILE) and processed from it",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="fetch every discovered URL, even those not due for a recrawl",
    )
    p.add_argument(
        "--allow-network",
        action="append",
        default=[],
        metavar="CIDR",
        help="allow fetching from this private/loopback network, e.g. 127.0.0.0/8",
    )
    p.add_argument("--concurrency", type=int, metavar="N", help="parallel fetches in total")
    p.add_argument("--workers", type=int, metavar="N", help="extraction processes (0: one per CPU)")
    p.add_argument("--name", default="cli", help="source name recorded for ad-hoc URLs")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _articles_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("articles", help="list, show and search stored articles")
    asub = p.add_subparsers(dest="articles_cmd", required=True, metavar="COMMAND")
    for name, helptext in (("list", "the latest articles"), ("search", "full-text search")):
        q = asub.add_parser(name, help=helptext)
        if name == "search":
            q.add_argument("query", help="words to look for")
        q.add_argument("--limit", type=int, default=20)
        q.add_argument("--source")
        q.add_argument("--language")
        q.add_argument(
            "--one-per-cluster", action="store_true", help="only each cluster's canonical article"
        )
        q.add_argument("--json", action="store_true", help="full records as JSON lines")
    s = asub.add_parser("show", help="one article, as text or JSON")
    s.add_argument("id", type=int)
    s.add_argument("--json", action="store_true")
    s.add_argument("--versions", action="store_true", help="also list its stored versions")


def _other_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    e = sub.add_parser("extract", help="print one saved page's clean article as JSON (no I/O)")
    e.add_argument("page", type=Path, help="an HTML file")
    e.add_argument("--url", help="the page's URL (improves dates, canonical URL, rules)")
    e.add_argument("--text", action="store_true", help="print readable text instead of JSON")

    add_export_parser(sub)
    add_serve_parser(sub)
    add_job_parser(sub)

    d = sub.add_parser(
        "demo",
        help="crawl the bundled demo news site end to end",
        description="Start the generated demo site on 127.0.0.1, crawl it "
        "through its feeds and sitemap, store into a fresh SQLite file, print a "
        "summary and one clean article.",
    )
    d.add_argument("--articles", type=int, default=60, help="stories on the demo site")
    d.add_argument("--db", default="sqlite:///data/demo.sqlite", help="database URL")
    d.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the previous demo database (shows an incremental recrawl)",
    )
    d.add_argument("--serve", action="store_true", help="only serve the demo site (Ctrl-C to stop)")
    d.add_argument("--port", type=int, default=0, help="port for --serve (0: any free port)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_cmd", required=True, metavar="COMMAND")
    dbsub.add_parser("upgrade", help="apply pending schema migrations")
    dbsub.add_parser("status", help="schema version and row counts")
    relay = dbsub.add_parser(
        "relay-events",
        help="publish the change events the stream missed (events.enabled)",
        description="Publish the change events still owed for stored changes (a process "
        "that stopped between its commit and its publish, Redis unreachable then). Beat "
        "does this in the distributed mode, and every embedded crawl at its end.",
    )
    relay.add_argument(
        "--older-than",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="only changes recorded at least this long ago (default 0: all)",
    )

    st = sub.add_parser("sites", help="per-site rules and learnt chrome")
    stsub = st.add_subparsers(dest="sites_cmd", required=True, metavar="COMMAND")
    c = stsub.add_parser("check", help="check a rules file against a saved page")
    c.add_argument("rules", type=Path, help="a config/sites/*.yaml file")
    c.add_argument("page", type=Path, help="a saved HTML page")
    c.add_argument("--url", help="the page's URL (selects the rule by host)")
    show = stsub.add_parser("show", help="what was learnt about a host's repeated blocks")
    show.add_argument("host", help="a host name, e.g. www.example.com")
    show.add_argument("--top", type=int, default=20, help="how many blocks to list")
    show.add_argument("--json", action="store_true")
    reset = stsub.add_parser("reset", help="forget what was learnt about a host")
    reset.add_argument("host")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ingest",
        description="Discover, fetch and extract clean news articles; deduplicate and store them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ingest {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE", help="settings YAML file")
    parser.add_argument(
        "--db",
        dest="database_url",
        metavar="URL",
        help="database URL (default sqlite:///data/ingest.sqlite; env INGEST_DATABASE_URL)",
    )
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _crawl_parser(sub)
    _articles_parser(sub)
    _other_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(level=args.log_level)
    from ingest.cli import commands  # noqa: PLC0415 - keeps `ingest --help` fast

    try:
        return commands.run(args)
    except IngestError as exc:
        print(f"ingest: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ingest: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
