"""Apply schema migrations in order; safe to run from several processes at once."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, MetaData, String, Table, text
from sqlalchemy.exc import OperationalError

from ingest.errors import StoreUnavailable
from ingest.store import migrations

__all__ = ["Migration", "applied_versions", "available", "upgrade"]

_LOCK_ID = 74_201_113  # advisory lock serialising migrations on PostgreSQL

_meta = MetaData()
_history = Table(
    "schema_migrations",
    _meta,
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    module: ModuleType


def available() -> list[Migration]:
    """Every migration shipped with this version of ``ingest``, oldest first."""
    found = []
    for info in pkgutil.iter_modules(migrations.__path__):
        if not info.name.startswith("v"):
            continue
        module = importlib.import_module(f"{migrations.__name__}.{info.name}")
        found.append(Migration(module.VERSION, module.NAME, module))
    return sorted(found, key=lambda m: m.version)


def applied_versions(conn: Connection) -> set[int]:
    _meta.create_all(conn, tables=[_history])
    return {row[0] for row in conn.execute(_history.select().with_only_columns(_history.c.version))}


def upgrade(engine: Engine) -> list[int]:
    """Apply pending migrations; returns the versions applied now (empty when up to date)."""
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
            done = applied_versions(conn)
            applied = []
            for migration in available():
                if migration.version in done:
                    continue
                migration.module.upgrade(conn)
                conn.execute(
                    _history.insert().values(
                        version=migration.version,
                        name=migration.name,
                        applied_at=datetime.now(UTC),
                    )
                )
                applied.append(migration.version)
            return applied
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot migrate the database: {exc.orig}") from exc
