"""End-to-end crawl benchmark: embedded mode against distributed mode, in the same run.

    .venv/bin/python bench/crawl_bench.py --articles 5000 [--process-workers 1 2]

Serves the demo site (``python -m ingest.demo``) in its own process, then crawls all of it:

* embedded: ``ingest crawl --sources FILE`` (asyncio fetchers, a process pool of one process
  per CPU, SQLite);
* distributed: one fetch worker and one process worker started with the docker-compose
  commands (the process worker with ``--concurrency N`` for each N given), a fresh PostgreSQL
  database, Redis; the crawl is one ``ingest job`` and is timed from its start to its end.

Reports articles stored per second and the peak resident memory of each mode's processes
(the sum over the process tree, sampled every 0.5 s). Needs Redis (--redis, default db 14 on
127.0.0.1) and PostgreSQL's binaries: a throwaway cluster with default settings is started
(or --postgres URL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

from ingest.store.jobs import JobState  # noqa: E402
from support.celery_workers import (  # noqa: E402
    FETCH_WORKER,
    PROCESS_WORKER,
    celery_cluster,
    control_of,
    settings_of,
    throwaway_postgres,
    worker_env,
    write_sources,
)
from support.services import create_database, drop_database, free_port  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    mode: str
    articles: int
    seconds: float
    per_second: float
    peak_rss_mb: float
    processes: int


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _tree_rss(roots: list[int]) -> tuple[int, int]:
    """(bytes resident, process count) summed over ``roots`` and their descendants."""
    seen: set[int] = set()
    todo = list(roots)
    total = 0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        todo.extend(_children(pid))
    return total, len(seen)


class Sampler:
    """Samples the resident memory of some process trees in a thread; keeps the peak."""

    def __init__(self, roots: Callable[[], list[int]]) -> None:
        self.roots = roots
        self.peak = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, count = _tree_rss(self.roots())
            if rss > self.peak:
                self.peak, self.processes = rss, count
            self._stop.wait(0.5)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"demo server did not start on port {port}")


def embedded(env: dict[str, str], sources: Path, workdir: Path) -> Run:
    database = workdir / f"embedded-{uuid.uuid4().hex[:8]}.sqlite"  # a fresh store every run
    env = {**env, "INGEST_DATABASE_URL": f"sqlite:///{database}"}
    cmd = [
        str(Path(sys.executable).parent / "ingest"),
        "crawl",
        *("--sources", str(sources)),
        "--json",
        "--quiet",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    with Sampler(lambda: [proc.pid]) as sampler:
        out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"embedded crawl failed ({proc.returncode})")
    summary = json.loads(out)
    stored = int(summary["summary"]["outcomes"].get("stored", 0))
    return Run(
        "embedded (SQLite, 1 process + pool)",
        stored,
        seconds,
        stored / seconds,
        sampler.peak / 2**20,
        sampler.processes,
    )


def distributed(env: dict[str, str], workdir: Path, postgres_server: str, concurrency: int) -> Run:
    name = f"ingest_bench_{uuid.uuid4().hex[:10]}"
    env = {**env, "INGEST_DATABASE_URL": create_database(postgres_server, name)}
    try:
        with celery_cluster(env, workdir) as cluster, control_of(env) as control:
            fetch = cluster.start(FETCH_WORKER, "fetch")
            process = cluster.start(PROCESS_WORKER, "process", **{"2": str(concurrency)})
            started = time.perf_counter()
            job = control.start(source="demo")
            assert job is not None
            with Sampler(lambda: [fetch.proc.pid, process.proc.pid]) as sampler:
                while True:
                    found = control.status(job.id)
                    assert found is not None
                    if not found.active:
                        break
                    if time.perf_counter() - started > 3600:
                        raise SystemExit(f"distributed crawl did not end\n{cluster.logs()}")
                    time.sleep(0.5)
            seconds = time.perf_counter() - started
            if found.state is not JobState.FINISHED:
                raise SystemExit(f"job ended {found.state}\n{cluster.logs()}")
            stored = found.counts.get("stored", 0)
            return Run(
                f"distributed (PostgreSQL, fetch worker x2 + process worker x{concurrency})",
                stored,
                seconds,
                stored / seconds,
                sampler.peak / 2**20,
                sampler.processes,
            )
    finally:
        drop_database(postgres_server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--process-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--rounds", type=int, default=1, help="run every mode this often; the best run counts"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--postgres",
        help="an existing PostgreSQL server URL (default: a throwaway cluster started by initdb "
        "with PostgreSQL's default settings, autovacuum on)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    port, n = free_port(), args.articles
    demo = subprocess.Popen(
        [sys.executable, "-m", "ingest.demo", *("--port", str(port)), "--articles", str(n)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    signal.signal(signal.SIGTERM, _terminate)
    runs: list[Run] = []
    try:
        _wait_port(port)
        with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
            workdir = Path(tmp)
            sources = write_sources(workdir / "sources.yaml", f"http://127.0.0.1:{port}")
            prefix = f"ingest-bench:{uuid.uuid4().hex[:8]}:"
            env = worker_env(
                database_url="sqlite:///unused",
                redis_url=args.redis,
                sources_file=sources,
                workdir=workdir,
                prefix=prefix,
                visibility_timeout=3600,
                extra={"INGEST_FETCH__PER_HOST_CONCURRENCY": "32"},
            )
            settings_of(env)  # fail early on a bad setting
            with _postgres(args.postgres) as server:
                for _round in range(args.rounds):  # the modes alternate: load drifts alike
                    runs.append(embedded(env, sources, workdir))
                    print(_row(runs[-1]), flush=True)
                    for n in args.process_workers:
                        runs.append(distributed(env, workdir, server, n))
                        print(_row(runs[-1]), flush=True)
            _cleanup(args.redis, prefix)
    finally:
        os.killpg(demo.pid, signal.SIGKILL)
        demo.wait(10)
    print()
    print(_table(runs, args.articles, args.rounds))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


@contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with throwaway_postgres() as server:
        yield server.url


def _cleanup(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
    finally:
        client.close()


def _row(r: Run) -> str:
    return (
        f"{r.mode}: {r.articles} articles in {r.seconds:.1f} s = {r.per_second:.1f}/s, "
        f"peak RSS {r.peak_rss_mb:.0f} MB ({r.processes} processes)"
    )


def _best(runs: list[Run]) -> list[tuple[Run, list[Run]]]:
    """Per mode (in first-run order): the fastest run, and all its runs."""
    by_mode: dict[str, list[Run]] = {}
    for r in runs:
        by_mode.setdefault(r.mode, []).append(r)
    return [(max(rs, key=lambda r: r.per_second), rs) for rs in by_mode.values()]


def _table(runs: list[Run], articles: int, rounds: int) -> str:
    cpu = os.cpu_count()
    best = _best(runs)
    base = best[0][0].per_second
    lines = [
        f"crawl_bench: demo site with {articles} originals, {platform.machine()}, {cpu} CPUs, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"best of {rounds} alternating round(s)",
        "",
        "| mode | articles | seconds | articles/s | vs embedded | all runs (articles/s) "
        "| peak RSS (MB) | processes |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    lines.extend(
        f"| {r.mode} | {r.articles} | {r.seconds:.1f} | {r.per_second:.1f} | "
        f"{r.per_second / base:.0%} | {', '.join(f'{x.per_second:.1f}' for x in rs)} | "
        f"{max(x.peak_rss_mb for x in rs):.0f} | {r.processes} |"
        for r, rs in best
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
