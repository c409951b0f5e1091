"""Command implementations for ``ingest``; each returns the process exit code."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.bootstrap import (
    embedded_crawler,
    event_sink,
    open_store,
    site_rules,
    store_session,
)
from ingest.cli.export_cmd import run_export
from ingest.cli.jobs import run_job_command
from ingest.cli.output import (
    BarProgress,
    learnt_line,
    print_article,
    print_json,
    print_learnt,
    print_summary,
)
from ingest.cli.serve import run_serve
from ingest.errors import ConfigError
from ingest.events import relay
from ingest.extract.rules import RuleCheck
from ingest.model import NotArticle, Page
from ingest.pipeline.crawl import Crawler, CrawlOptions, LearnSummary, Summary
from ingest.pipeline.learnfirst import LearnOutcome
from ingest.settings import Settings, load_settings
from ingest.sources import Source, load_sources
from ingest.store.base import ArticleQuery, article_record
from ingest.store.sql import SqlStore

__all__ = ["run"]


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    extra: dict[str, Any] = dict(overrides)
    if getattr(args, "database_url", None):
        extra["database_url"] = args.database_url
    return load_settings(args.config, overrides=extra)


def run(args: argparse.Namespace) -> int:
    handlers = {
        "crawl": cmd_crawl,
        "articles": cmd_articles,
        "extract": cmd_extract,
        "export": run_export,
        "serve": run_serve,
        "job": run_job_command,
        "demo": cmd_demo,
        "db": cmd_db,
        "sites": cmd_sites,
    }
    return handlers[args.command](args)


# -- crawl --------------------------------------------------------------------------------------


def _crawl_settings(args: argparse.Namespace) -> Settings:
    fetch: dict[str, Any] = {}
    if args.allow_network:
        fetch["allow_networks"] = list(args.allow_network)
    if args.concurrency:
        fetch["concurrency"] = args.concurrency
    overrides: dict[str, Any] = {"fetch": fetch} if fetch else {}
    if args.workers is not None:
        overrides["process_workers"] = args.workers
    settings = _settings(args, **overrides)
    if args.allow_network and settings.fetch.allow_networks != tuple(args.allow_network):
        merged = tuple(dict.fromkeys((*settings.fetch.allow_networks, *args.allow_network)))
        settings = settings.model_copy(
            update={"fetch": settings.fetch.model_copy(update={"allow_networks": merged})}
        )
    return settings


def _sources_for(args: argparse.Namespace, settings: Settings) -> list[Source]:
    sources: list[Source] = []
    if args.feed or args.sitemap or args.section or args.urls:
        sources.append(
            Source(
                name=args.name,
                feeds=tuple(args.feed),
                sitemaps=tuple(args.sitemap),
                sections=tuple(args.section),
                seeds=tuple(args.urls),
            )
        )
    if args.sources or args.source:
        registry = load_sources(args.sources or settings.sources_file)
        unknown = [n for n in args.source if n not in registry]
        if unknown:
            raise ConfigError(
                f"unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(registry))}"
            )
        sources.extend([registry[n] for n in args.source] if args.source else registry.values())
    return sources


async def _warc_pages(
    paths: list[Path], *, warn: bool = True, html_only: bool = True
) -> AsyncIterator[Page]:
    """The pages of WARC files, read one at a time. ``warn``: say on stderr where a damaged
    file stopped. ``html_only=False`` for a file this process wrote (``--learn-first``)."""
    from ingest.discover.warc import WarcError, iter_warc_pages  # noqa: PLC0415 - only for --warc

    for path in paths:
        iterator = iter_warc_pages(path, html_only=html_only)
        while True:
            try:
                page = await asyncio.to_thread(next, iterator, None)
            except WarcError as exc:
                if warn:
                    print(
                        f"ingest: warning: {exc}; the pages before the damage were processed",
                        file=sys.stderr,
                    )
                break
            if page is None:
                break
            yield page


@contextmanager
def _warc_sink(path: Path | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    from ingest.discover.warc import WarcWriter  # noqa: PLC0415 - only for --save-warc

    with WarcWriter(path) as writer:
        yield writer


class _Spool:
    """Where the first step of a learn-first run over live sources puts the pages it fetched
    (a WARC writer), ticking that step's progress bar."""

    def __init__(self, writer: Any, progress: BarProgress) -> None:
        self.writer = writer
        self.progress = progress

    def write(self, page: Page) -> None:
        self.writer.write(page)
        self.progress.note("fetched")


