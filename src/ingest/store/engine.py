"""Create SQLAlchemy engines for SQLite and PostgreSQL with sensible defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from ingest.errors import ConfigError, StoreError, StoreUnavailable

__all__ = ["make_engine", "read_connection", "refresh_statistics", "write_transaction"]

#: Every PostgreSQL statement is planned for its actual parameters: psycopg prepares repeated
#: statements, and a generic plan made while the tables were small (a sequential scan of
#: ``lsh_bands``) would otherwise be kept as they grow.
_PG_OPTIONS = "-c plan_cache_mode=force_custom_plan"
#: Tables a crawl grows fast; their planner statistics matter from the first minutes on.
_GROWING = ("articles", "article_versions", "lsh_bands", "clusters", "frontier")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Build an engine. A SQLite file's folder is created; PostgreSQL URLs use psycopg 3.

    Side effects: creates the SQLite file's parent directory. Raises :class:`ConfigError`
    for an unsupported or malformed URL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if "options" not in parsed.query:
            parsed = parsed.update_query_dict({"options": _PG_OPTIONS})
        return create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_recycle=1800,
        )
    raise ConfigError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of
    failing). Raises :class:`StoreUnavailable` when the database cannot be reached (retry),
    :class:`StoreError` for other database errors."""
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
    except OperationalError as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(f"database connection lost: {exc.orig}") from exc
        raise StoreError(f"database error: {exc.orig}") from exc


#: SQLSTATEs of a transaction PostgreSQL aborted to break a lock cycle (deadlock detected,
#: serialization failure): running it again is the remedy.
_CONFLICTS = frozenset({"40P01", "40001"})


def lock_conflict(exc: BaseException) -> bool:
    """True when ``exc`` (raised by :func:`write_transaction`) is a transaction the database
    aborted to break a lock cycle with another writer: it rolled back whole and can run again
    at once."""
    orig = getattr(exc.__cause__, "orig", None)
    return getattr(orig, "sqlstate", None) in _CONFLICTS


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads. Raises :class:`StoreUnavailable` when the database is down."""
    try:
        with engine.connect() as conn:
            yield conn
    except OperationalError as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc


def refresh_statistics(engine: Engine) -> bool:
    """``ANALYZE`` the tables a crawl grows (PostgreSQL only; returns False elsewhere).

    Until a table has statistics, PostgreSQL assumes 0.5 % of rows per value, so the
    near-duplicate lookup (42 LSH band keys) is planned as a sequential scan of ``lsh_bands``,
    which costs more with every stored article. Autovacuum fixes that only after its first
    pass, and not at all where it is off; crawls call this early on (both modes).
    Raises :class:`StoreUnavailable` when the database cannot be reached.
    """
    if engine.dialect.name != "postgresql":
        return False
    try:
        with engine.begin() as conn:
            for table in _GROWING:
                conn.execute(text(f"ANALYZE {table}"))
    except OperationalError as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc
    return True
