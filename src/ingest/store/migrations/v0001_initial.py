"""The initial schema."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

VERSION = 1
NAME = "initial"

_Id = BigInteger().with_variant(Integer(), "sqlite")


def _tables(md: MetaData) -> None:
    ts = DateTime(timezone=True)
    Table(
        "articles",
        md,
        Column("id", _Id, primary_key=True, autoincrement=True),
        Column("url_key", String(64), nullable=False, unique=True),
        Column("url", Text, nullable=False),
        Column("canonical_url", Text, nullable=False),
        Column("source", String(100), nullable=False, server_default=""),
        Column("source_priority", Integer, nullable=False, server_default="0"),
        Column("title", Text, nullable=False),
        Column("lead", Text),
        Column("body", Text, nullable=False),
        Column("blocks", Text, nullable=False),
        Column("authors", Text, nullable=False),
        Column("published", ts),
        Column("modified", ts),
        Column("language", String(16)),
        Column("site_name", Text),
        Column("section", Text),
        Column("tags", Text, nullable=False),
        Column("images", Text, nullable=False),
        Column("word_count", Integer, nullable=False),
        Column("reading_time", Integer, nullable=False),
        Column("fetched_at", ts, nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("fingerprint", LargeBinary, nullable=False),
        Column("cluster_id", _Id, nullable=False),
        Column("version", Integer, nullable=False, server_default="1"),
        Column("strategy", String(64), nullable=False, server_default=""),
        Column("provenance", Text, nullable=False, server_default="{}"),
        Column("dropped", Text, nullable=False, server_default="[]"),
        Column("created_at", ts, nullable=False),
        Column("updated_at", ts, nullable=False),
        Column("seq", _Id, nullable=False, server_default="0"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_cluster_id", "cluster_id"),
        Index("ix_articles_published", "published"),
        Index("ix_articles_seq", "seq"),
    )
    Table(
        "article_versions",
        md,
        Column("id", _Id, primary_key=True, autoincrement=True),
        Column("article_id", _Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        Column("version", Integer, nullable=False),
        Column("title", Text, nullable=False),
        Column("lead", Text),
        Column("body", Text, nullable=False),
        Column("blocks", Text, nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("fetched_at", ts, nullable=False),
        UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
    )
    Table(
        "clusters",
        md,
        Column("id", _Id, primary_key=True),
        Column("canonical_article_id", _Id, nullable=False),
        Column("size", Integer, nullable=False, server_default="1"),
        Column("created_at", ts, nullable=False),
        Column("updated_at", ts, nullable=False),
    )
    Table(
        "lsh_bands",
        md,
        Column("band_key", String(40), primary_key=True),
        Column("article_id", _Id, primary_key=True),
    )
    Table(
        "frontier",
        md,
        Column("url_key", String(64), primary_key=True),
        Column("url", Text, nullable=False),
        Column("source", String(100), nullable=False, server_default=""),
        Column("first_seen", ts, nullable=False),
        Column("last_fetched", ts),
        Column("next_due", ts),
        Column("outcome", String(32)),
        Column("reason", Text),
        Column("etag", Text),
        Column("last_modified", Text),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("article_id", _Id),
        Index("ix_frontier_source_due", "source", "next_due"),
    )
    Table(
        "jobs",
        md,
        Column("id", String(36), primary_key=True),
        Column("source", String(100)),
        Column("params", Text, nullable=False, server_default="{}"),
        Column("state", String(16), nullable=False),
        Column("created_at", ts, nullable=False),
        Column("started_at", ts),
        Column("finished_at", ts),
        Column("error", Text),
        Index("ix_jobs_state", "state"),
    )
    Table(
        "job_counts",
        md,
        Column("job_id", String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        Column("key", String(64), primary_key=True),
        Column("count", BigInteger, nullable=False, server_default="0"),
    )
    Table(
        "site_blocks",
        md,
        Column("host", String(255), primary_key=True),
        Column("fingerprint", String(32), primary_key=True),
        Column("text", Text, nullable=False),
        Column("pages", Integer, nullable=False, server_default="0"),
        Column("last_seen", ts, nullable=False),
    )


def upgrade(conn: Connection) -> None:
    md = MetaData()
    _tables(md)
    md.create_all(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS articles_seq")
