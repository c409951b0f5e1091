"""One page through the CPU stages (extract, normalise) and into the store.

``analyse`` is pure and picklable-friendly so it can run in a process pool or a Celery
process worker; ``settle`` does the one write. Both modes call exactly these functions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ingest.errors import IngestError
from ingest.extract import extract
from ingest.extract.profile import HostProfile
from ingest.extract.rules import RuleSet
from ingest.fetch.encoding import decode_html
from ingest.model import (
    Article,
    FetchFailure,
    NotArticle,
    OutcomeKind,
    Page,
    Result,
)
from ingest.normalize.article import NormalizeOptions, normalize_article
from ingest.normalize.urls import canonicalize, host_of, url_key
from ingest.settings import LearnSettings
from ingest.store.base import FrontierUpdate, Store

__all__ = [
    "Analysed",
    "analyse",
    "count_blocks",
    "failure_result",
    "frontier_update",
    "learn_from",
    "settle",
]

Analysed = Article | NotArticle

#: Retry schedule for URLs that failed or were not articles (they rarely become articles).
_RETRY_FAILED = timedelta(hours=1)
_RETRY_NOT_ARTICLE = timedelta(days=7)


def page_text(page: Page) -> str:
    """The page's HTML as text, with the encoding the fetcher chose (or detected now)."""
    if page.encoding:
        return page.body.decode(page.encoding, errors="replace")
    return decode_html(page.body, page.headers.get("content-type"))[0]


def analyse(
    page: Page,
    *,
    rules: RuleSet | None = None,
    options: NormalizeOptions | None = None,
    now: datetime,
    profile: HostProfile | None = None,
) -> Analysed:
    """Extract and normalise one fetched page. Pure: no I/O, no clock (``now`` is given).

    With a ``profile`` (site-aware chrome learning), the host's learnt chrome is removed and
    the page's blocks come back on the article for the profile's update.
    Never raises for a bad page: an unusable one becomes :class:`NotArticle`.
    """
    url = page.final_url or page.url
    site_rules = rules.for_url(url) if rules is not None else None
    try:
        extracted = extract(page_text(page), url, rules=site_rules, profile=profile)
        if isinstance(extracted, NotArticle):
            return extracted
        return normalize_article(extracted, page, now=now, options=options or NormalizeOptions())
    except (IngestError, ValueError, UnicodeError, RecursionError) as exc:
        return NotArticle(reason="unparseable", detail=f"{type(exc).__name__}: {exc}")


def settle(
    store: Store,
    analysed: Analysed,
    page: Page,
    *,
    priority: int = 0,
    now: datetime,
    once_per_fetch: bool = False,
) -> Result:
    """Store an analysed page (dedup included) and return its outcome. One transaction.
    ``once_per_fetch``: see :meth:`ingest.store.sql.SqlStore.save`."""
    if isinstance(analysed, NotArticle):
        return Result(
            page.url, OutcomeKind.NOT_ARTICLE, reason=analysed.reason, detail=analysed.detail
        )
    return store.save(analysed, source_priority=priority, now=now, once_per_fetch=once_per_fetch)


def learn_from(
    store: Store,
    result: Result,
    analysed: Analysed,
    page: Page,
    *,
    settings: LearnSettings,
    now: datetime,
) -> bool:
    """Count a newly stored article's blocks in its host's profile. Only new articles that are
    not near-duplicates count, so a page or a copy of it is never counted twice (which could
    make its own text look like chrome). Returns whether the page was counted."""
    if not isinstance(analysed, Article) or not analysed.page_blocks:
        return False
    if result.kind is not OutcomeKind.STORED or result.cluster_id != result.article_id:
        return False
    count_blocks(store, analysed, page, settings=settings, now=now)
    return True


def count_blocks(
    store: Store, article: Article, page: Page, *, settings: LearnSettings, now: datetime
) -> None:
    """Count one page's blocks in its host's profile: the one write of :func:`learn_from`,
    and of a learn-first run's learning pass (``Crawler.learn_pages``), which decides itself
    which pages count. One transaction."""
    store.learn_site(
        host_of(page.final_url or page.url),
        article.page_blocks,
        now=now,
        window=settings.window,
        max_blocks=settings.max_blocks_per_host,
    )


def failure_result(failure: FetchFailure) -> Result:
    kind = (
        OutcomeKind.DISALLOWED
        if failure.reason in ("robots_disallowed", "blocked_address")
        else OutcomeKind.FAILED
    )
    return Result(failure.url, kind, reason=failure.reason, detail=failure.detail)


def frontier_update(
    result: Result,
    *,
    source: str,
    now: datetime,
    recrawl_after: timedelta,
    page: Page | None = None,
) -> FrontierUpdate | None:
    """How the frontier remembers this URL, and when it is due again. ``None`` for URLs
    that cannot be keyed (not http/https)."""
    canonical = canonicalize(result.url)
    if canonical is None:
        return None
    if result.kind in (
        OutcomeKind.STORED,
        OutcomeKind.UPDATED,
        OutcomeKind.UNCHANGED,
        OutcomeKind.DUPLICATE,
    ):
        due = now + recrawl_after
    elif result.kind is OutcomeKind.NOT_ARTICLE:
        due = now + _RETRY_NOT_ARTICLE
    else:
        due = now + _RETRY_FAILED
    keep_validators = page is not None and result.kind is not OutcomeKind.FAILED
    return FrontierUpdate(
        url_key=url_key(canonical),
        url=canonical,
        source=source,
        outcome=str(result.kind),
        reason=result.reason,
        fetched_at=now,
        next_due=due,
        etag=page.etag if keep_validators and page is not None else None,
        last_modified=page.last_modified if keep_validators and page is not None else None,
        article_id=result.article_id or result.duplicate_of,
    )
