"""A MariaDB server of the test's own on loopback, made with the machine's MariaDB binaries
(mariadb-install-db + mariadbd on a free port): for tests that act on every database of a
server, where the shared server on 3306 holds other tests' databases that come and go."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest

from tests.testbed.pg_cluster import free_port
from tests.testbed.services import missing_service

HOW = "install mariadb-server (the loopback MariaDB of the test bed)"


@dataclass(frozen=True)
class MariaDb:
    """The running server: root without a password on 127.0.0.1:port."""

    port: int

    def sql(self, database: str | None, *statements: str) -> list[Any]:
        """Run statements as root; the last one's rows are returned."""
        conn = pymysql.connect(
            host="127.0.0.1", port=self.port, user="root", database=database, autocommit=True
        )
        rows: list[Any] = []
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
                    rows = list(cur.fetchall())
        finally:
            conn.close()
        return rows

    def create(self, database: str, tables: dict[str, int]) -> None:
        """A database with tables of `rows` generated rows each."""
        self.sql(None, f"CREATE DATABASE `{database}`")
        for table, rows in tables.items():
            self.sql(
                database,
                f"CREATE TABLE {table} (id integer PRIMARY KEY, label text)",
                f"INSERT INTO {table} SELECT seq, md5(seq) FROM seq_1_to_{rows}",
            )


def _wait(server: MariaDb, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mariadbd exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(pymysql.err.OperationalError):
            server.sql(None, "SELECT 1")
            return
        time.sleep(0.2)
    raise RuntimeError(f"mariadbd did not answer in 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def mariadb_instance() -> Iterator[MariaDb]:
    """A fresh server for the session, removed afterwards."""
    install, daemon = shutil.which("mariadb-install-db"), shutil.which("mariadbd")
    if install is None or daemon is None:
        missing_service("MariaDB server binaries (mariadb-install-db, mariadbd)", HOW)
    assert install is not None and daemon is not None
    root = Path(tempfile.mkdtemp(prefix="jarvis-mariadb-"))
    data, log = root / "data", root / "mariadbd.log"
    # As root the server runs as the mysql account, which needs to own its directory.
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(root, "mysql", "mysql")
    subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", *user, "--skip-test-db",
         "--auth-root-authentication-method=normal"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = MariaDb(free_port())
    argv = [daemon, "--no-defaults", f"--datadir={data}", f"--port={server.port}", *user]
    argv += ["--bind-address=127.0.0.1", f"--socket={root / 'mysqld.sock'}", "--skip-log-bin"]
    argv += [f"--pid-file={root / 'mysqld.pid'}", "--innodb-buffer-pool-size=32M"]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(server, proc, log)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
