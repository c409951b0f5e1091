"""Real ``celery worker`` subprocesses for the distributed tests, with the exact commands of
docker-compose.yml, plus throwaway Redis and PostgreSQL servers that a test may stop.

Every process is started in its own process group and killed (SIGKILL to the group) at
teardown, whatever the test did.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import redis

from ingest.cli.jobs import job_control
from ingest.errors import TransientError
from ingest.pipeline.distributed import JobControl
from ingest.settings import Settings, load_settings
from ingest.store.jobs import Job
from support.services import ServiceUnavailable, _pg_bin, _wait, free_port

__all__ = [
    "API",
    "BEAT",
    "FETCH_WORKER",
    "PROCESS_WORKER",
    "REPO",
    "Cluster",
    "ThrowawayPostgres",
    "ThrowawayRedis",
    "Worker",
    "celery_cluster",
    "control_of",
    "settings_of",
    "throwaway_postgres",
    "throwaway_redis",
    "url_locks",
    "wait_job",
    "worker_env",
    "write_sources",
]

REPO = Path(__file__).resolve().parents[2]

#: The commands docker-compose.yml runs (a unit test checks they are the same strings).
FETCH_WORKER = (
    "celery -A workers.app worker -Q fetch,discover --concurrency 2 "
    "--without-gossip --without-mingle --loglevel INFO"
)
PROCESS_WORKER = (
    "celery -A workers.app worker -Q process --concurrency 2 "
    "--without-gossip --without-mingle --loglevel INFO"
)
BEAT = "celery -A workers.app beat --schedule /data/beat/celerybeat-schedule --loglevel INFO"
MIGRATE = "ingest db upgrade"
API = "ingest serve --distributed --host 0.0.0.0 --port 8000"


def _argv(command: str, **replace: str) -> list[str]:
    parts = command.split()
    bin_dir = Path(sys.executable).parent
    parts[0] = str(bin_dir / parts[0])
    for i, part in enumerate(parts):
        if part in replace:
            parts[i] = replace[part]
    return parts


@dataclass
class Worker:
    """One running ``celery`` process group and its log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the main process and its pool children)."""
        with suppress(ProcessLookupError):  # children may outlive an exited main process
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 90.0, marker: str = " ready.") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.tail()}")
            if marker in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")


@dataclass
class Cluster:
    """The environment of a test's workers and the workers started so far."""

    env: dict[str, str]
    workdir: Path
    workers: list[Worker] = field(default_factory=list)

    def migrate(self) -> None:
        """Run the one-shot migration of docker-compose.yml (``ingest db upgrade``)."""
        done = subprocess.run(
            _argv(MIGRATE), cwd=REPO, env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{MIGRATE} failed:\n{done.stdout}\n{done.stderr}"

    def beat(self, schedule: Path) -> Worker:
        """Start beat with its schedule file under the test's directory."""
        worker = self.start(
            BEAT, "beat", wait=False, **{"/data/beat/celerybeat-schedule": str(schedule)}
        )
        worker.wait_ready(marker="beat: Starting")
        return worker

    def start(self, command: str, name: str, *, wait: bool = True, **replace: str) -> Worker:
        log = self.workdir / f"{name}-{len(self.workers)}.log"
        handle = log.open("wb")
        proc = subprocess.Popen(
            _argv(command, **replace),
            cwd=REPO,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        worker = Worker(name, proc, log)
        self.workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    def fetch_worker(self, name: str = "fetch") -> Worker:
        return self.start(FETCH_WORKER, name)

    def process_worker(self, name: str = "process", concurrency: int = 2) -> Worker:
        return self.start(PROCESS_WORKER, name, **({"2": str(concurrency)}))

    def api(self, port: int) -> Worker:
        """Start the API service's command on 127.0.0.1:``port``; ready when /health answers."""
        worker = self.start(API, "api", wait=False, **{"0.0.0.0": "127.0.0.1", "8000": str(port)})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not worker.alive():
                raise AssertionError(f"ingest serve exited early:\n{worker.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    return worker
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise AssertionError(f"ingest serve not answering after 60s:\n{worker.tail()}")

    def logs(self) -> str:
        return "\n\n".join(f"== {w.name} ({w.log})\n{w.tail()}" for w in self.workers)

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.kill()


def url_locks(redis_url: str, prefix: str) -> int:
    """How many URL locks (of any job) the keys under ``prefix`` hold."""
    client = redis.Redis.from_url(redis_url)
    try:
        return len(list(client.scan_iter(match=f"{prefix}url:*", count=1000)))
    finally:
        client.close()


def worker_env(
    *,
    database_url: str,
    redis_url: str,
    sources_file: Path,
    workdir: Path,
    prefix: str,
    visibility_timeout: int = 30,
    extra: dict[str, str] | None = None,
    options: dict[str, object] | None = None,
) -> dict[str, str]:
    """The environment of a test worker: only ``INGEST_*`` settings given here (none from the
    test process), a unique key prefix, a short visibility timeout and ``options`` (fields of
    ``WorkerOptions``) in the Celery override module."""
    config = workdir / "test_celeryconfig.py"
    config.write_text(
        "broker_transport_options = {\n"
        f"    'visibility_timeout': {visibility_timeout},\n"
        "    'unacked_restore_interval': 1,\n"
        "    'unacked_restore_throttle': 1,\n"
        "}\n" + "".join(f"ingest_{k} = {v!r}\n" for k, v in (options or {}).items())
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INGEST_", "CELERY_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src"), str(workdir)]),
            "CELERY_CONFIG_MODULE": "test_celeryconfig",
            "INGEST_DATABASE_URL": database_url,
            "INGEST_REDIS_URL": redis_url,
            "INGEST_REDIS_PREFIX": prefix,
            "INGEST_SOURCES_FILE": str(sources_file),
            "INGEST_SITES_DIR": str(workdir / "no-rules"),
            "INGEST_FETCH__ALLOW_NETWORKS": "127.0.0.0/8",
            "INGEST_FETCH__PER_HOST_CONCURRENCY": "16",
            "INGEST_FETCH__CONCURRENCY": "64",
            "INGEST_FETCH__MAX_ATTEMPTS": "2",
            "INGEST_FETCH__MAX_RETRY_TIME": "5",
            "INGEST_FETCH__CONNECT_TIMEOUT": "3",
            "INGEST_FETCH__READ_TIMEOUT": "5",
            "INGEST_FETCH__TOTAL_TIMEOUT": "8",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


@contextmanager
def celery_cluster(env: dict[str, str], workdir: Path) -> Iterator[Cluster]:
    cluster = Cluster(env, workdir)
    try:
        cluster.migrate()
        yield cluster
    finally:
        cluster.stop_all()


# -- services a test may stop ----------------------------------------------------------------


@dataclass
class ThrowawayRedis:
    """A redis-server with AOF persistence on a free port, restartable on the same port."""

    port: int
    directory: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed")
        self.proc = subprocess.Popen(
            [
                binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.directory), "--save", ""),
                *("--appendonly", "yes", "--appendfsync", "always"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait("127.0.0.1", self.port, self.proc, "throwaway redis-server")

    def stop(self) -> None:
        """Graceful shutdown (SIGTERM): the append-only file keeps every acknowledged write."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)


@contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    with tempfile.TemporaryDirectory(prefix="ingest-redis-") as tmp:
        server = ThrowawayRedis(free_port(), Path(tmp))
        server.start()
        try:
            yield server
        finally:
            server.kill()


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb), which a test can stop and start again."""

    port: int
    root: Path
    run_as: Sequence[str]
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.root / "data"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl(
            "-o",
            f"-p {self.port} -k {self.root} -h 127.0.0.1",
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ServiceUnavailable("PostgreSQL's server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="ingest-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*run_as, initdb, "-D", str(root / "data"), "-A", "trust", "-U", "postgres"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = ThrowawayPostgres(free_port(), root, run_as, pg_ctl)
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(root / "data"), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


# -- jobs ------------------------------------------------------------------------------------


def write_sources(path: Path, base_url: str, *, name: str = "demo", extra: str = "") -> Path:
    """A sources file with the demo site's feeds and sitemap index as source ``name``."""
    path.write_text(
        "sources:\n"
        f"  - name: {name}\n"
        f"    feeds: ['{base_url}/feed.xml', '{base_url}/atom.xml']\n"
        f"    sitemaps: ['{base_url}/sitemap.xml']\n"
        f"{extra}"
    )
    return path


def settings_of(env: dict[str, str]) -> Settings:
    """The settings the workers read from ``env`` (parsed the same way)."""
    return load_settings(env={k: v for k, v in env.items() if k.startswith("INGEST_")})


@contextmanager
def control_of(env: dict[str, str]) -> Iterator[JobControl]:
    """The job commands' :class:`JobControl` for the workers' settings (what `ingest job` uses)."""
    with job_control(settings_of(env)) as control:
        yield control


async def wait_job(
    control: JobControl,
    job_id: str,
    cluster: Cluster,
    *,
    within: float = 200.0,
    until: Callable[[Job], bool] | None = None,
) -> Job:
    """Poll the job (the event loop keeps serving the demo site) until it ends, or until
    ``until(job)``; fails with the workers' logs after ``within`` seconds."""
    deadline = time.monotonic() + within
    job: Job | None = None
    while time.monotonic() < deadline:
        try:
            job = await asyncio.to_thread(control.status, job_id)
        except TransientError:  # the test stopped a service on purpose
            await asyncio.sleep(0.5)
            continue
        assert job is not None, f"job {job_id} not found"
        if (until is not None and until(job)) or (until is None and not job.active):
            return job
        await asyncio.sleep(0.25)
    raise AssertionError(
        f"job {job_id} did not get there in {within}s; last seen: {job}\n{cluster.logs()}"
    )
