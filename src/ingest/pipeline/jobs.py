"""Jobs across workers: live counters, URL locks and the values the distributed tasks pass,
and :func:`crawl_source`, what a job crawls (in either mode).

:class:`JobTracker` keeps a running job's state in Redis (one hash of counters and a few sets
under ``<prefix>job:<id>:``) so every worker moves the same counters; each counter step is
keyed by the URL so a task that runs twice counts once. URL locks (``<prefix>url:<key>``,
``SET NX EX``) make sure a URL is in flight in one job at a time. Each enqueued URL's fetch
details are kept too (``job:<id>:targets``), so a sweep can send again what the broker lost
(:meth:`JobTracker.stall`).

:class:`Target` and :func:`encode_page`/:func:`decode_page` are the small JSON arguments of
the tasks: URLs with their validators, and pages with zlib-compressed bodies.
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from ingest.errors import TransientError
from ingest.model import FetchFailure, FetchRequest, OutcomeKind, Page, Result
from ingest.normalize.urls import canonicalize, url_key
from ingest.sources import Source
from ingest.store.base import FrontierEntry
from ingest.store.jobs import Job

if TYPE_CHECKING:
    from redis import Redis

__all__ = [
    "CoordinationUnavailable",
    "JobTracker",
    "Progress",
    "Stall",
    "Target",
    "crawl_source",
    "decode_failure",
    "decode_page",
    "due_targets",
    "encode_failure",
    "encode_page",
]

#: Response headers a processed page needs (content type for decoding, validators).
_KEEP_HEADERS = ("content-type", "etag", "last-modified", "content-language")


class CoordinationUnavailable(TransientError):
    """Redis (job counters, URL locks) could not be reached; the task can be retried."""


@dataclass(frozen=True, slots=True)
class Target:
    """One URL to fetch in a job: canonical URL, its key and the last fetch's validators."""

    url: str
    key: str
    etag: str | None = None
    last_modified: str | None = None
    article_id: int | None = None

    def request(self, source: str) -> FetchRequest:
        return FetchRequest(
            url=self.url,
            source=source,
            etag=self.etag,
            last_modified=self.last_modified,
            user_supplied=False,
        )

    def to_json(self) -> list[Any]:
        return [self.url, self.key, self.etag, self.last_modified, self.article_id]

    @classmethod
    def from_json(cls, raw: Sequence[Any]) -> Target:
        url, key, etag, last_modified, article_id = raw
        return cls(str(url), str(key), etag, last_modified, article_id)


def due_targets(
    urls: Iterable[str],
    entries: Mapping[str, FrontierEntry],
    *,
    now: datetime,
    force: bool = False,
) -> tuple[list[Target], int]:
    """The URLs due for a fetch (each canonical URL once, in order) and how many were not due.

    The same rules as the embedded crawler (``FrontierEntry.due`` and ``.validators``): a URL
    the frontier knows is skipped until ``next_due`` (unless ``force``); a refetch carries the
    validators of a successful previous fetch.
    """
    due: list[Target] = []
    skipped = 0
    for url, key in unique_keys(urls):
        entry = entries.get(key)
        if entry is None:
            due.append(Target(url=url, key=key))
        elif not entry.due(now, force=force):
            skipped += 1
        else:
            etag, last_modified = entry.validators()
            due.append(Target(url, key, etag, last_modified, entry.article_id))
    return due, skipped


def crawl_source(job: Job, sources: Mapping[str, Source]) -> Source | None:
    """What ``job`` crawls: its URLs as a source named by the job's label (with the settings of
    the configured source of that name, if any), or the configured source it names (``None``
    when there is no such source)."""
    base = sources.get(job.source or "")
    if not job.urls:
        return base
    label = job.source or "urls"
    if base is None:
        return Source(name=label, seeds=job.urls)
    return Source(
        name=label,
        seeds=job.urls,
        timezone=base.timezone,
        priority=base.priority,
        recrawl_after=base.recrawl_after,
    )


