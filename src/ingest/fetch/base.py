"""The fetch edge: options, outcome codes and the Protocols the rest of ``ingest`` sees.

Nothing here does I/O. :class:`~ingest.fetch.client.HttpFetcher` is the real implementation;
the host limiters live in :mod:`ingest.fetch.limits`, the robots.txt caches in
:mod:`ingest.fetch.robots`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ingest.errors import ConfigError
from ingest.model import FetchRequest, FetchResult

if TYPE_CHECKING:
    from ingest.settings import FetchSettings

__all__ = [
    "DEFAULT_USER_AGENT",
    "Clock",
    "FetchKind",
    "FetchOptions",
    "Fetcher",
    "HostLimiter",
    "Reason",
    "RobotsCache",
    "RobotsEntry",
    "SitemapSource",
    "Sleep",
]

DEFAULT_USER_AGENT = "ingest/0.1 (+https://github.com/ingest-news/ingest)"

#: A monotonic clock in seconds (``time.monotonic`` in production).
Clock = Callable[[], float]
#: An async sleep (``asyncio.sleep`` in production; tests pass a fake that records the delays).
Sleep = Callable[[float], Awaitable[None]]


class FetchKind(StrEnum):
    """What a fetch is for; it decides which content types are accepted before the body is read.

    ``article``: HTML only (``text/html``, ``application/xhtml+xml``), decoded with
    :func:`~ingest.fetch.encoding.decode_html` to pick the encoding.
    ``discovery``: feeds, sitemaps (also gzipped files), JSON feeds and section pages.
    ``robots``: robots.txt (any text type).
    """

    ARTICLE = "article"
    DISCOVERY = "discovery"
    ROBOTS = "robots"


class Reason(StrEnum):
    """The stable ``FetchFailure.reason`` codes. ``http_<status>`` is built from the status."""

    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    NOT_HTML = "not_html"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
    TOO_LARGE = "too_large"
    DECOMPRESSION_BOMB = "decompression_bomb"
    BAD_CONTENT_ENCODING = "bad_content_encoding"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BAD_REDIRECT = "bad_redirect"
    BLOCKED_ADDRESS = "blocked_address"
    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNAVAILABLE = "robots_unavailable"
    INVALID_URL = "invalid_url"
    PROTOCOL_ERROR = "protocol_error"
    LIMITER_UNAVAILABLE = "limiter_unavailable"


_HTML_TYPES = ("text/html", "application/xhtml+xml")
_DISCOVERY_TYPES = (
    *_HTML_TYPES,
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/plain",
    "application/gzip",
    "application/x-gzip",
    "application/octet-stream",  # sitemap.xml.gz is often served as bytes
)
_ROBOTS_TYPES = ("text/plain", "text/html", "application/octet-stream")


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Every knob of the fetcher. Times are seconds, sizes bytes.

    ``allow_networks`` lists CIDR networks that may be fetched although they are loopback,
    private or link-local (e.g. ``("127.0.0.0/8",)`` for the demo and the tests).
    ``content_types`` maps each :class:`FetchKind` to the media types it accepts; an empty
    ``Content-Type`` header is accepted and the body is sniffed instead.
    """

    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 32
    per_host_concurrency: int = 4
    per_host_delay: float = 0.0
    #: Upper bound on a robots.txt Crawl-delay, so one host cannot stall a worker for hours.
    max_crawl_delay: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_attempts: int = 4
    max_retry_time: float = 120.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_redirects: int = 10
    max_bytes: int = 10 * 1024 * 1024
    #: Decoded (decompressed) bytes allowed; defaults to ``max_bytes`` when 0.
    max_decompressed_bytes: int = 0
    #: Decoded/wire ratio above which a body that grew past ``bomb_min_bytes`` is a bomb.
    max_decompressed_ratio: float = 100.0
    bomb_min_bytes: int = 1024 * 1024
    content_types: dict[FetchKind, tuple[str, ...]] = field(
        default_factory=lambda: {
            FetchKind.ARTICLE: _HTML_TYPES,
            FetchKind.DISCOVERY: _DISCOVERY_TYPES,
            FetchKind.ROBOTS: _ROBOTS_TYPES,
        }
    )
    obey_robots: bool = True
    robots_ttl: float = 3600.0
    #: How long a robots.txt that could not be fetched (5xx, network) blocks its host.
    robots_error_ttl: float = 300.0
    robots_max_bytes: int = 512 * 1024
    allow_private: bool = False
    allow_networks: tuple[str, ...] = ()
    #: Seconds the per-process DNS cache keeps a (guard-checked) answer.
    dns_ttl: float = 60.0

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ConfigError("fetch.user_agent must name the crawler and a contact URL")
        if self.concurrency < 1 or self.per_host_concurrency < 1:
            raise ConfigError("fetch concurrency limits must be at least 1")
        if self.max_attempts < 1:
            raise ConfigError("fetch.max_attempts must be at least 1")
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"fetch.{name} must be positive: timeouts are always set")

    @property
    def decoded_cap(self) -> int:
        return self.max_decompressed_bytes or self.max_bytes

    @property
    def robots_agent(self) -> str:
        """The product token matched against robots.txt ``User-agent`` lines."""
        return self.user_agent.split("/", 1)[0].split()[0] or "ingest"

    @classmethod
    def from_settings(cls, settings: FetchSettings, **extra: object) -> FetchOptions:
        """Options from the ``fetch`` section of :class:`~ingest.settings.Settings`."""
        values: dict[str, object] = {
            "user_agent": settings.user_agent,
            "concurrency": settings.concurrency,
            "per_host_concurrency": settings.per_host_concurrency,
            "per_host_delay": settings.per_host_delay,
            "connect_timeout": settings.connect_timeout,
            "read_timeout": settings.read_timeout,
            "total_timeout": settings.total_timeout,
            "max_attempts": settings.max_attempts,
            "max_retry_time": settings.max_retry_time,
            "max_bytes": settings.max_bytes,
            "max_redirects": settings.max_redirects,
            "obey_robots": settings.obey_robots,
            "robots_ttl": settings.robots_ttl,
            "allow_networks": tuple(settings.allow_networks),
        }
        values.update(extra)
        return cls(**values)  # type: ignore[arg-type]  # keys are the dataclass fields