async def _learn_then_crawl(
    args: argparse.Namespace,
    crawler: Crawler,
    paths: list[Path],
    source: Source,
    *,
    sources: dict[str, Source] | None = None,
    spooled: int | None = None,
) -> tuple[Summary, LearnSummary]:
    """Pass 1 (count the blocks of every article page of ``paths``), then pass 2 (process
    the pages with the learnt profiles, counting nothing)."""
    from_spool = spooled is not None
    bar = BarProgress(enabled=not args.quiet, desc="learning", unit="page", total=spooled)
    try:
        learnt = await crawler.learn_pages(
            _warc_pages(paths, warn=False, html_only=not from_spool),
            on_page=lambda outcome: bar.note(
                "counted" if outcome is LearnOutcome.COUNTED else "skipped"
            ),
        )
    finally:
        bar.close()
    if not args.quiet:
        print(learnt_line(learnt), file=sys.stderr)
    crawler.progress = bar = BarProgress(enabled=not args.quiet, total=learnt.pages)
    try:
        summary = await crawler.crawl_pages(
            _warc_pages(paths, html_only=not from_spool),
            source,
            sources=sources,
            count_fetched=not from_spool,
        )
    finally:
        bar.close()
    return summary, learnt


async def _learn_first(
    args: argparse.Namespace, settings: Settings, sources: list[Source]
) -> tuple[Summary, LearnSummary]:
    """``--learn-first``: over the --warc files, or over live sources fetched first (nothing
    processed) into a WARC: --save-warc FILE, or a temporary file removed afterwards."""
    from ingest.discover.warc import WarcWriter  # noqa: PLC0415 - only for WARC files

    if not settings.learn.enabled:
        raise ConfigError("--learn-first needs site learning on (learn.enabled is false)")
    options = CrawlOptions(force=args.force, count_blocks=False)
    with store_session(settings) as store:
        async with embedded_crawler(settings, store, options=options) as crawler:
            if args.warc:
                source = Source(name=args.name, seeds=("warc:",))
                return await _learn_then_crawl(args, crawler, list(args.warc), source)
            with tempfile.TemporaryDirectory(prefix="ingest-learn-first-") as tmp:
                spool = args.save_warc or Path(tmp) / "fetched.warc.gz"
                crawler.progress = bar = BarProgress(enabled=not args.quiet, desc="fetching")
                try:
                    with WarcWriter(spool) as writer:
                        await crawler.fetch_sources(sources, _Spool(writer, bar))
                finally:
                    bar.close()
                by_name = {s.name: s for s in reversed(sources)}  # the first of a name wins
                return await _learn_then_crawl(
                    args,
                    crawler,
                    [spool],
                    Source(name=args.name),
                    sources=by_name,
                    spooled=writer.written,
                )


async def _crawl(
    args: argparse.Namespace, settings: Settings, sources: list[Source]
) -> tuple[Summary, LearnSummary | None]:
    if args.learn_first:
        return await _learn_first(args, settings, sources)
    progress = BarProgress(enabled=not args.quiet)
    options = CrawlOptions(force=args.force)
    with store_session(settings) as store, _warc_sink(args.save_warc) as sink:
        try:
            async with embedded_crawler(
                settings, store, options=options, progress=progress, page_sink=sink
            ) as crawler:
                if args.warc:
                    warc = Source(name=args.name, seeds=("warc:",))
                    return await crawler.crawl_pages(_warc_pages(args.warc), warc), None
                return await crawler.crawl_sources(sources), None
        finally:
            progress.close()


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = _crawl_settings(args)
    sources = _sources_for(args, settings)
    if not sources and not args.warc:
        raise ConfigError(
            "nothing to crawl: give article URLs, --feed, --sitemap, --section, "
            "--sources FILE or --warc FILE (see `ingest crawl --help`)"
        )
    started = time.monotonic()
    summary, learnt = asyncio.run(_crawl(args, settings, sources))
    if args.json:
        report: dict[str, Any] = {"summary": _summary_dict(summary)}
        if learnt is not None:
            report["learnt"] = learnt.as_dict()
        print_json(report)
    else:
        if learnt is not None:
            print_learnt(learnt)
        print_summary(summary, elapsed=time.monotonic() - started)
    return 0


def _summary_dict(summary: Summary) -> dict[str, Any]:
    return {
        "discovered": summary.discovered,
        "skipped_not_due": summary.skipped_not_due,
        "fetched": summary.fetched,
        "discovery_fetched": summary.discovery_fetched,
        "outcomes": dict(summary.kinds),
        "reasons": dict(summary.reasons),
        "near_duplicates": summary.near_duplicates,
    }


# -- demo ---------------------------------------------------------------------------------------