def unique_keys(urls: Iterable[str]) -> list[tuple[str, str]]:
    """``(canonical URL, url key)`` for each distinct canonical URL, first occurrence first."""
    seen: dict[str, str] = {}
    for raw in urls:
        url = canonicalize(raw)
        if url is not None:
            seen.setdefault(url_key(url), url)
    return [(url, key) for key, url in seen.items()]


# -- task payloads ----------------------------------------------------------------------------


def encode_page(page: Page) -> dict[str, Any]:
    """A page as a small JSON object; the body is zlib-compressed and base64-encoded."""
    return {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "headers": {k.lower(): v for k, v in page.headers.items() if k.lower() in _KEEP_HEADERS},
        "body": base64.b64encode(zlib.compress(page.body, 6)).decode("ascii"),
        "fetched_at": page.fetched_at.isoformat(),
        "encoding": page.encoding,
        "elapsed": page.elapsed,
        "redirects": list(page.redirects),
        "source": page.source,
    }


def decode_page(raw: Mapping[str, Any]) -> Page:
    return Page(
        url=str(raw["url"]),
        final_url=str(raw["final_url"]),
        status=int(raw["status"]),
        headers=dict(raw["headers"]),
        body=zlib.decompress(base64.b64decode(raw["body"])),
        fetched_at=datetime.fromisoformat(raw["fetched_at"]),
        encoding=raw.get("encoding"),
        elapsed=float(raw.get("elapsed", 0.0)),
        redirects=tuple(raw.get("redirects", ())),
        source=str(raw.get("source", "")),
    )


def encode_failure(failure: FetchFailure) -> dict[str, Any]:
    return {
        "url": failure.url,
        "reason": failure.reason,
        "detail": failure.detail[:500],
        "retryable": failure.retryable,
        "status": failure.status,
    }


def decode_failure(raw: Mapping[str, Any]) -> FetchFailure:
    return FetchFailure(
        url=str(raw["url"]),
        reason=str(raw["reason"]),
        detail=str(raw.get("detail", "")),
        retryable=bool(raw.get("retryable", False)),
        status=raw.get("status"),
    )


# -- live job state in Redis ------------------------------------------------------------------

# KEYS: done set, counts hash, todo set. ARGV: url key, counter names...
# Counts each name once per URL; returns {done, total, discovery_done}.
_COUNT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  for i = 2, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
end
return {redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[3]),
        tonumber(redis.call('HGET', KEYS[2], '_discovery_done') or '0')}