@runtime_checkable
class Fetcher(Protocol):
    """Fetches one URL. Never raises for a bad URL or a misbehaving server: every outcome is a
    :class:`~ingest.model.Page` or a :class:`~ingest.model.FetchFailure` with a stable reason."""

    async def fetch(
        self, request: FetchRequest, *, kind: FetchKind = FetchKind.ARTICLE
    ) -> FetchResult: ...


@runtime_checkable
class SitemapSource(Protocol):
    """Lists the ``Sitemap:`` URLs of the robots.txt governing a URL (for discovery)."""

    async def sitemaps(self, url: str) -> tuple[str, ...]: ...


class HostLimiter(Protocol):
    """Politeness per host: at most N requests in flight and a minimum delay between starts.

    ``slot`` waits until the host may be contacted and holds a slot until the block exits.
    ``defer`` pushes the host's next allowed start ``seconds`` into the future (Retry-After).
    A limiter whose shared state is unreachable raises
    :class:`~ingest.fetch.limits.HostLimiterUnavailable` (a ``TransientError``); the fetcher
    turns it into a ``limiter_unavailable`` outcome without contacting the host.
    """

    def slot(self, host: str, *, min_delay: float) -> AbstractAsyncContextManager[None]: ...

    async def defer(self, host: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class RobotsEntry:
    """A cached robots.txt answer for one origin (``scheme://host:port``).

    ``status``: ``ok`` (rules in ``text``), ``allow_all`` (4xx: no robots.txt) or
    ``disallow_all`` (5xx or unreachable: nothing may be fetched until it expires).
    """

    status: str
    text: str = ""
    detail: str = ""


class RobotsCache(Protocol):
    """Where robots.txt answers are kept between fetches, with a time to live."""

    async def get(self, origin: str) -> RobotsEntry | None: ...

    async def put(self, origin: str, entry: RobotsEntry, ttl: float) -> None: ...