async def _demo(args: argparse.Namespace, settings: Settings) -> tuple[Summary, dict[str, Any]]:
    from ingest.demo.server import serve  # noqa: PLC0415 - the demo is optional at runtime
    from ingest.demo.site import DemoConfig, DemoSite  # noqa: PLC0415

    site = DemoSite(DemoConfig(n_articles=args.articles))
    async with serve(site) as server:
        base = server.base_url
        source = Source(
            name="demo",
            feeds=(f"{base}/feed.xml", f"{base}/atom.xml"),
            sitemaps=(f"{base}/sitemap.xml",),
            timezone="UTC",
        )
        print(f"demo site with {args.articles} stories serving at {base}", file=sys.stderr)
        progress = BarProgress(enabled=not args.quiet)
        with store_session(settings) as store:
            try:
                async with embedded_crawler(settings, store, progress=progress) as crawler:
                    summary = await crawler.crawl_sources([source])
            finally:
                progress.close()
    return summary, dict(site.expected_counts())


def cmd_demo(args: argparse.Namespace) -> int:
    if args.serve:
        from ingest.demo.server import run as run_demo  # noqa: PLC0415

        run_demo("127.0.0.1", args.port, args.articles)
        return 0
    settings = _settings(
        argparse.Namespace(config=args.config, database_url=args.db),
        fetch={"allow_networks": ["127.0.0.0/8"], "per_host_concurrency": 16},
    )
    db_path = _sqlite_path(settings.database_url)
    if db_path is not None and not args.keep_db:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    started = time.monotonic()
    summary, expected = asyncio.run(_demo(args, settings))
    print_summary(summary, elapsed=time.monotonic() - started)
    print(
        f"  the demo site has {expected['article_urls']} article pages "
        f"({expected['articles']} stories + {expected['syndicated']} syndicated copies) and "
        f"{expected['sitemap_non_article_urls']} other pages in its sitemaps"
    )
    with store_session(settings) as store:
        shown = store.query(ArticleQuery(limit=1, one_per_cluster=True))
        if shown:
            print(
                "\nOne clean article from the store "
                f"(`ingest --db {settings.database_url} articles show {shown[0].id}`):\n"
            )
            print_article(shown[0])
    return 0


def _sqlite_path(url: str) -> str | None:
    prefix = "sqlite:///"
    return url[len(prefix) :] if url.startswith(prefix) and url != "sqlite:///:memory:" else None


# -- articles and export ------------------------------------------------------------------------


def _query(args: argparse.Namespace, text: str | None = None) -> ArticleQuery:
    return ArticleQuery(
        text=text,
        source=args.source,
        language=args.language,
        one_per_cluster=args.one_per_cluster,
        limit=args.limit,
    )


def cmd_articles(args: argparse.Namespace) -> int:
    settings = _settings(args)
    with store_session(settings) as store:
        if args.articles_cmd == "show":
            article = store.get_article(args.id)
            if article is None:
                print(
                    f"ingest: no article with id {args.id} (`ingest articles list` shows the ids)",
                    file=sys.stderr,
                )
                return 1
            if args.json:
                record = article_record(article)
                if args.versions:
                    record["versions"] = [
                        {
                            "version": v.version,
                            "title": v.title,
                            "content_hash": v.content_hash,
                            "fetched_at": v.fetched_at.isoformat(),
                        }
                        for v in store.versions(article.id)
                    ]
                print_json(record)
            else:
                print_article(article)
                if args.versions:
                    for v in store.versions(article.id):
                        print(
                            f"  version {v.version}  {v.fetched_at.isoformat()}  "
                            f"{v.content_hash[:12]}  {v.title}"
                        )
            return 0
        if args.articles_cmd == "search":
            return _search(store, args)
        rows = store.query(_query(args))
        for a in rows:
            if args.json:
                sys.stdout.write(json.dumps(article_record(a), ensure_ascii=False) + "\n")
            else:
                date = a.published.date().isoformat() if a.published else "----------"
                print(
                    f"{a.id:>7}  {date}  {(a.language or '--'):<3} {a.source[:12]:<12} "
                    f"{a.title[:70]}"
                )
        if not rows and not args.json:
            print("no articles match", file=sys.stderr)
    return 0


def _search(store: SqlStore, args: argparse.Namespace) -> int:
    hits = store.search(_query(args, args.query))
    for hit in hits:
        a = hit.article
        if args.json:
            record = {**article_record(a), "snippet": hit.snippet, "rank": hit.rank}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        date = a.published.date().isoformat() if a.published else "----------"
        print(f"{a.id:>7}  {date}  {(a.language or '--'):<3} {a.source[:12]:<12} {a.title[:70]}")
        on, off = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
        snippet = hit.snippet.replace("<mark>", on).replace("</mark>", off)
        print(f"         {html.unescape(snippet)}")
    if not hits and not args.json:
        print("no articles match", file=sys.stderr)
    return 0


