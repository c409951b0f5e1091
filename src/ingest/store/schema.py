"""The current relational schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Migrations in ``ingest.store.migrations`` create and evolve it; a test checks that a database
migrated from scratch matches these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = [
    "UTCDateTime",
    "article_versions",
    "articles",
    "clusters",
    "frontier",
    "job_counts",
    "jobs",
    "lsh_bands",
    "metadata",
    "site_blocks",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; always returns aware UTC datetimes (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url_key", String(64), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False),
    Column("source", String(100), nullable=False, server_default=""),
    Column("source_priority", Integer, nullable=False, server_default="0"),
    Column("title", Text, nullable=False),
    Column("lead", Text),
    Column("body", Text, nullable=False),
    Column("blocks", Text, nullable=False),  # JSON list of [kind, level, text]
    Column("authors", Text, nullable=False),  # JSON list
    Column("published", UTCDateTime()),
    Column("modified", UTCDateTime()),
    Column("language", String(16)),
    Column("site_name", Text),
    Column("section", Text),
    Column("tags", Text, nullable=False),  # JSON list
    Column("images", Text, nullable=False),  # JSON list of objects
    Column("word_count", Integer, nullable=False),
    Column("reading_time", Integer, nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("fingerprint", LargeBinary, nullable=False),
    Column("cluster_id", Id, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("strategy", String(64), nullable=False, server_default=""),
    Column("provenance", Text, nullable=False, server_default="{}"),
    Column("dropped", Text, nullable=False, server_default="[]"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("seq", Id, nullable=False, server_default="0"),  # change cursor, grows on every write
    Index("ix_articles_content_hash", "content_hash"),
    Index("ix_articles_cluster_id", "cluster_id"),
    Index("ix_articles_published", "published"),
    Index("ix_articles_seq", "seq"),
)

article_versions = Table(
    "article_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("lead", Text),
    Column("body", Text, nullable=False),
    Column("blocks", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False),
    UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", Id, primary_key=True),  # the id of the cluster's first article
    Column("canonical_article_id", Id, nullable=False),
    Column("size", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

lsh_bands = Table(
    "lsh_bands",
    metadata,
    Column("band_key", String(40), primary_key=True),
    Column("article_id", Id, primary_key=True),
)

frontier = Table(
    "frontier",
    metadata,
    Column("url_key", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("source", String(100), nullable=False, server_default=""),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_fetched", UTCDateTime()),
    Column("next_due", UTCDateTime()),
    Column("outcome", String(32)),
    Column("reason", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("article_id", Id),
    Index("ix_frontier_source_due", "source", "next_due"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("source", String(100)),
    Column("params", Text, nullable=False, server_default="{}"),
    Column("state", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("error", Text),
    Column("runner", String(16), nullable=False, server_default="workers"),  # or "api"
    Index("ix_jobs_state", "state"),
)

job_counts = Table(
    "job_counts",
    metadata,
    Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False, server_default="0"),
)

#: Change cursors whose stream event is not published yet (only while events are on).
change_outbox = Table(
    "change_outbox",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("article_id", Id, nullable=False),
    Column("kind", String(16), nullable=False),  # stored, updated, reclustered
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_change_outbox_created_at", "created_at"),
)

site_blocks = Table(
    "site_blocks",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("text", Text, nullable=False),
    Column("pages", Integer, nullable=False, server_default="0"),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("first_page", Integer, nullable=False, server_default="0"),
    Column("last_page", Integer, nullable=False, server_default="0"),
    Index("ix_site_blocks_host_last", "host", "last_page"),
)