"""

_LOCK = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


@dataclass(frozen=True, slots=True)
class Stall:
    """A job as a sweep sees it (:meth:`JobTracker.stall`)."""

    discovery_done: bool
    #: The ``SourceRef`` JSON its URLs are fetched for (``None`` before discovery).
    source: list[Any] | None
    unsettled: list[Target]
    #: Unsettled URLs whose fetch details are not recorded (enqueued by an older version).
    unknown: int
    resent: int


@dataclass(frozen=True, slots=True)
class Progress:
    """URLs settled, URLs enqueued, and whether discovery finished enqueueing."""

    done: int
    total: int
    discovery_done: bool

    @property
    def complete(self) -> bool:
        return self.discovery_done and self.done >= self.total


def outcome_counters(result: Result) -> list[str]:
    """The counter names one settled URL moves: its kind, and ``kind:reason`` if any."""
    names = [str(result.kind)]
    if result.reason and result.kind in (
        OutcomeKind.FAILED,
        OutcomeKind.NOT_ARTICLE,
        OutcomeKind.DISALLOWED,
    ):
        names.append(f"{result.kind}:{result.reason}")
    return names


class JobTracker:
    """A running job's counters, URL sets and locks in Redis (sync client, one per process).

    Every method raises :class:`CoordinationUnavailable` when Redis fails.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        url_lock_ttl: int = 1800,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._prefix = prefix
        self._lock_ttl = url_lock_ttl
        self._count = redis.register_script(_COUNT)
        self._lock = redis.register_script(_LOCK)
        self._unlock = redis.register_script(_UNLOCK)

    def _k(self, job_id: str, part: str) -> str:
        return f"{self._prefix}job:{job_id}:{part}"

    def _url(self, key: str) -> str:
        return f"{self._prefix}url:{key}"

    def lock_urls(self, job_id: str, keys: Sequence[str]) -> list[bool]:
        """Take (or keep) each URL's lock for ``job_id``; False where another job holds it."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                self._lock(keys=[self._url(key)], args=[job_id, self._lock_ttl], client=pipe)
            return [bool(x) for x in pipe.execute()]
        except RedisError as exc:
            raise CoordinationUnavailable(f"url locks: {exc}") from exc

    def release_url(self, job_id: str, key: str) -> None:
        try:
            self._unlock(keys=[self._url(key)], args=[job_id])
        except RedisError as exc:
            raise CoordinationUnavailable(f"url locks: {exc}") from exc

    def enqueue(
        self,
        job_id: str,
        targets: Sequence[Target],
        *,
        source: Sequence[Any],
        counts: Mapping[str, int],
    ) -> None:
        """Record the URLs this job will settle (with what a fetch of each needs, so a sweep
        can send them again), the source they are fetched for and the discovery counters.
        Idempotent."""
        try:
            pipe = self._redis.pipeline(transaction=True)
            for start in range(0, len(targets), 1000):
                chunk = targets[start : start + 1000]
                pipe.sadd(self._k(job_id, "todo"), *[t.key for t in chunk])
                mapping: dict[Any, Any] = {t.key: json.dumps(t.to_json()) for t in chunk}
                pipe.hset(self._k(job_id, "targets"), mapping=mapping)
            fields: dict[Any, Any] = dict(counts)
            fields |= {"_source": json.dumps(list(source)), "_active_at": self._clock()}
            pipe.hset(self._k(job_id, "counts"), mapping=fields)
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc

    def discovery_done(self, job_id: str) -> Progress:
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(self._k(job_id, "counts"), "_discovery_done", 1)
            pipe.scard(self._k(job_id, "done"))
            pipe.scard(self._k(job_id, "todo"))
            _, done, total = pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
        return Progress(int(done), int(total), True)

    def fetched(self, job_id: str, keys: Sequence[str]) -> None:
        """Count fetched URLs (each once, however often its fetch task runs)."""
        if not keys:
            return
        names = [self._k(job_id, "fetched"), self._k(job_id, "counts"), self._k(job_id, "x")]
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                self._count(keys=names, args=[key, "fetched"], client=pipe)
            pipe.hset(self._k(job_id, "counts"), "_active_at", self._clock())
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc

    def settled(self, job_id: str, outcomes: Sequence[tuple[str, Result]]) -> None:
        """Count each URL's outcome (once per URL, however often it is settled). One round
        trip for the lot."""
        if not outcomes:
            return
        names = [self._k(job_id, "done"), self._k(job_id, "counts"), self._k(job_id, "todo")]
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key, result in outcomes:
                self._count(keys=names, args=[key, *outcome_counters(result)], client=pipe)
            pipe.hset(self._k(job_id, "counts"), "_active_at", self._clock())
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc

    def release(self, job_id: str, keys: Sequence[str]) -> Progress:
        """Release the URLs' locks (where this job holds them) and return the job's progress.
        One round trip."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                self._unlock(keys=[self._url(key)], args=[job_id], client=pipe)
            pipe.scard(self._k(job_id, "done"))
            pipe.scard(self._k(job_id, "todo"))
            pipe.hget(self._k(job_id, "counts"), "_discovery_done")
            *_, done, total, disc = pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"url locks: {exc}") from exc
        return Progress(int(done), int(total), bool(int(disc or 0)))

    def counts(self, job_id: str) -> dict[str, int]:
        """The live counters (internal fields starting with ``_`` left out), with ``total``
        (URLs enqueued) and ``done`` (URLs settled) once discovery enqueued; empty before that
        and after the keys expired."""
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hgetall(self._k(job_id, "counts"))
            pipe.scard(self._k(job_id, "todo"))
            pipe.scard(self._k(job_id, "done"))
            raw, total, done = pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
        out: dict[str, int] = {}
        for k, v in raw.items():
            name = k.decode() if isinstance(k, bytes) else str(k)
            if not name.startswith("_"):
                out[name] = int(v)
        if out:
            out |= {"total": int(total), "done": int(done)}
        return out

    def unsettled(self, job_id: str, keys: Sequence[str]) -> list[bool]:
        """For each URL key, whether the job has not settled it yet."""
        if not keys:
            return []
        try:
            done = self._redis.smismember(self._k(job_id, "done"), list(keys))
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
        return [not bool(x) for x in done]

    def active_at(self, job_id: str) -> float | None:
        """Epoch seconds of the job's last step (enqueue, fetch, settle, re-send); ``None``
        before discovery enqueued anything."""
        try:
            raw = self._redis.hget(self._k(job_id, "counts"), "_active_at")
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
        return float(raw) if raw is not None else None

    def stall(self, job_id: str) -> Stall:
        """What a sweep needs to know of a stalled job: whether discovery finished, and the
        URLs enqueued but not settled (with the source they are for)."""
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hmget(self._k(job_id, "counts"), ["_discovery_done", "_source", "resent"])
            pipe.sdiff([self._k(job_id, "todo"), self._k(job_id, "done")])
            (discovered, source, resent), missing = pipe.execute()
            keys = sorted(_text(k) for k in missing)
            raw = self._redis.hmget(self._k(job_id, "targets"), keys) if keys else []
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
        targets = [
            Target.from_json(json.loads(r)) if r else Target(url="", key=k)
            for k, r in zip(keys, raw, strict=True)
        ]
        known = [t for t in targets if t.url]
        return Stall(
            discovery_done=bool(int(discovered or 0)),
            source=json.loads(source) if source else None,
            unsettled=known,
            unknown=len(targets) - len(known),
            resent=int(resent or 0),
        )

    def resent(self, job_id: str) -> None:
        """Count one re-send of the job's unsettled URLs and restart its stall clock."""
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.hincrby(self._k(job_id, "counts"), "resent", 1)
            pipe.hset(self._k(job_id, "counts"), "_active_at", self._clock())
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc

    def cancel(self, job_id: str) -> None:
        """Flag the job cancelled (its queued tasks skip their work) and release the locks it
        holds on URLs it has not settled, so another job can crawl them at once, also those
        whose task message will never run (one the broker lost in a restart)."""
        try:
            self._redis.set(self._k(job_id, "cancelled"), 1, ex=7 * 86400)
            keys = self._redis.sdiff([self._k(job_id, "todo"), self._k(job_id, "done")])
            pipe = self._redis.pipeline(transaction=False)
            for raw in keys:
                self._unlock(keys=[self._url(_text(raw))], args=[job_id], client=pipe)
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job flags: {exc}") from exc

    def cancelled(self, job_id: str) -> bool:
        try:
            return bool(self._redis.exists(self._k(job_id, "cancelled")))
        except RedisError as exc:
            raise CoordinationUnavailable(f"job flags: {exc}") from exc

    def expire(self, job_id: str, seconds: int) -> None:
        """Let a finished job's keys expire (its counts are in the store by then)."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            for part in ("counts", "todo", "done", "fetched", "targets"):
                pipe.expire(self._k(job_id, part), seconds)
            pipe.execute()
        except RedisError as exc:
            raise CoordinationUnavailable(f"job counters: {exc}") from exc
