"""``ingest job ...``: start, follow, list and cancel crawls run by the Celery workers.

Jobs live in the one job store that beat and the HTTP API use too (``status`` and ``list``
also show jobs an embedded-mode API runs itself). Tasks are sent by name to the broker of the
settings; no worker code is imported here.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ingest.bootstrap import open_store
from ingest.cli.output import print_json
from ingest.errors import ConfigError
from ingest.pipeline.distributed import JobControl
from ingest.pipeline.distributed import job_control as connect_job_control
from ingest.settings import Settings, load_settings
from ingest.store.jobs import Job, JobState

__all__ = ["add_job_parser", "job_record", "run_job_command"]

#: Exit codes of ``job start --wait`` / ``job status --wait``.
EXIT_OK, EXIT_ENDED_BADLY, EXIT_TIMEOUT = 0, 1, 3


def add_job_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``job`` and its sub-commands to the ``ingest`` parser."""
    p = subparsers.add_parser(
        "job",
        help="distributed crawls: start, status, list, cancel, sweep",
        description="Jobs run on the Celery workers (see docs/distributed.md).",
    )
    sub = p.add_subparsers(dest="job_cmd", required=True, metavar="COMMAND")
    start = sub.add_parser("start", help="start a crawl; prints the job id")
    start.add_argument("urls", nargs="*", metavar="URL", help="article URLs to crawl")
    start.add_argument("--source", metavar="NAME", help="a source of the sources file")
    start.add_argument("--force", action="store_true", help="fetch URLs that are not due yet")
    _wait_args(start)
    status = sub.add_parser("status", help="a job's state and counters")
    status.add_argument("job_id", metavar="ID")
    _wait_args(status)
    lst = sub.add_parser("list", help="recent jobs, newest first")
    lst.add_argument("--state", action="append", choices=[str(s) for s in JobState], default=[])
    lst.add_argument("--limit", type=int, default=20)
    lst.add_argument("--json", action="store_true")
    cancel = sub.add_parser("cancel", help="cancel a job; its queued tasks do nothing")
    cancel.add_argument("job_id", metavar="ID")
    cancel.add_argument("--json", action="store_true")
    sweep = sub.add_parser(
        "sweep",
        help="send again the lost work of stalled jobs (beat does this every minute)",
        description="For each active job with no progress for the stall time: send its "
        "discovery again if it never finished, else the fetches of the URLs it has not "
        "settled (only once the broker holds none of the job's messages: until then its "
        "work may just be waiting). Safe to run at any time: nothing is stored twice.",
    )
    sweep.add_argument(
        "--stalled-after",
        type=float,
        metavar="SECONDS",
        help="seconds without progress that make a job stalled (default: the workers' "
        "stall_after; unset, 5 minutes on a Redis broker, else the visibility timeout plus "
        "the longest task)",
    )
    sweep.add_argument("--json", action="store_true")


def _wait_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", action="store_true", help="follow the job until it ends")
    p.add_argument("--timeout", type=float, default=0.0, help="give up waiting after seconds")
    p.add_argument("--json", action="store_true", help="print the job as JSON")


@contextmanager
def job_control(settings: Settings) -> Iterator[JobControl]:
    """A :class:`JobControl` over the configured store, Redis and broker; closes them after."""
    store = open_store(settings)
    try:
        with connect_job_control(settings, store.engine) as control:
            yield control
    finally:
        store.close()


def job_record(job: Job) -> dict[str, Any]:
    """A job as JSON: state, times and counters (live while the job is active)."""
    return {
        **job.to_json(),
        "urls": len(job.urls),
        "scheduled": job.scheduled,
        "runner": str(job.runner),
    }


def _line(job: Job) -> str:
    c = job.counts
    main = " ".join(
        f"{k}={c.get(k, 0)}"
        for k in (
            "discovered",
            "due",
            "fetched",
            "stored",
            "updated",
            "unchanged",
            "duplicate",
            "not_article",
            "failed",
        )
    )
    reasons = " ".join(f"{k}={v}" for k, v in sorted(c.items()) if k.startswith("failed:"))
    if c.get("resent"):  # a sweep sent work the broker had lost again
        reasons = f"resent={c['resent']} {reasons}"
    return f"{job.id}  {job.state:<9}  {job.source or '-':<20}  {main}  {reasons}".rstrip()


def _show(job: Job, args: argparse.Namespace) -> None:
    if getattr(args, "json", False):
        print_json(job_record(job))
    else:
        print(_line(job))


def _wait(control: JobControl, job: Job, timeout: float) -> Job | None:
    deadline = time.monotonic() + timeout if timeout > 0 else None
    last = ""
    while job.active:
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(1.0)
        found = control.status(job.id)
        if found is None:
            raise ConfigError(f"job {job.id} disappeared")
        job = found
        line = _line(job)
        if line != last:
            print(line, file=sys.stderr)
            last = line
    return job


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(getattr(args, "config", None), overrides=overrides)


def run_job_command(args: argparse.Namespace) -> int:
    """Run ``ingest job <command>``; returns the exit code (1: not found, refused or, with
    ``--wait``, ended other than finished; 3: ``--wait`` timed out)."""
    settings = _settings(args)
    with job_control(settings) as control:
        if args.job_cmd == "sweep":
            swept = control.sweep(stalled_after=args.stalled_after)
            if args.json:
                print_json([s.to_json() for s in swept])
            else:
                for s in swept:
                    detail = f"messages={s.messages}" if s.action == "waiting" else f"urls={s.urls}"
                    print(f"{s.job_id}  {s.action}  {detail}")
                waiting = sum(s.action == "waiting" for s in swept)
                print(
                    f"{len(swept) - waiting} stalled job(s) swept, {waiting} quiet job(s) "
                    "waiting for their messages in the broker",
                    file=sys.stderr,
                )
            return EXIT_OK
        if args.job_cmd == "list":
            jobs = control.recent(states=[JobState(s) for s in args.state], limit=args.limit)
            if args.json:
                print_json([job_record(j) for j in jobs])
            else:
                for j in jobs:
                    print(_line(j))
            return EXIT_OK
        job: Job | None
        if args.job_cmd == "start":
            if not args.source and not args.urls:
                raise ConfigError("give --source NAME or article URLs")
            job = control.start(source=args.source, urls=args.urls, force=args.force)
            if job is None:
                print(f"source {args.source} already has an active job", file=sys.stderr)
                return EXIT_ENDED_BADLY
            if not args.wait and not args.json:
                print(job.id)
                return EXIT_OK
            print(f"job {job.id} queued", file=sys.stderr)
        elif args.job_cmd == "cancel":
            job = control.cancel(args.job_id)
        else:
            job = control.status(args.job_id)
        if job is None:
            print(f"no job {args.job_id}", file=sys.stderr)
            return EXIT_ENDED_BADLY
        if getattr(args, "wait", False):
            ended = _wait(control, job, args.timeout)
            if ended is None:
                print(f"job {job.id} still active after {args.timeout}s", file=sys.stderr)
                return EXIT_TIMEOUT
            _show(ended, args)
            return EXIT_OK if ended.state is JobState.FINISHED else EXIT_ENDED_BADLY
        _show(job, args)
        return EXIT_OK
