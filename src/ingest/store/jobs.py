"""Jobs (one crawl each) in the SQL store: the ``jobs`` and ``job_counts`` tables.

The one job model of ``ingest``: the job commands, beat and the HTTP API all read and write
jobs here. A job's state moves ``queued -> running -> finished | cancelled | failed``. Its
``runner`` says who runs it: the Celery workers (counters live in Redis while it runs, see
``ingest.pipeline.jobs``) or the API process itself in embedded mode (counters live in that
process); either copies the counters here when the job ends. Every write is one transaction
and keyed by the job id, so a repeated task changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from ingest.store.engine import read_connection, write_transaction
from ingest.store.schema import job_counts, jobs

__all__ = [
    "ACTIVE_STATES",
    "Job",
    "JobRunner",
    "JobState",
    "SqlJobStore",
]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    FAILED = "failed"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobRunner(StrEnum):
    """Who runs a job: the Celery workers, or the API process (embedded mode)."""

    WORKERS = "workers"
    API = "api"


_LOCK_BASE = 74_201_200  # advisory lock namespace for "one active job per source"


@dataclass(frozen=True, slots=True)
class Job:
    """One crawl. ``urls`` is set for a crawl of given URLs instead of a source's discovery;
    ``source`` then only labels it (and lends it a configured source's settings)."""

    id: str
    source: str | None
    state: JobState
    created_at: datetime
    urls: tuple[str, ...] = ()
    force: bool = False
    scheduled: bool = False
    runner: JobRunner = JobRunner.WORKERS
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def to_json(self) -> dict[str, Any]:
        """The fields every view of a job shows (the API's and ``ingest job --json``'s)."""
        return {
            "id": self.id,
            "source": self.source,
            "state": str(self.state),
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
            "counts": dict(sorted(self.counts.items())),
        }


def _params(job: Job) -> str:
    return json.dumps(
        {"urls": list(job.urls), "force": job.force, "scheduled": job.scheduled},
        separators=(",", ":"),
    )


def _load_params(raw: str | None) -> dict[str, Any]:
    try:
        params = json.loads(raw or "{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


class SqlJobStore:
    """Jobs over an SQLAlchemy engine (the same engine as :class:`ingest.store.sql.SqlStore`).

    Raises :class:`StoreUnavailable` when the database cannot be reached.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    def _read(self) -> AbstractContextManager[Connection]:
        return read_connection(self.engine)

    # -- writes -------------------------------------------------------------------------------

    def create(self, job: Job, *, stale_after: timedelta | None = None) -> Job | None:
        """Insert ``job``. With ``stale_after``, a crawl of a source that already has an active
        crawl younger than that is refused (returns ``None``); older active crawls of the
        source are marked failed (``stale``) first. Crawls of given URLs are never refused
        (their URL locks keep two jobs off one URL). One transaction; repeating it with the
        same id returns the stored job unchanged."""
        with self._write() as conn:
            existing = self._get(conn, job.id)
            if existing is not None:
                return existing
            if stale_after is not None and job.source is not None and not job.urls:
                if not self._sqlite:
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:a, hashtext(:s))"),
                        {"a": _LOCK_BASE, "s": job.source},
                    )
                if self._blocked(conn, job.source, job.created_at - stale_after, job.created_at):
                    return None
            conn.execute(
                insert(jobs).values(
                    id=job.id,
                    source=job.source,
                    params=_params(job),
                    state=str(job.state),
                    runner=str(job.runner),
                    created_at=job.created_at,
                )
            )
        return job

    def _blocked(self, conn: Connection, source: str, oldest: datetime, now: datetime) -> bool:
        """Whether ``source`` has an active crawl (of its discovery, not of URLs) created
        after ``oldest``; older ones are marked failed first."""
        rows = [
            r
            for r in conn.execute(
                select(jobs.c.id, jobs.c.created_at, jobs.c.params).where(
                    jobs.c.source == source, jobs.c.state.in_([str(s) for s in ACTIVE_STATES])
                )
            )
            if not _load_params(r.params).get("urls")
        ]
        stale = [r.id for r in rows if r.created_at < oldest]
        if stale:
            conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(stale))
                .values(state=str(JobState.FAILED), error="stale", finished_at=now)
            )
        return len(stale) < len(rows)

    def start(self, job_id: str, *, now: datetime) -> Job | None:
        """``queued -> running``; returns the job as it is now (``None`` if unknown)."""
        with self._write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state == str(JobState.QUEUED))
                .values(state=str(JobState.RUNNING), started_at=now)
            )
            return self._get(conn, job_id)

    def finish(
        self,
        job_id: str,
        *,
        state: JobState,
        counts: Mapping[str, int],
        now: datetime,
        error: str | None = None,
    ) -> Job | None:
        """End an active job with ``state`` and its final ``counts`` (replacing any stored
        counts). A job that already ended keeps its state; its counts are still refreshed."""
        with self._write() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_([str(s) for s in ACTIVE_STATES]))
                .values(state=str(state), finished_at=now, error=error)
            )
            if counts:
                self._put_counts(conn, job_id, counts)
            return self._get(conn, job_id)

    def interrupt(self, runner: JobRunner, *, error: str, now: datetime) -> int:
        """Mark the active jobs of ``runner`` failed with ``error`` (their runner stopped);
        returns how many. An API process calls it for its own jobs when it starts."""
        with self._write() as conn:
            result = conn.execute(
                update(jobs)
                .where(
                    jobs.c.runner == str(runner),
                    jobs.c.state.in_([str(s) for s in ACTIVE_STATES]),
                )
                .values(state=str(JobState.FAILED), error=error, finished_at=now)
            )
            return int(result.rowcount or 0)

    def _put_counts(self, conn: Connection, job_id: str, counts: Mapping[str, int]) -> None:
        conn.execute(delete(job_counts).where(job_counts.c.job_id == job_id))
        conn.execute(
            insert(job_counts),
            [{"job_id": job_id, "key": k[:64], "count": int(v)} for k, v in sorted(counts.items())],
        )

    # -- reads --------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        with self._read() as conn:
            return self._get(conn, job_id)

    def _get(self, conn: Connection, job_id: str) -> Job | None:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        if row is None:
            return None
        return self._job(row, self._counts(conn, [job_id]).get(job_id, {}))

    def recent(
        self, *, states: Sequence[JobState] = (), source: str | None = None, limit: int = 50
    ) -> list[Job]:
        """Jobs, newest first."""
        q = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
        if states:
            q = q.where(jobs.c.state.in_([str(s) for s in states]))
        if source is not None:
            q = q.where(jobs.c.source == source)
        with self._read() as conn:
            rows = conn.execute(q).all()
            counts = self._counts(conn, [r.id for r in rows])
        return [self._job(r, counts.get(r.id, {})) for r in rows]

    def count_active(self, *, runner: JobRunner | None = None) -> int:
        """How many jobs are queued or running (of ``runner`` when given)."""
        q = (
            select(func.count())
            .select_from(jobs)
            .where(jobs.c.state.in_([str(s) for s in ACTIVE_STATES]))
        )
        if runner is not None:
            q = q.where(jobs.c.runner == str(runner))
        with self._read() as conn:
            return int(conn.execute(q).scalar_one())

    def _counts(self, conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        if not ids:
            return out
        rows = conn.execute(select(job_counts).where(job_counts.c.job_id.in_(list(ids))))
        for r in rows:
            out.setdefault(r.job_id, {})[r.key] = int(r._mapping["count"])
        return out

    @staticmethod
    def _job(row: Any, counts: Mapping[str, int]) -> Job:
        params = _load_params(row.params)
        return Job(
            id=row.id,
            source=row.source,
            state=JobState(row.state),
            created_at=row.created_at,
            urls=tuple(params.get("urls") or ()),
            force=bool(params.get("force", False)),
            scheduled=bool(params.get("scheduled", False)),
            runner=JobRunner(row.runner),
            started_at=row.started_at,
            finished_at=row.finished_at,
            error=row.error,
            counts=dict(counts),
        )
