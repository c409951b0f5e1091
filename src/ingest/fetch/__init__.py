"""Fetching pages politely and safely: robots.txt, per-host limits, retries, SSRF guard.

Build one :class:`HttpFetcher` per process (``async with HttpFetcher(options) as f``) and
pass it on as a :class:`Fetcher`. See ``docs/fetching.md`` for the outcome codes.
"""

from __future__ import annotations

from ingest.fetch.base import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchKind,
    FetchOptions,
    HostLimiter,
    Reason,
    RobotsCache,
    RobotsEntry,
    SitemapSource,
)
from ingest.fetch.client import HttpFetcher, fetch_many
from ingest.fetch.encoding import decode_html
from ingest.fetch.guard import AddressGuard, BlockedAddressError, GuardedResolver, InvalidURLError
from ingest.fetch.limits import HostLimiterUnavailable, LocalHostLimiter, RedisHostLimiter
from ingest.fetch.policies import RetryPolicy, parse_retry_after
from ingest.fetch.robots import MemoryRobotsCache, RedisRobotsCache, RobotsDecision, RobotsPolicy

__all__ = [
    "DEFAULT_USER_AGENT",
    "AddressGuard",
    "BlockedAddressError",
    "FetchKind",
    "FetchOptions",
    "Fetcher",
    "GuardedResolver",
    "HostLimiter",
    "HostLimiterUnavailable",
    "HttpFetcher",
    "InvalidURLError",
    "LocalHostLimiter",
    "MemoryRobotsCache",
    "Reason",
    "RedisHostLimiter",
    "RedisRobotsCache",
    "RetryPolicy",
    "RobotsCache",
    "RobotsDecision",
    "RobotsEntry",
    "RobotsPolicy",
    "SitemapSource",
    "decode_html",
    "fetch_many",
    "parse_retry_after",
]
