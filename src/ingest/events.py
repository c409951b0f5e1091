"""The change stream: every stored, updated or re-clustered article as an event on a Redis Stream.

Producers (the pipeline, after the store's transaction committed) publish :class:`ChangeEvent`
values through an :class:`EventSink`. Downstream indexers read them with
:class:`StreamConsumer`, a consumer-group reader: a message is delivered to one consumer of the
group, stays pending until acknowledged, is delivered again to the same consumer after a restart
(its pending list is read first) and can be claimed by another consumer when its owner died
(``XAUTOCLAIM``). Delivery is at least once; handlers must be idempotent (key by
``article_id`` and keep the highest ``cursor``).

Stream entry fields (all strings): ``article_id``, ``version``, ``kind`` (``stored``,
``updated``, ``reclustered``), ``cursor`` (the store's change cursor, as in exports),
``cluster_id`` and ``url``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import redis
from redis.exceptions import RedisError, ResponseError

from ingest.errors import TransientError
from ingest.logs import get_logger
from ingest.model import OutcomeKind, Result
from ingest.store.base import OutboxEntry, StoredArticle

__all__ = [
    "DEFAULT_STREAM",
    "ChangeEvent",
    "ChangeKind",
    "CursorSource",
    "Delivery",
    "EventSink",
    "NullSink",
    "OutboxSource",
    "RedisStreamSink",
    "StreamConsumer",
    "StreamUnavailable",
    "backfill",
    "events_for",
    "publish_settled",
    "relay",
    "relay_owed",
]

log = get_logger(__name__)

#: Stream key (after the settings' ``redis_prefix``) used unless configured otherwise.
DEFAULT_STREAM = "changes"


class StreamUnavailable(TransientError):
    """Redis could not be reached to publish or read change events."""


class ChangeKind(StrEnum):
    STORED = "stored"  # a new article
    UPDATED = "updated"  # a new version under the same URL
    RECLUSTERED = "reclustered"  # joined a cluster, or moved into another by a merge


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    article_id: int
    version: int
    kind: ChangeKind
    cursor: int
    cluster_id: int | None = None
    url: str = ""

    def fields(self) -> dict[str, str]:
        """The stream entry's fields."""
        return {
            "article_id": str(self.article_id),
            "version": str(self.version),
            "kind": str(self.kind),
            "cursor": str(self.cursor),
            "cluster_id": "" if self.cluster_id is None else str(self.cluster_id),
            "url": self.url,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> ChangeEvent:
        """Parse a stream entry; raises ``KeyError``/``ValueError`` for a malformed one."""
        cluster = fields.get("cluster_id", "")
        return cls(
            article_id=int(fields["article_id"]),
            version=int(fields["version"]),
            kind=ChangeKind(fields["kind"]),
            cursor=int(fields["cursor"]),
            cluster_id=int(cluster) if cluster else None,
            url=fields.get("url", ""),
        )


def events_for(
    result: Result, cursor: int, moved_cursors: Mapping[int, int] | None = None
) -> list[ChangeEvent]:
    """The events one settled :class:`Result` causes: none for unchanged, duplicate, failed
    and not-article outcomes; a ``reclustered`` event follows ``stored`` when the new article
    joined an existing cluster, and one for each article a cluster merge moved into its cluster
    (with that article's own cursor from ``moved_cursors``)."""
    if result.article_id is None or result.kind not in (OutcomeKind.STORED, OutcomeKind.UPDATED):
        return []
    kind = ChangeKind.STORED if result.kind is OutcomeKind.STORED else ChangeKind.UPDATED
    base = ChangeEvent(
        article_id=result.article_id,
        version=result.version or 1,
        kind=kind,
        cursor=cursor,
        cluster_id=result.cluster_id,
        url=result.url,
    )
    events = [base]
    if kind is ChangeKind.STORED and result.cluster_id not in (None, result.article_id):
        events.append(
            ChangeEvent(
                article_id=result.article_id,
                version=base.version,
                kind=ChangeKind.RECLUSTERED,
                cursor=cursor,
                cluster_id=result.cluster_id,
                url=result.url,
            )
        )
    for m in result.moved:
        moved_cursor = (moved_cursors or {}).get(m.article_id)
        if moved_cursor is not None:  # None: the article is gone (deleted since)
            events.append(
                ChangeEvent(
                    article_id=m.article_id,
                    version=m.version,
                    kind=ChangeKind.RECLUSTERED,
                    cursor=moved_cursor,
                    cluster_id=result.cluster_id,
                    url=m.url,
                )
            )
    return events


class EventSink(Protocol):
    """Where change events go. Called after the store's transaction committed."""

    def publish(self, events: Sequence[ChangeEvent]) -> None: ...

    def close(self) -> None: ...


class CursorSource(Protocol):
    """The store as the publisher needs it: current cursors, and the outbox rows to forget
    once their events are on the stream."""

    def cursors(self, article_ids: Sequence[int]) -> dict[int, int]: ...

    def published(self, cursors: Mapping[int, int]) -> None: ...


class OutboxSource(CursorSource, Protocol):
    def unpublished(
        self, *, before: datetime, after: int = 0, limit: int = 1000
    ) -> list[OutboxEntry]: ...

    def forget_outbox(self, seqs: Sequence[int]) -> None: ...


class NullSink:
    """Discards events (the default when no stream is configured)."""

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        pass

    def close(self) -> None:
        pass


def publish_settled(
    sink: EventSink,
    store: CursorSource,
    results: Iterable[Result],
    *,
    owed: dict[int, int] | None = None,
) -> int:
    """Publish the events of settled results, with each article's current change cursor read
    from ``store``. Call after the results' transactions committed. Returns events published;
    raises :class:`StreamUnavailable` when the sink cannot reach Redis.

    The store's outbox rows of the published changes are forgotten at once, or, with
    ``owed``, added there (article id -> cursor) for the caller to forget in a batch
    (``store.published(owed)``); rows left by a crash are only relayed again, never lost."""
    todo = [
        r
        for r in results
        if r.article_id is not None and r.kind in (OutcomeKind.STORED, OutcomeKind.UPDATED)
    ]
    if not todo or isinstance(sink, NullSink):
        return 0
    ids = [r.article_id for r in todo if r.article_id is not None]
    cursors = store.cursors(ids + [m.article_id for r in todo for m in r.moved])
    events = [
        e
        for r in todo
        if r.article_id in cursors
        for e in events_for(r, cursors[r.article_id], cursors)
    ]
    sink.publish(events)
    done = {e.article_id: e.cursor for e in events}
    if owed is None:
        store.published(done)
    else:
        owed.update(done)
    return len(events)


def relay(sink: EventSink, store: OutboxSource, *, before: datetime, batch: int = 1000) -> int:
    """Publish the events still owed for changes recorded in the store's outbox before
    ``before``: those of a process that died between its commit and its publish, or that
    found Redis unreachable then. Each goes out with the article's current state and cursor
    (kind as recorded; a new article in an existing cluster also gets its ``reclustered``
    event), then its outbox rows are forgotten. Returns the events published; raises
    :class:`StreamUnavailable` when the sink cannot reach Redis (the rows stay for the next
    relay). Events a slow publisher sends at the same time are repeated, never lost."""
    if isinstance(sink, NullSink):
        return 0
    count = 0
    after = 0
    while True:
        entries = store.unpublished(before=before, after=after, limit=batch)
        gone = [e.seq for e in entries if e.cursor is None]
        events: list[ChangeEvent] = []
        for e in entries:
            if e.cursor is None or e.version is None:
                continue
            kind = ChangeKind(e.kind)
            event = ChangeEvent(e.article_id, e.version, kind, e.cursor, e.cluster_id, e.url)
            events.append(event)
            if kind is ChangeKind.STORED and e.cluster_id not in (None, e.article_id):
                events.append(replace(event, kind=ChangeKind.RECLUSTERED))
        sink.publish(events)
        store.published({e.article_id: e.cursor for e in events})
        store.forget_outbox(gone)
        count += len(events)
        if len(entries) < batch:
            return count
        after = entries[-1].seq


def backfill(sink: EventSink, articles: Iterable[StoredArticle], *, batch: int = 500) -> int:
    """Publish the current state of ``articles`` (e.g. ``store.iter_articles(ArticleQuery(
    since_seq=CURSOR))``) as ``stored``/``updated`` events, in order: to fill a new stream, or
    to repair one after Redis was unreachable when changes were committed. Returns the count."""
    pending: list[ChangeEvent] = []
    count = 0
    for a in articles:
        kind = ChangeKind.STORED if a.version == 1 else ChangeKind.UPDATED
        pending.append(ChangeEvent(a.id, a.version, kind, a.seq, a.cluster_id, a.url))
        if len(pending) >= batch:
            sink.publish(pending)
            count, pending = count + len(pending), []
    if pending:
        sink.publish(pending)
        count += len(pending)
    return count


def relay_owed(sink: EventSink, store: OutboxSource, *, older_than: float = 0.0) -> int:
    """Publish the change events the store's outbox still owes (recorded more than
    ``older_than`` seconds ago); an unreachable stream or database is logged, and the events
    stay owed for the next relay. Returns the events published."""
    before = datetime.now(UTC) - timedelta(seconds=older_than)
    try:
        count = relay(sink, store, before=before)
    except TransientError as exc:
        log.warning("events.relay_failed", error=str(exc))
        return 0
    if count:
        log.info("events.relayed", events=count)
    return count


class RedisStreamSink:
    """Appends events to a Redis Stream with ``XADD`` (trimmed to about ``maxlen`` entries)."""

    def __init__(self, redis_url: str, stream_key: str, *, maxlen: int = 1_000_000) -> None:
        self.stream_key = stream_key
        self.maxlen = maxlen
        self._client = redis.Redis.from_url(
            redis_url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5
        )

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Append ``events`` in order, in one round trip. Raises :class:`StreamUnavailable`."""
        if not events:
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.xadd(
                        self.stream_key,
                        event.fields(),  # type: ignore[arg-type]  # redis-py's loose Mapping type
                        maxlen=self.maxlen,
                        approximate=True,
                    )
                pipe.execute()
        except RedisError as exc:
            raise StreamUnavailable(f"cannot publish change events: {exc}") from exc

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message read from the stream: acknowledge ``message_id`` once handled."""

    message_id: str
    event: ChangeEvent


class StreamConsumer:
    """A consumer in a consumer group of the change stream.

    ``read`` returns, in this order: this consumer's own pending messages (delivered before a
    crash or restart and never acknowledged), messages other consumers left pending for longer
    than ``claim_idle_ms`` (claimed with ``XAUTOCLAIM``), then new messages. Call ``ack`` after
    handling. Constructing it does no I/O; ``ensure_group`` creates the group (and stream).
    """

    def __init__(
        self,
        redis_url: str,
        stream_key: str,
        *,
        group: str,
        consumer: str,
        claim_idle_ms: int = 60_000,
    ) -> None:
        self.stream_key = stream_key
        self.group = group
        self.consumer = consumer
        self.claim_idle_ms = claim_idle_ms
        self._client = redis.Redis.from_url(
            redis_url, decode_responses=True, socket_timeout=None, socket_connect_timeout=5
        )
        self._own_pending_done = False

    def ensure_group(self, *, start: str = "0") -> None:
        """Create the group reading from ``start`` (``0``: the whole stream, ``$``: only new
        events) unless it exists."""
        try:
            self._client.xgroup_create(self.stream_key, self.group, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise StreamUnavailable(f"cannot create consumer group: {exc}") from exc
        except RedisError as exc:
            raise StreamUnavailable(f"cannot create consumer group: {exc}") from exc

    def read(self, *, count: int = 100, block_ms: int | None = 5000) -> list[Delivery]:
        """The next messages for this consumer (see the class docs); waits up to ``block_ms``
        for new ones (``None``: do not wait). Raises :class:`StreamUnavailable`."""
        try:
            if not self._own_pending_done:
                own = self._xreadgroup("0", count, None)
                if own:
                    return own
                self._own_pending_done = True
            claimed = self._claim(count)
            if claimed:
                return claimed
            return self._xreadgroup(">", count, block_ms)
        except RedisError as exc:
            raise StreamUnavailable(f"cannot read change events: {exc}") from exc

    def ack(self, message_ids: Sequence[str]) -> None:
        """Acknowledge handled messages: they are never delivered again."""
        if not message_ids:
            return
        try:
            self._client.xack(self.stream_key, self.group, *message_ids)
        except RedisError as exc:
            raise StreamUnavailable(f"cannot acknowledge change events: {exc}") from exc

    def consume(
        self,
        handle: Callable[[ChangeEvent], None],
        *,
        count: int = 100,
        block_ms: int = 5000,
        stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """Handle events until ``stop()`` is true, acknowledging each after ``handle``
        returned. An exception from ``handle`` propagates; that message stays pending and is
        delivered again (as are messages read but not handled when ``stop()`` turned true).
        Returns the number of events handled."""
        handled = 0
        while not stop():
            for delivery in self.read(count=count, block_ms=block_ms):
                if stop():  # the rest stay pending and come back on the next read
                    return handled
                handle(delivery.event)
                self.ack([delivery.message_id])
                handled += 1
        return handled

    def close(self) -> None:
        self._client.close()

    def _xreadgroup(self, start: str, count: int, block_ms: int | None) -> list[Delivery]:
        reply: Any = self._client.xreadgroup(
            self.group, self.consumer, {self.stream_key: start}, count=count, block=block_ms
        )
        out: list[Delivery] = []
        for _stream, messages in reply or []:
            out.extend(self._deliveries(messages))
        return out

    def _claim(self, count: int) -> list[Delivery]:
        reply: Any = self._client.xautoclaim(
            self.stream_key,
            self.group,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=count,
        )
        return self._deliveries(reply[1] if reply else [])

    def _deliveries(self, messages: Iterable[Any]) -> list[Delivery]:
        out: list[Delivery] = []
        for message_id, fields in messages:
            if not fields:  # deleted from the stream (trimmed) while pending
                self._client.xack(self.stream_key, self.group, message_id)
                continue
            out.append(Delivery(str(message_id), ChangeEvent.from_fields(fields)))
        return out
