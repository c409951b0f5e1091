"""The SQL store (SQLAlchemy Core) for SQLite and PostgreSQL.

One transaction per article. Writes are keyed by ``url_key`` so a repeated task changes
nothing. On PostgreSQL, transaction-scoped advisory locks on the article's URL key, content
hash and LSH band keys serialise writers that could otherwise race into two clusters.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from ingest.dedup.decide import (
    NEAR_DUP_THRESHOLD,
    Candidate,
    Member,
    canonical_member,
    matching_clusters,
)
from ingest.dedup.keys import band_keys
from ingest.errors import StoreUnavailable
from ingest.extract.profile import HostProfile
from ingest.model import Article, Block, Image, MovedArticle, OutcomeKind, PageBlock, Result
from ingest.store import migrate, sites
from ingest.store.base import (
    ArticleQuery,
    FrontierEntry,
    FrontierUpdate,
    OutboxEntry,
    StoredArticle,
    Version,
)
from ingest.store.engine import lock_conflict, read_connection, write_transaction
from ingest.store.schema import (
    article_versions,
    articles,
    change_outbox,
    clusters,
    frontier,
    lsh_bands,
)
from ingest.store.search import (
    SearchHit,
    SourceStats,
    parse_query,
    render_snippet,
    text_search_for,
)

__all__ = ["SqlStore"]

_CHUNK = 500  # bound on the number of parameters in one IN (...) list
_CONFLICT_RETRIES = 4  # runs of a save that PostgreSQL aborted to break a lock cycle


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _blocks_json(blocks: Sequence[Block]) -> str:
    return _dumps([[b.kind, b.level, b.text] for b in blocks])


def _blocks_from(raw: str) -> tuple[Block, ...]:
    return tuple(Block(kind=k, level=lvl, text=t) for k, lvl, t in json.loads(raw))


def _images_json(images: Sequence[Image]) -> str:
    return _dumps([{"url": i.url, "caption": i.caption, "credit": i.credit} for i in images])


def _images_from(raw: str) -> tuple[Image, ...]:
    return tuple(Image(d["url"], d.get("caption"), d.get("credit")) for d in json.loads(raw))


class SqlStore:
    """:class:`ingest.store.base.Store` over an SQLAlchemy engine.

    The constructor only keeps its arguments; call :meth:`upgrade` to create the schema.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        near_duplicate_threshold: float = NEAR_DUP_THRESHOLD,
        outbox: bool = False,
    ) -> None:
        self.engine = engine
        self.threshold = near_duplicate_threshold
        #: Record every change cursor in ``change_outbox`` (the change stream is on).
        self.outbox = outbox
        self._sqlite = engine.dialect.name == "sqlite"

    # -- plumbing -----------------------------------------------------------------------------

    def upgrade(self) -> list[int]:
        return migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    def _read(self) -> AbstractContextManager[Connection]:
        return read_connection(self.engine)

    def _lock(self, conn: Connection, keys: Sequence[str]) -> None:
        if self._sqlite:
            return  # BEGIN IMMEDIATE already serialises writers
        conn.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
                "FROM (SELECT DISTINCT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS s"
            ),
            {"keys": sorted(set(keys))},
        )

    def _next_seq(self, conn: Connection) -> int:
        if self._sqlite:
            current = conn.execute(select(func.coalesce(func.max(articles.c.seq), 0))).scalar_one()
            return int(current) + 1
        return int(conn.execute(text("SELECT nextval('articles_seq')")).scalar_one())

    # -- articles -----------------------------------------------------------------------------

    def save(
        self,
        article: Article,
        *,
        source_priority: int = 0,
        now: datetime,
        once_per_fetch: bool = False,
    ) -> Result:
        """Deduplicate and store one article in one transaction; see ``docs/dedup.md``.

        With ``once_per_fetch``, saving the same fetch again (same URL and ``fetched_at``: a
        task delivered twice) changes nothing and answers ``unchanged`` (reason
        ``same_fetch``), even when the second extraction differs from the first (site learning
        may have grown in between). Re-processing an archive wants the opposite, so it is
        off by default.

        On PostgreSQL two writers merging the same clusters can each hold a cluster lock the
        other needs; the database then aborts one of them, which is run again (up to
        ``_CONFLICT_RETRIES`` times): the transaction rolled back whole."""
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                return self._save(
                    article, source_priority=source_priority, now=now, once_per_fetch=once_per_fetch
                )
            except StoreUnavailable as exc:
                if attempt == _CONFLICT_RETRIES or not lock_conflict(exc):
                    raise
                time.sleep(random.uniform(0.0, 0.05 * (attempt + 1)))  # jitter: not in step again
        raise AssertionError("unreachable")

    def _save(
        self, article: Article, *, source_priority: int, now: datetime, once_per_fetch: bool
    ) -> Result:
        bands = band_keys(article.fingerprint)
        with self._write() as conn:
            self._lock(conn, [f"u:{article.url_key}", f"h:{article.content_hash}", *bands])
            row = conn.execute(
                select(
                    articles.c.id,
                    articles.c.content_hash,
                    articles.c.cluster_id,
                    articles.c.version,
                    articles.c.fetched_at,
                ).where(articles.c.url_key == article.url_key)
            ).first()
            if row is not None:
                result = self._refetched(
                    conn, article, row, bands, now, once_per_fetch=once_per_fetch
                )
                self._stamp(conn, result, now)
                return result
            dup = conn.execute(
                select(articles.c.id, articles.c.cluster_id)
                .where(articles.c.content_hash == article.content_hash)
                .order_by(articles.c.id)
                .limit(1)
            ).first()
            if dup is not None:
                return Result(
                    article.url,
                    OutcomeKind.DUPLICATE,
                    reason="same_content",
                    duplicate_of=dup.id,
                    cluster_id=dup.cluster_id,
                )
            result = self._insert(conn, article, bands, source_priority, now)
            self._stamp(conn, result, now)
            return result

    def _stamp(self, conn: Connection, result: Result, now: datetime) -> None:
        """Give the articles a save changed their change cursors, last in its transaction and,
        on PostgreSQL, under one lock held until commit: cursors are then issued in commit
        order, so a reader that has seen cursor N has seen every change below N (incremental
        exports and the change stream have no gaps). Every row stamped here is already locked
        by this transaction, so holding the lock never waits for another writer's rows. With
        the outbox on, each cursor also gets its ``change_outbox`` row here, in the same
        transaction: a change is committed with the record that its event is owed."""
        if result.article_id is None or result.kind not in (
            OutcomeKind.STORED,
            OutcomeKind.UPDATED,
        ):
            return
        self._lock(conn, ["change-cursor"])
        kind = "stored" if result.kind is OutcomeKind.STORED else "updated"
        changed = [(result.article_id, kind)]
        changed += [(m.article_id, "reclustered") for m in result.moved]
        for article_id, change in changed:
            seq = self._next_seq(conn)
            conn.execute(update(articles).where(articles.c.id == article_id).values(seq=seq))
            if self.outbox:
                conn.execute(
                    insert(change_outbox).values(
                        seq=seq, article_id=article_id, kind=change, created_at=now
                    )
                )

    def has_copy(self, article: Article) -> bool:
        with self._read() as conn:
            same = conn.execute(
                select(articles.c.id)
                .where(articles.c.content_hash == article.content_hash)
                .limit(1)
            ).first()
            if same is not None:
                return True
            candidates = self._candidates(conn, 0, band_keys(article.fingerprint))
        return bool(matching_clusters(article.fingerprint, candidates, threshold=self.threshold))

    def _values(self, article: Article) -> dict[str, Any]:
        return {
            "url": article.url,
            "canonical_url": article.canonical_url,
            "source": article.source,
            "title": article.title,
            "lead": article.lead,
            "body": article.body,
            "blocks": _blocks_json(article.blocks),
            "authors": _dumps(list(article.authors)),
            "published": article.published,
            "modified": article.modified,
            "language": article.language,
            "site_name": article.site_name,
            "section": article.section,
            "tags": _dumps(list(article.tags)),
            "images": _images_json(article.images),
            "word_count": article.word_count,
            "reading_time": article.reading_time,
            "fetched_at": article.fetched_at,
            "content_hash": article.content_hash,
            "fingerprint": article.fingerprint,
            "strategy": article.strategy,
            "provenance": _dumps(dict(article.provenance)),
            "dropped": _dumps(list(article.dropped)),
        }

    def _add_version(self, conn: Connection, article_id: int, version: int, a: Article) -> None:
        conn.execute(
            article_versions.insert().values(
                article_id=article_id,
                version=version,
                title=a.title,
                lead=a.lead,
                body=a.body,
                blocks=_blocks_json(a.blocks),
                content_hash=a.content_hash,
                fetched_at=a.fetched_at,
            )
        )

    def _insert(
        self, conn: Connection, a: Article, bands: list[str], priority: int, now: datetime
    ) -> Result:
        new_id = conn.execute(
            articles.insert()
            .values(
                url_key=a.url_key,
                source_priority=priority,
                cluster_id=0,
                version=1,
                created_at=now,
                updated_at=now,
                **self._values(a),
            )
            .returning(articles.c.id)
        ).scalar_one()
        self._add_version(conn, new_id, 1, a)
        cluster_id, moved = self._cluster(conn, new_id, a, bands, now)
        return Result(
            a.url,
            OutcomeKind.STORED,
            article_id=new_id,
            cluster_id=cluster_id,
            version=1,
            moved=moved,
        )

    def _refetched(
        self,
        conn: Connection,
        a: Article,
        row: Row[Any, Any, Any, Any, Any],
        bands: list[str],
        now: datetime,
        *,
        once_per_fetch: bool,
    ) -> Result:
        same_fetch = once_per_fetch and row.fetched_at == a.fetched_at
        if same_fetch or row.content_hash == a.content_hash:
            return Result(
                a.url,
                OutcomeKind.UNCHANGED,
                reason="same_fetch" if same_fetch else "same_content",
                article_id=row.id,
                cluster_id=row.cluster_id,
                version=row.version,
            )
        version = row.version + 1
        conn.execute(
            update(articles)
            .where(articles.c.id == row.id)
            .values(version=version, updated_at=now, **self._values(a))
        )
        self._add_version(conn, row.id, version, a)
        conn.execute(lsh_bands.delete().where(lsh_bands.c.article_id == row.id))
        conn.execute(lsh_bands.insert(), [{"band_key": b, "article_id": row.id} for b in bands])
        return Result(
            a.url,
            OutcomeKind.UPDATED,
            article_id=row.id,
            cluster_id=row.cluster_id,
            version=version,
        )

    def _cluster(
        self, conn: Connection, article_id: int, a: Article, bands: list[str], now: datetime
    ) -> tuple[int, tuple[MovedArticle, ...]]:
        """Put a new article in a cluster: the one of its near-duplicates, a new one, or, when
        it matches members of several clusters, the merge of those (into the lowest id).
        Returns the cluster and the articles the merge moved (each gets a new change cursor,
        so incremental exports and the change stream see their new cluster)."""
        moved: tuple[MovedArticle, ...] = ()
        if bands:
            conn.execute(
                lsh_bands.insert(), [{"band_key": b, "article_id": article_id} for b in bands]
            )
        candidates = self._candidates(conn, article_id, bands)
        matched = matching_clusters(a.fingerprint, candidates, threshold=self.threshold)
        if not matched:
            conn.execute(
                clusters.insert().values(
                    id=article_id,
                    canonical_article_id=article_id,
                    size=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            cluster_id = article_id
        else:
            ids = self._lock_clusters(conn, matched)
            cluster_id = ids[0]
            if len(ids) > 1:
                moved = self._merge(conn, cluster_id, ids[1:])
        conn.execute(
            update(articles).where(articles.c.id == article_id).values(cluster_id=cluster_id)
        )
        if matched:
            self._refresh_cluster(conn, cluster_id, now)
        return cluster_id, moved

    def _merge(self, conn: Connection, into: int, others: list[int]) -> tuple[MovedArticle, ...]:
        """Move the members of clusters ``others`` into cluster ``into`` and drop those."""
        rows = conn.execute(
            select(articles.c.id, articles.c.version, articles.c.url)
            .where(articles.c.cluster_id.in_(others))
            .order_by(articles.c.id)
        ).all()
        conn.execute(
            update(articles).where(articles.c.cluster_id.in_(others)).values(cluster_id=into)
        )  # their new change cursors are stamped at the end of the transaction
        conn.execute(clusters.delete().where(clusters.c.id.in_(others)))
        return tuple(MovedArticle(int(r.id), int(r.version), str(r.url)) for r in rows)

    def _lock_clusters(self, conn: Connection, matched: list[Candidate]) -> list[int]:
        """Lock the clusters of the matched articles and return their current ids, lowest
        first. On PostgreSQL a concurrent merge may have moved a member since it was read, so
        the ids are re-read under the lock until they are stable."""
        article_ids = [c.article_id for c in matched]
        ids = sorted({c.cluster_id for c in matched})
        locked: set[int] = set()
        while True:
            self._lock(conn, [f"c:{i}" for i in ids if i not in locked])
            locked.update(ids)
            current = sorted(
                set(
                    conn.execute(
                        select(articles.c.cluster_id).where(articles.c.id.in_(article_ids))
                    ).scalars()
                )
            )
            if set(current) <= locked:
                return current
            ids = current

    def _refresh_cluster(self, conn: Connection, cluster_id: int, now: datetime) -> None:
        members = [
            Member(r.id, r.published, r.source_priority)
            for r in conn.execute(
                select(articles.c.id, articles.c.published, articles.c.source_priority).where(
                    articles.c.cluster_id == cluster_id
                )
            )
        ]
        conn.execute(
            update(clusters)
            .where(clusters.c.id == cluster_id)
            .values(
                size=len(members),
                updated_at=now,
                canonical_article_id=canonical_member(members),
            )
        )

    def _candidates(self, conn: Connection, article_id: int, bands: list[str]) -> list[Candidate]:
        found: dict[int, Candidate] = {}
        for start in range(0, len(bands), _CHUNK):
            chunk = bands[start : start + _CHUNK]
            rows = conn.execute(
                select(
                    articles.c.id,
                    articles.c.cluster_id,
                    articles.c.fingerprint,
                    articles.c.published,
                    articles.c.source_priority,
                )
                .select_from(lsh_bands.join(articles, articles.c.id == lsh_bands.c.article_id))
                .where(and_(lsh_bands.c.band_key.in_(chunk), articles.c.id != article_id))
                .distinct()
            )
            for r in rows:
                found[r.id] = Candidate(
                    r.id, r.cluster_id, bytes(r.fingerprint), r.published, r.source_priority
                )
        return [found[k] for k in sorted(found)]

    # -- reads --------------------------------------------------------------------------------

    def _stored(self, r: Row[Any], canonical: int | None) -> StoredArticle:
        return StoredArticle(
            id=r.id,
            url=r.url,
            canonical_url=r.canonical_url,
            source=r.source,
            title=r.title,
            lead=r.lead,
            body=r.body,
            blocks=_blocks_from(r.blocks),
            authors=tuple(json.loads(r.authors)),
            published=r.published,
            modified=r.modified,
            language=r.language,
            site_name=r.site_name,
            section=r.section,
            tags=tuple(json.loads(r.tags)),
            images=_images_from(r.images),
            word_count=r.word_count,
            reading_time=r.reading_time,
            fetched_at=r.fetched_at,
            content_hash=r.content_hash,
            cluster_id=r.cluster_id,
            is_canonical=canonical == r.id,
            version=r.version,
            strategy=r.strategy,
            provenance=json.loads(r.provenance),
            seq=r.seq,
            dropped=tuple(json.loads(r.dropped)),
        )

    def _select(self) -> Any:
        return select(articles, clusters.c.canonical_article_id).select_from(
            articles.outerjoin(clusters, clusters.c.id == articles.c.cluster_id)
        )

    def get_article(self, article_id: int) -> StoredArticle | None:
        with self._read() as conn:
            row = conn.execute(self._select().where(articles.c.id == article_id)).first()
        return None if row is None else self._stored(row, row.canonical_article_id)

    def versions(self, article_id: int) -> list[Version]:
        with self._read() as conn:
            rows = conn.execute(
                select(article_versions)
                .where(article_versions.c.article_id == article_id)
                .order_by(article_versions.c.version)
            )
            return [Version(r.version, r.title, r.content_hash, r.fetched_at, r.body) for r in rows]

    def _filtered(self, q: ArticleQuery) -> Any:
        stmt = self._select()
        if q.text:
            pattern = f"%{q.text.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(or_(articles.c.title.ilike(pattern), articles.c.body.ilike(pattern)))
        if q.source:
            stmt = stmt.where(articles.c.source == q.source)
        if q.language:
            stmt = stmt.where(articles.c.language == q.language)
        if q.published_after:
            stmt = stmt.where(articles.c.published >= q.published_after)
        if q.published_before:
            stmt = stmt.where(articles.c.published < q.published_before)
        if q.one_per_cluster:
            stmt = stmt.where(clusters.c.canonical_article_id == articles.c.id)
        if q.since_seq:
            stmt = stmt.where(articles.c.seq > q.since_seq)
        return stmt

    def query(self, q: ArticleQuery) -> list[StoredArticle]:
        if q.text:  # ranked full-text search (ingest.store.search)
            return [hit.article for hit in self.search(q)]
        order = (
            (articles.c.published.desc(), articles.c.id.desc())
            if q.newest_first
            else (articles.c.seq,)
        )
        with self._read() as conn:
            rows = conn.execute(self._filtered(q).order_by(*order).limit(q.limit))
            return [self._stored(r, r.canonical_article_id) for r in rows]

    def iter_articles(self, q: ArticleQuery, *, batch: int = 500) -> Iterator[StoredArticle]:
        """Every matching article in change-cursor order, read in batches (for exports)."""
        cursor = q.since_seq
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    self._filtered(q)
                    .where(articles.c.seq > cursor)
                    .order_by(articles.c.seq)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for r in rows:
                yield self._stored(r, r.canonical_article_id)
            cursor = rows[-1].seq

    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            n_articles = conn.execute(select(func.count()).select_from(articles)).scalar_one()
            n_clusters = conn.execute(select(func.count()).select_from(clusters)).scalar_one()
            n_versions = conn.execute(
                select(func.count()).select_from(article_versions)
            ).scalar_one()
            n_urls = conn.execute(select(func.count()).select_from(frontier)).scalar_one()
        return {
            "articles": n_articles,
            "clusters": n_clusters,
            "versions": n_versions,
            "urls": n_urls,
        }

    # -- frontier -----------------------------------------------------------------------------

    def frontier(self, url_keys: Sequence[str]) -> dict[str, FrontierEntry]:
        out: dict[str, FrontierEntry] = {}
        keys = list(dict.fromkeys(url_keys))
        with self._read() as conn:
            for start in range(0, len(keys), _CHUNK):
                rows = conn.execute(
                    select(frontier).where(frontier.c.url_key.in_(keys[start : start + _CHUNK]))
                )
                for r in rows:
                    out[r.url_key] = FrontierEntry(
                        r.url_key,
                        r.url,
                        r.source,
                        r.first_seen,
                        r.last_fetched,
                        r.next_due,
                        r.outcome,
                        r.reason,
                        r.etag,
                        r.last_modified,
                        r.attempts,
                        r.article_id,
                    )
        return out

    def record(self, updates: Sequence[FrontierUpdate]) -> None:
        """Upsert frontier rows after fetch attempts (validators are kept when not resent)."""
        latest = list({u.url_key: u for u in updates}.values())
        for start in range(0, len(latest), _CHUNK):
            self._record_chunk(latest[start : start + _CHUNK])

    def _record_chunk(self, updates: Sequence[FrontierUpdate]) -> None:
        if not updates:
            return
        with self._write() as conn:
            known = {
                r.url_key: r
                for r in conn.execute(
                    select(
                        frontier.c.url_key,
                        frontier.c.attempts,
                        frontier.c.etag,
                        frontier.c.last_modified,
                        frontier.c.article_id,
                    ).where(frontier.c.url_key.in_([u.url_key for u in updates]))
                )
            }
            for u in updates:
                values = {
                    "url": u.url,
                    "source": u.source,
                    "last_fetched": u.fetched_at,
                    "next_due": u.next_due,
                    "outcome": u.outcome,
                    "reason": u.reason,
                }
                old = known.get(u.url_key)
                if old is None:
                    conn.execute(
                        frontier.insert().values(
                            url_key=u.url_key,
                            first_seen=u.fetched_at,
                            attempts=1,
                            etag=u.etag,
                            last_modified=u.last_modified,
                            article_id=u.article_id,
                            **values,
                        )
                    )
                    continue
                conn.execute(
                    update(frontier)
                    .where(frontier.c.url_key == u.url_key)
                    .values(
                        attempts=old.attempts + 1,
                        etag=u.etag or old.etag,
                        last_modified=u.last_modified or old.last_modified,
                        article_id=u.article_id or old.article_id,
                        **values,
                    )
                )

    # -- search and exports (downstream) --------------------------------------------------------
    # Added for search, exports, the change stream and the HTTP API; see docs/downstream.md.

    def search(self, q: ArticleQuery, *, offset: int = 0) -> list[SearchHit]:
        """Ranked full-text search for ``q.text`` with ``q``'s filters; empty when the text
        holds no word. ``offset`` skips that many ranked hits."""
        terms = parse_query(q.text or "")
        if not terms:
            return []
        plan = text_search_for(self.engine.dialect.name).plan(
            self._filtered(replace(q, text=None)),
            terms,
            language=q.language,
            articles_id=articles.c.id,
        )
        with self._read() as conn:
            rows = conn.execute(plan.statement.limit(q.limit).offset(max(0, offset))).all()
        return [
            SearchHit(
                self._stored(r, r.canonical_article_id), float(r.rank), render_snippet(r.snippet)
            )
            for r in rows
        ]

    def latest(self, q: ArticleQuery, *, before_id: int | None = None) -> list[StoredArticle]:
        """Articles matching ``q``'s filters (not its text), newest stored first, keyed by id
        for cursor pagination: only ids below ``before_id`` when given."""
        stmt = self._filtered(replace(q, text=None))
        if before_id is not None:
            stmt = stmt.where(articles.c.id < before_id)
        with self._read() as conn:
            rows = conn.execute(stmt.order_by(articles.c.id.desc()).limit(q.limit)).all()
        return [self._stored(r, r.canonical_article_id) for r in rows]

    def cursors(self, article_ids: Sequence[int]) -> dict[int, int]:
        """The current change cursor (``seq``) of each given article that exists."""
        ids = sorted(set(article_ids))
        out: dict[int, int] = {}
        with self._read() as conn:
            for start in range(0, len(ids), _CHUNK):
                rows = conn.execute(
                    select(articles.c.id, articles.c.seq).where(
                        articles.c.id.in_(ids[start : start + _CHUNK])
                    )
                )
                out.update({int(r.id): int(r.seq) for r in rows})
        return out

    # -- the change stream's outbox ----------------------------------------------------------

    def published(self, cursors: Mapping[int, int]) -> None:
        """Forget the outbox rows of each article up to the cursor its published event
        carried (an event tells an article's state at that cursor, so older changes of the
        article are covered too)."""
        if not self.outbox or not cursors:
            return
        with self._write() as conn:
            for article_id, cursor in sorted(cursors.items()):
                conn.execute(
                    delete(change_outbox).where(
                        change_outbox.c.article_id == article_id, change_outbox.c.seq <= cursor
                    )
                )

    def unpublished(
        self, *, before: datetime, after: int = 0, limit: int = 1000
    ) -> list[OutboxEntry]:
        """Outbox rows recorded before ``before`` (their event still owed) with a cursor above
        ``after``, oldest first, with the article's current state (``None`` fields for an
        article deleted since)."""
        stmt = (
            select(
                change_outbox.c.seq,
                change_outbox.c.article_id,
                change_outbox.c.kind,
                articles.c.version,
                articles.c.seq.label("cursor"),
                articles.c.cluster_id,
                articles.c.url,
            )
            .select_from(
                change_outbox.outerjoin(articles, articles.c.id == change_outbox.c.article_id)
            )
            .where(change_outbox.c.created_at <= before, change_outbox.c.seq > after)
            .order_by(change_outbox.c.seq)
            .limit(limit)
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return [
            OutboxEntry(
                seq=int(r.seq),
                article_id=int(r.article_id),
                kind=str(r.kind),
                version=r.version,
                cursor=None if r.cursor is None else int(r.cursor),
                cluster_id=r.cluster_id,
                url=r.url or "",
            )
            for r in rows
        ]

    def owed_events(self) -> int:
        """How many changes still owe their stream events (outbox rows)."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(change_outbox)).scalar_one())

    def forget_outbox(self, seqs: Sequence[int]) -> None:
        """Drop outbox rows by their cursor (their article is gone)."""
        if not seqs:
            return
        with self._write() as conn:
            conn.execute(delete(change_outbox).where(change_outbox.c.seq.in_(list(seqs))))

    def cluster_members(self, cluster_id: int, *, limit: int = 50) -> list[tuple[int, str, str]]:
        """(id, source, url) of up to ``limit`` articles in a cluster, by id."""
        with self._read() as conn:
            rows = conn.execute(
                select(articles.c.id, articles.c.source, articles.c.url)
                .where(articles.c.cluster_id == cluster_id)
                .order_by(articles.c.id)
                .limit(limit)
            )
            return [(int(r.id), str(r.source), str(r.url)) for r in rows]

    def source_stats(self) -> list[SourceStats]:
        """Per source: stored articles, last fetch time and URL outcomes from the frontier."""
        counts: dict[str, int] = {}
        last: dict[str, datetime] = {}
        outcomes: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for r in conn.execute(
                select(articles.c.source, func.count()).group_by(articles.c.source)
            ):
                counts[str(r[0])] = int(r[1])
            for r in conn.execute(
                select(
                    frontier.c.source,
                    frontier.c.outcome,
                    func.count(),
                    func.max(frontier.c.last_fetched),
                ).group_by(frontier.c.source, frontier.c.outcome)
            ):
                name = str(r[0])
                outcomes.setdefault(name, {})[str(r[1] or "pending")] = int(r[2])
                if r[3] is not None and (name not in last or r[3] > last[name]):
                    last[name] = r[3]
        names = sorted({*counts, *outcomes})
        return [SourceStats(n, counts.get(n, 0), last.get(n), outcomes.get(n, {})) for n in names]

    def outcome_counts(self) -> dict[str, int]:
        """How many known URLs ended in each outcome at their last fetch (frontier)."""
        with self._read() as conn:
            rows = conn.execute(
                select(frontier.c.outcome, func.count()).group_by(frontier.c.outcome)
            ).all()
        return {str(r[0] or "pending"): int(r[1]) for r in rows}

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers a trivial query."""
        with self._read() as conn:
            conn.execute(select(1)).scalar_one()

    def cluster_info(self, cluster_id: int) -> tuple[int, int] | None:
        """(size, canonical article id) of a cluster, or None."""
        with self._read() as conn:
            row = conn.execute(
                select(clusters.c.size, clusters.c.canonical_article_id).where(
                    clusters.c.id == cluster_id
                )
            ).first()
        return None if row is None else (int(row.size), int(row.canonical_article_id))

    # -- site-aware chrome learning -----------------------------------------------------------

    def learn_site(
        self,
        host: str,
        blocks: Sequence[PageBlock],
        *,
        now: datetime,
        window: int,
        max_blocks: int,
    ) -> int:
        """Count one new page of ``host`` with its blocks; returns the host's page count."""
        with self._write() as conn:
            self._lock(conn, [f"s:{host}"])
            return sites.learn_page(
                conn, host, blocks, now=now, window=window, max_blocks=max_blocks
            )

    def site_profile(self, host: str, *, min_pages: int, min_share: float) -> HostProfile:
        with self._read() as conn:
            return sites.load_profile(conn, host, min_pages=min_pages, min_share=min_share)

    def site_summary(
        self, host: str, *, min_pages: int, min_share: float, top: int = 20
    ) -> sites.SiteSummary:
        with self._read() as conn:
            return sites.summary(conn, host, min_pages=min_pages, min_share=min_share, top=top)

    def forget_site(self, host: str) -> int:
        with self._write() as conn:
            return sites.forget(conn, host)
