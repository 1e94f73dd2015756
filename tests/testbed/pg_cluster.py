"""A PostgreSQL cluster of the test's own on loopback, made with the machine's PostgreSQL
binaries (initdb + postgres on a free port): for tests that act on every database of a server,
where the shared server on 5432 holds other tests' databases that come and go."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.testbed.services import missing_service

HOW = "install postgresql (scripts/setup --test installs it)"


def free_port() -> int:
    """A loopback TCP port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """The running cluster: trust authentication for `postgres` on 127.0.0.1:port."""

    port: int

    def sql(self, database: str, *statements: str) -> list[Any]:
        """Run statements as postgres; the last one's rows are returned."""
        rows: list[Any] = []
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            for statement in statements:
                cur = conn.execute(statement)
                rows = cur.fetchall() if cur.description else []
        return rows

    def create(self, database: str, tables: dict[str, int]) -> None:
        """A database with tables of `rows` generated rows each."""
        self.sql("postgres", f'CREATE DATABASE "{database}"')
        for table, rows in tables.items():
            self.sql(
                database,
                f"CREATE TABLE {table} (id integer PRIMARY KEY, label text)",
                f"INSERT INTO {table} SELECT g, md5(g::text) FROM generate_series(1, {rows}) g",
            )


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        missing_service("PostgreSQL server binaries (initdb, postgres)", HOW)
    return found[-1].parent


def _as_owner(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the postgres account runs it then."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _wait(cluster: Cluster, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(psycopg.OperationalError):
            cluster.sql("postgres", "SELECT 1")
            return
        time.sleep(0.2)
    raise RuntimeError(f"postgres did not answer in 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A fresh cluster for the session, removed afterwards."""
    bindir = _bindir()
    # Not under pytest's tmp dir: its top level is private to root, the postgres account
    # needs to reach the data directory.
    root = Path(tempfile.mkdtemp(prefix="jarvis-pgcluster-"))
    data, log = root / "data", root / "postgres.log"
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    subprocess.run(_as_owner([*initdb, "--no-sync"]), check=True, capture_output=True)
    cluster = Cluster(free_port())
    server = [str(bindir / "postgres"), "-D", str(data), "-p", str(cluster.port)]
    server += ["-k", str(root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    with log.open("wb") as out:
        proc = subprocess.Popen(_as_owner(server), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(cluster, proc, log)
        yield cluster
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
