"""The change stream's outbox: every change cursor the store issues while events are on gets a
row in ``change_outbox`` in the same transaction; publishing its event deletes the row, and a
relay publishes rows left behind (a worker that died between commit and publish, Redis
unreachable at that moment)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

VERSION = 5
NAME = "change_outbox"


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    ident = BigInteger().with_variant(Integer(), "sqlite")
    outbox = Table(
        "change_outbox",
        meta,
        Column("seq", ident, primary_key=True, autoincrement=False),
        Column("article_id", ident, nullable=False),
        Column("kind", String(16), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Index("ix_change_outbox_created_at", "created_at"),
    )
    meta.create_all(conn, tables=[outbox])
