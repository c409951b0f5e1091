"""Find or start the services the integration tests need."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

__all__ = [
    "ServiceUnavailable",
    "create_database",
    "drop_database",
    "ensure_postgres",
    "ensure_redis",
    "free_port",
]


class ServiceUnavailable(RuntimeError):
    pass


def _reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(host: str, port: int, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _reachable(host, port, 0.5):
            return
        if proc is not None and proc.poll() is not None:
            raise ServiceUnavailable(f"{what} exited with code {proc.returncode}")
        time.sleep(0.1)
    raise ServiceUnavailable(f"{what} did not start listening on {host}:{port}")


@contextmanager
def ensure_redis(url: str | None) -> Iterator[str]:
    url = url or "redis://127.0.0.1:6379"
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if _reachable(host, port):
        yield f"redis://{host}:{port}"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable(
            f"nothing listens on {host}:{port} and redis-server is not "
            "installed (apt-get install redis-server)"
        )
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                tmp,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait("127.0.0.1", port, proc, "throwaway redis-server")
            yield f"redis://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(10)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextmanager
def _throwaway_postgres() -> Iterator[str]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ServiceUnavailable(
            "nothing listens on 127.0.0.1:5432 and PostgreSQL's server is "
            "not installed (apt-get install postgresql)"
        )
    run_as: list[str] = []
    tmp = tempfile.mkdtemp(prefix="ingest-pg-")
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceUnavailable("running as root and no 'postgres' user exists") from exc
        shutil.chown(tmp, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = os.path.join(tmp, "data")
    subprocess.run(
        [*run_as, initdb, "-D", data, "-A", "trust", "-U", "postgres"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *run_as,
            pg_ctl,
            "-D",
            data,
            "-o",
            f"-p {port} -k {tmp} -h 127.0.0.1",
            "-l",
            os.path.join(tmp, "log"),
            "-w",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, pg_ctl, "-D", data, "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def ensure_postgres(url: str | None) -> Iterator[str]:
    url = url or "postgresql://postgres@127.0.0.1:5432/test"
    parts = urlsplit(url)
    if _reachable(parts.hostname or "127.0.0.1", parts.port or 5432):
        yield url
        return
    with _throwaway_postgres() as started:
        yield started


def _admin(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        conn.execute(sql)


def create_database(server_url: str, name: str) -> str:
    _admin(server_url, f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{name}").geturl()


def drop_database(server_url: str, name: str) -> None:
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
