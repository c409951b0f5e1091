"""The embedded crawl: asyncio fetchers, CPU stages in a process pool, one writer.

Every URL ends as exactly one :class:`~ingest.model.Result`; nothing here raises for a bad
page or server. The store is written by a single task, one article per transaction.

A batch run can learn first (``ingest crawl --learn-first``): :meth:`Crawler.fetch_sources`
only fetches (into a WARC), :meth:`Crawler.learn_pages` only counts the batch's pages into
their hosts' profiles, and :meth:`Crawler.crawl_pages` then processes them with
``CrawlOptions.count_blocks`` off (see ``docs/learning.md``).
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter, deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from concurrent.futures import Executor
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

import structlog

from ingest.dedup.decide import NEAR_DUP_THRESHOLD
from ingest.discover.base import Link
from ingest.errors import ConfigError, StoreUnavailable
from ingest.events import EventSink, NullSink, StreamUnavailable, publish_settled
from ingest.extract.profile import HostProfile
from ingest.extract.rules import RuleSet
from ingest.fetch.base import Fetcher
from ingest.model import Article, FetchFailure, FetchRequest, OutcomeKind, Page, Result
from ingest.normalize.article import NormalizeOptions
from ingest.normalize.urls import canonicalize, host_of, url_key
from ingest.pipeline.discovery import discover_source
from ingest.pipeline.learnfirst import LearnOutcome, LearnSummary, SeenArticles
from ingest.pipeline.pool import analyse_in_worker
from ingest.pipeline.process import (
    Analysed,
    analyse,
    count_blocks,
    failure_result,
    frontier_update,
    learn_from,
    settle,
)
from ingest.settings import LearnSettings
from ingest.sources import Source
from ingest.store.base import FrontierEntry, FrontierUpdate, Store

log = structlog.get_logger(__name__)

__all__ = ["CrawlOptions", "Crawler", "LearnSummary", "PageSink", "Progress", "Summary"]

_T = TypeVar("_T")
#: the source a learning pass analyses pages as
_COLD = Source(name="learn-first")


class Progress(Protocol):
    def add_total(self, n: int) -> None: ...

    def advance(self, result: Result) -> None: ...


class PageSink(Protocol):
    """Receives every page fetched (``--save-warc``)."""

    def write(self, page: Page) -> None: ...


class _NoProgress:
    def add_total(self, n: int) -> None:
        pass

    def advance(self, result: Result) -> None:
        pass


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    #: Fetch every discovered URL, even those the frontier says are not due yet.
    force: bool = False
    #: Pages held between the stages (back-pressure).
    queue_size: int = 256
    store_retry_time: float = 60.0
    #: Frontier updates written per transaction.
    record_batch: int = 200
    #: Pages of a WARC (``crawl_pages``, ``learn_pages``) analysed ahead of the one being
    #: written, in parallel; results are still taken in archive order.
    analyse_ahead: int = 8
    #: Count each newly stored article's blocks into its host's profile as the crawl goes
    #: (site-aware chrome learning, when ``learn.enabled``). Off: the learnt profiles are only
    #: read, e.g. after ``Crawler.learn_pages`` counted the batch (``--learn-first``).
    count_blocks: bool = True
    clock: Callable[[], datetime] = utc_now


@dataclass(slots=True)
class Summary:
    """What a crawl did. ``kinds`` counts outcomes; ``reasons`` counts ``kind:reason``."""

    discovered: int = 0
    skipped_not_due: int = 0
    fetched: int = 0
    discovery_fetched: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    near_duplicates: int = 0
    stored_ids: list[int] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.kinds[str(result.kind)] += 1
        if result.reason:
            self.reasons[f"{result.kind}:{result.reason}"] += 1
        if result.kind is OutcomeKind.STORED and result.article_id is not None:
            self.stored_ids.append(result.article_id)
            if result.cluster_id not in (None, result.article_id):
                self.near_duplicates += 1

    def count(self, kind: OutcomeKind) -> int:
        return self.kinds.get(str(kind), 0)


@dataclass(frozen=True, slots=True)
class _Item:
    url: str
    source: Source
    entry: FrontierEntry | None = None


class Crawler:
    """Drives one embedded crawl. Constructing it does no I/O."""

    def __init__(
        self,
        *,
        fetcher: Fetcher,
        store: Store,
        executor: Executor | None = None,
        rules: RuleSet | None = None,
        options: CrawlOptions | None = None,
        progress: Progress | None = None,
        page_sink: PageSink | None = None,
        concurrency: int = 32,
        events: EventSink | None = None,
        learn: LearnSettings | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.executor = executor
        self.rules = rules
        self.options = options or CrawlOptions()
        self.progress: Progress = progress or _NoProgress()
        self.page_sink = page_sink
        self.concurrency = concurrency
        self.events: EventSink = events or NullSink()
        self.learn = learn if learn is not None and learn.enabled else None
        self._profiles: dict[str, HostProfile] = {}
        self._learnt: Counter[str] = Counter()
        self.summary = Summary()
        self._updates: list[FrontierUpdate] = []
        #: Published changes whose outbox rows are forgotten with the next frontier batch.
        self._published: dict[int, int] = {}

    # -- entry points -------------------------------------------------------------------------

    async def crawl_sources(self, sources: Sequence[Source]) -> Summary:
        """Discover every source's articles, then fetch, process and store the due ones."""
        await self.crawl_items(await self._discover(sources))
        return self.summary

    async def fetch_sources(self, sources: Sequence[Source], spool: PageSink) -> Summary:
        """Discover every source's articles and fetch the due ones into ``spool`` (a WARC
        writer), processing and storing nothing: the first step of a learn-first run over
        live sources. Fetching is as in :meth:`crawl_sources` (the frontier's due times and
        validators); a 304 and a failure are settled here as a crawl settles them (recorded in
        the frontier, counted in the summary). Every other page goes to ``spool``, with
        ``Page.source`` naming its source, and is settled when the spooled pages are crawled
        (:meth:`crawl_pages` with ``sources`` and ``count_fetched=False``)."""
        await self.crawl_items(await self._discover(sources), spool=spool)
        return self.summary

    async def _discover(self, sources: Sequence[Source]) -> list[_Item]:
        found = await asyncio.gather(*(discover_source(self.fetcher, s) for s in sources))
        items: list[_Item] = []
        for source, discovered in zip(sources, found, strict=True):
            self.summary.discovery_fetched += discovered.fetched
            for failure in discovered.failures:
                self.summary.reasons[f"discovery:{failure.reason}"] += 1
            links = (
                discovered.links[: source.max_articles]
                if source.max_articles
                else (discovered.links)
            )
            items.extend(_Item(link.url, source) for link in links)
        return items

    async def crawl_urls(self, urls: Iterable[str], source: Source) -> Summary:
        items = [_Item(u, source) for u in (canonicalize(x) for x in urls) if u is not None]
        await self.crawl_items(items)
        return self.summary

    async def crawl_links(self, links: Iterable[Link], source: Source) -> Summary:
        return await self.crawl_urls((link.url for link in links), source)

    async def crawl_pages(
        self,
        pages: AsyncIterator[Page],
        source: Source,
        *,
        sources: Mapping[str, Source] | None = None,
        count_fetched: bool = True,
    ) -> Summary:
        """Process already fetched pages (a WARC file): no fetching, same stages after it.

        A page is processed and recorded as of ``sources[page.source]`` when ``sources``
        names its source, else as of ``source``. ``count_fetched=False``: the pages were
        counted as fetched already (by :meth:`fetch_sources`)."""

        def source_of(page: Page) -> Source:
            return sources.get(page.source, source) if sources else source

        def counted(page: Page) -> Page:
            self.progress.add_total(1)
            if count_fetched:
                self.summary.fetched += 1
            return page

        writes: asyncio.Queue[tuple[Page, Source, Analysed] | None] = asyncio.Queue(
            self.options.queue_size
        )
        writer = asyncio.create_task(self._writer(writes))
        try:
            ordered = self._in_order(
                pages, lambda page: self._analyse(counted(page), source_of(page))
            )
            async with aclosing(ordered):
                async for page, analysed in ordered:
                    await writes.put((page, source_of(page), analysed))
        finally:
            await writes.put(None)
            await writer
            await self._flush()
        return self.summary

    async def learn_pages(
        self,
        pages: AsyncIterator[Page],
        *,
        on_page: Callable[[LearnOutcome], None] | None = None,
    ) -> LearnSummary:
        """The learning pass of a learn-first run: count the blocks of every article page
        among ``pages`` into its host's profile, storing no article and changing no frontier
        entry. Each page is extracted with an empty profile (the blocks of its article's
        region, as on a cold start); it counts when the online crawl would have counted it:
        an article (not a copy, exact or near, of one met earlier in the pass) that the
        store does not have yet. Pages are streamed; ``on_page`` hears of each. Raises
        ``ConfigError`` when learning is off."""
        learn = self.learn
        if learn is None:
            raise ConfigError("learning first needs site learning on (learn.enabled)")
        threshold = float(getattr(self.store, "threshold", NEAR_DUP_THRESHOLD))
        seen = SeenArticles(threshold=threshold)
        summary = LearnSummary()
        ordered = self._in_order(pages, self._analyse_cold)
        async with aclosing(ordered):
            async for page, analysed in ordered:
                outcome = await self._count_first(page, analysed, seen, learn)
                summary.add(host_of(page.final_url or page.url), outcome)
                if on_page is not None:
                    on_page(outcome)
        return summary

    async def _analyse_cold(self, page: Page) -> Analysed:
        host = host_of(page.final_url or page.url)
        # the timezone only changes dates: not what is learnt
        return await self._analyse(page, _COLD, profile=HostProfile(host, 0, frozenset()))

    async def _count_first(
        self, page: Page, analysed: Analysed, seen: SeenArticles, learn: LearnSettings
    ) -> LearnOutcome:
        if not isinstance(analysed, Article) or not analysed.page_blocks:
            return LearnOutcome.NOT_ARTICLE
        repeated = seen.match(analysed)
        if repeated is not None:
            return repeated
        seen.add(analysed)
        keys = {analysed.url_key}
        canonical = canonicalize(page.url)
        if canonical is not None:
            keys.add(url_key(canonical))
        known = await self._with_store_retry(functools.partial(self.store.frontier, sorted(keys)))
        if any(entry.article_id is not None for entry in known.values()):
            return LearnOutcome.KNOWN
        if await self._with_store_retry(functools.partial(self.store.has_copy, analysed)):
            return LearnOutcome.KNOWN  # a copy, under another URL, of an article stored before
        call = functools.partial(
            count_blocks, self.store, analysed, page, settings=learn, now=self.options.clock()
        )
        await self._with_store_retry(call)
        return LearnOutcome.COUNTED

    async def _in_order(
        self, pages: AsyncIterator[Page], analyse_one: Callable[[Page], Awaitable[_T]]
    ) -> AsyncGenerator[tuple[Page, _T], None]:
        """``(page, analyse_one(page))`` in the order of ``pages``, with up to
        ``options.analyse_ahead`` pages analysed at once (memory stays bounded). Closes
        ``pages`` when done or stopped early."""
        ahead: deque[tuple[Page, asyncio.Future[_T]]] = deque()
        window = max(1, self.options.analyse_ahead)
        try:
            async for page in pages:
                ahead.append((page, asyncio.ensure_future(analyse_one(page))))
                if len(ahead) >= window:
                    first, task = ahead.popleft()
                    yield first, await task
            while ahead:
                first, task = ahead.popleft()
                yield first, await task
        finally:
            for _, task in ahead:
                task.cancel()
            await asyncio.gather(*(task for _, task in ahead), return_exceptions=True)
            close = getattr(pages, "aclose", None)
            if close is not None:
                await close()

    # -- stages -------------------------------------------------------------------------------

    async def crawl_items(self, items: list[_Item], *, spool: PageSink | None = None) -> None:
        unique = list({url_key(i.url): i for i in items}.items())
        self.summary.discovered += len(unique)
        entries = await asyncio.to_thread(self.store.frontier, [k for k, _ in unique])
        now = self.options.clock()
        due: list[_Item] = []
        for key, item in unique:
            entry = entries.get(key)
            if entry is not None and not entry.due(now, force=self.options.force):
                self.summary.skipped_not_due += 1
                continue
            due.append(replace(item, entry=entry))
        self.progress.add_total(len(due))
        todo: asyncio.Queue[_Item | None] = asyncio.Queue()
        for item in due:
            todo.put_nowait(item)
        writes: asyncio.Queue[tuple[Page, Source, Analysed] | None] = asyncio.Queue(
            self.options.queue_size
        )
        writer = asyncio.create_task(self._writer(writes))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.concurrency, len(due)) or 1):
                    todo.put_nowait(None)
                    group.create_task(self._fetch_worker(todo, writes, spool))
        finally:
            await writes.put(None)
            await writer
            await self._flush()

    async def _fetch_worker(
        self,
        todo: asyncio.Queue[_Item | None],
        writes: asyncio.Queue[tuple[Page, Source, Analysed] | None],
        spool: PageSink | None = None,
    ) -> None:
        while (item := await todo.get()) is not None:
            request = self._request(item)
            result = await self.fetcher.fetch(request)
            if isinstance(result, FetchFailure):
                await self._finish(failure_result(result), item.source, None)
                continue
            page = replace(result, headers=dict(result.headers), source=item.source.name)
            self.summary.fetched += 1
            if page.not_modified:
                outcome = Result(
                    item.url,
                    OutcomeKind.UNCHANGED,
                    reason="not_modified",
                    article_id=item.entry.article_id if item.entry else None,
                )
                await self._finish(outcome, item.source, page)
                continue
            if self.page_sink is not None:
                await asyncio.to_thread(self.page_sink.write, page)
            if spool is not None:
                await asyncio.to_thread(spool.write, page)
                continue
            await writes.put((page, item.source, await self._analyse(page, item.source)))

    def _request(self, item: _Item) -> FetchRequest:
        etag, last_modified = item.entry.validators() if item.entry else (None, None)
        return FetchRequest(
            url=item.url,
            source=item.source.name,
            etag=etag,
            last_modified=last_modified,
            user_supplied=False,
        )

    async def _analyse(
        self, page: Page, source: Source, *, profile: HostProfile | None = None
    ) -> Analysed:
        options = NormalizeOptions(default_tz=source.timezone)
        now = self.options.clock()
        if profile is None and self.learn is not None:
            profile = await self._profile(page)
        loop = asyncio.get_running_loop()
        if self.executor is not None:
            return await loop.run_in_executor(
                self.executor, analyse_in_worker, page, options, now, profile
            )
        call = functools.partial(
            analyse, page, rules=self.rules, options=options, now=now, profile=profile
        )
        return await asyncio.to_thread(call)

    async def _profile(self, page: Page) -> HostProfile:
        """The host's learnt chrome, reloaded from the store every few learnt pages."""
        assert self.learn is not None
        host = host_of(page.final_url or page.url)
        cached = self._profiles.get(host)
        if cached is None:
            learn = self.learn
            cached = await asyncio.to_thread(
                self.store.site_profile,
                host,
                min_pages=learn.min_pages,
                min_share=learn.min_share,
            )
            self._profiles[host] = cached
        return cached

    async def _learn(self, result: Result, analysed: Analysed, page: Page) -> None:
        if self.learn is None or not self.options.count_blocks:
            return
        call = functools.partial(
            learn_from,
            self.store,
            result,
            analysed,
            page,
            settings=self.learn,
            now=self.options.clock(),
        )
        try:
            counted = await asyncio.to_thread(call)
        except StoreUnavailable as exc:
            log.warning("learn.skipped", url=page.url, error=str(exc))
            return
        if counted:
            host = host_of(page.final_url or page.url)
            self._learnt[host] += 1
            if self._learnt[host] % self.learn.refresh_pages == 0 or self._learnt[host] <= (
                self.learn.min_pages
            ):
                self._profiles.pop(host, None)

    async def _writer(self, writes: asyncio.Queue[tuple[Page, Source, Analysed] | None]) -> None:
        while (job := await writes.get()) is not None:
            page, source, analysed = job
            result = await self._with_store_retry(
                functools.partial(
                    settle,
                    self.store,
                    analysed,
                    page,
                    priority=source.priority,
                    now=self.options.clock(),
                )
            )
            if result.url != page.url:
                result = replace(result, url=page.url)
            await self._publish(result)
            await self._learn(result, analysed, page)
            await self._finish(result, source, page)

    async def _publish(self, result: Result) -> None:
        """Put a committed change on the change stream; an unreachable stream is logged (the
        article is stored; ``ingest.events.backfill`` can republish it)."""
        if result.kind not in (OutcomeKind.STORED, OutcomeKind.UPDATED):
            return
        try:
            await asyncio.to_thread(
                publish_settled, self.events, self.store, [result], owed=self._published
            )
        except StreamUnavailable as exc:
            log.warning("events.unpublished", url=result.url, error=str(exc))

    async def _with_store_retry(self, call: Callable[[], _T]) -> _T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.store_retry_time
        delay = 0.2
        while True:
            try:
                return await asyncio.to_thread(call)
            except StoreUnavailable:
                if loop.time() + delay > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _finish(self, result: Result, source: Source, page: Page | None) -> None:
        self.summary.add(result)
        self.progress.advance(result)
        update = frontier_update(
            result,
            source=source.name,
            now=self.options.clock(),
            recrawl_after=timedelta(seconds=source.recrawl_after),
            page=page,
        )
        if update is not None:
            self._updates.append(update)
            if len(self._updates) >= self.options.record_batch:
                await self._flush()

    async def _flush(self) -> None:
        """Write the pending frontier updates in one transaction, and forget the outbox rows
        of the changes published since the last batch."""
        published, self._published = self._published, {}
        if published:
            try:
                await asyncio.to_thread(self.store.published, published)
            except StoreUnavailable as exc:  # the rows stay: relayed again, not lost
                log.warning("events.outbox_kept", changes=len(published), error=str(exc))
        batch, self._updates = self._updates, []
        if not batch:
            return

        def call() -> Result:
            self.store.record(batch)
            return Result(batch[-1].url, OutcomeKind.UNCHANGED)

        await self._with_store_retry(call)
