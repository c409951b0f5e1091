"""Site-aware chrome learning: where in a host's page sequence each block was first and last
seen (``site_blocks.first_page``/``last_page``), so shares and ageing use page counts."""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 3
NAME = "site_learning"


def upgrade(conn: Connection) -> None:
    for column in ("first_page", "last_page"):
        conn.exec_driver_sql(
            f"ALTER TABLE site_blocks ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"
        )
    conn.exec_driver_sql("CREATE INDEX ix_site_blocks_host_last ON site_blocks (host, last_page)")