# -- extract, db, sites -------------------------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    from ingest import extract  # noqa: PLC0415

    try:
        raw = args.page.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {args.page}: {exc.strerror}") from exc
    settings = _settings(args)
    rules = site_rules(settings)
    result = extract(raw, args.url, rules=rules.for_url(args.url) if rules and args.url else None)
    if isinstance(result, NotArticle):
        print_json({"not_article": True, "reason": result.reason, "detail": result.detail})
        return 1
    from ingest.cli.render import extracted_record  # noqa: PLC0415

    if args.text:
        print(f"# {result.title}\n\n{result.lead or ''}\n\n{result.body}")
    else:
        print_json(extracted_record(result))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = open_store(settings, migrate=False)
    try:
        if args.db_cmd == "upgrade":
            applied = store.upgrade()
            print(f"applied migrations {applied}" if applied else "database is up to date")
        elif args.db_cmd == "relay-events":
            return _relay_events(settings, store, args.older_than)
        else:
            store.upgrade()
            counts: dict[str, Any] = dict(store.counts())
            if settings.events.enabled:
                counts["events_owed"] = store.owed_events()  # relayed by beat or relay-events
            print_json(counts)
    finally:
        store.close()
    return 0


def _relay_events(settings: Settings, store: SqlStore, older_than: float) -> int:
    if not settings.events.enabled:
        raise ConfigError("the change stream is off: set events.enabled (INGEST_EVENTS__ENABLED)")
    store.upgrade()
    sink = event_sink(settings)
    try:
        count = relay(sink, store, before=datetime.now(UTC) - timedelta(seconds=older_than))
    finally:
        sink.close()
    print(f"published {count} owed change event(s)")
    return 0


def _render_check(report: RuleCheck) -> str:
    lines = [f"rules for hosts: {', '.join(report.rules.hosts) or '-'}"]
    if report.host_matches is not None:
        lines.append(f"host of {report.url}: {'matches' if report.host_matches else 'NO MATCH'}")
    for sel in report.selectors:
        sample = f"  e.g. {sel.sample[:60]!r}" if sel.sample else ""
        lines.append(f"  {sel.field:<8} {sel.selector:<40} {sel.matches:>3} match(es){sample}")
    result = report.result
    if isinstance(result, NotArticle):
        lines.append(f"result: not an article ({result.reason}: {result.detail})")
    else:
        lines.append(
            f"result: {result.title!r}, {len(result.blocks)} blocks, "
            f"{len(result.body.split())} words, strategy {result.strategy}"
        )
    lines.extend(f"problem: {p}" for p in report.problems)
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines)


def cmd_sites(args: argparse.Namespace) -> int:
    if args.sites_cmd == "check":
        from ingest.extract.rules import check_rules  # noqa: PLC0415

        report = check_rules(args.rules, args.page, args.url)
        print(_render_check(report))
        return 0 if report.ok else 1
    settings = _settings(args)
    learn = settings.learn
    with store_session(settings) as store:
        if args.sites_cmd == "reset":
            removed = store.forget_site(args.host)
            print(f"forgot {max(0, removed - 1)} learnt blocks of {args.host}")
            return 0
        found = store.site_summary(
            args.host, min_pages=learn.min_pages, min_share=learn.min_share, top=args.top
        )
    if args.json:
        print_json(
            {
                "host": found.host,
                "pages": found.pages,
                "blocks": found.blocks,
                "last_update": found.last_update.isoformat() if found.last_update else None,
                "top": [
                    {
                        "fingerprint": b.fingerprint,
                        "text": b.text,
                        "pages": b.pages,
                        "share": round(b.share, 3),
                        "chrome": b.chrome,
                    }
                    for b in found.top
                ],
            }
        )
        return 0
    if not found.pages:
        print(f"nothing learnt about {args.host} yet (hosts are learnt while crawling)")
        return 0
    when = found.last_update.isoformat(timespec="seconds") if found.last_update else "-"
    print(
        f"{found.host}: {found.pages} pages seen, {found.blocks} blocks tracked, last update {when}"
    )
    print(
        f"chrome = seen on >= {learn.min_pages} pages and >= {learn.min_share:.0%} of the "
        "pages since first seen (of the host's, or of those that have its slot)\n"
    )
    for b in found.top:
        mark = "chrome" if b.chrome else "      "
        print(f"  {mark} {b.pages:>6} pages {b.share:>5.0%}  {b.text[:70]!r}")
    return 0
