"""`jarvis databases` and the read tools of db.*, as real processes against loopback servers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import redis

from tests.testbed.cli import JARVIS, Cli
from tests.testbed.services import missing_service
from tests.tools.db.engines import PG_URL, Target, target  # noqa: F401 - the fixture

REDIS_URL = "redis://127.0.0.1:6379/0"
# PostgreSQL on loopback trusts local connections, so any password is accepted: enough to
# see where a password goes.
PASSWORD = "Sup3r-secret-Pw-4711"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(JARVIS_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    return Cli(env)


def _store(cli: Cli) -> bytes:
    return b"".join(p.read_bytes() for p in Path(cli.env["JARVIS_DATA_DIR"]).glob("jarvis.db*"))


def test_add_list_remove_without_ever_showing_the_password(cli: Cli, target: Target) -> None:  # noqa: F811
    # MariaDB's root has no password here, so only the PostgreSQL URL carries one.
    url = target.url.replace("postgres@", f"postgres:{PASSWORD}@")
    added = cli("databases", "add-server", "main", "--url", url)
    assert "main" in added.stdout and PASSWORD not in added.stdout + added.stderr
    rows = cli.json("databases", "list")
    assert [(r["name"], r["engine"]) for r in rows] == [("main", target.engine)]
    listed = json.loads(cli("tools", "call", "db.list_servers", "--json").stdout)
    assert listed["data"]["servers"][0]["address"] == "127.0.0.1"
    dbs = json.loads(
        cli("tools", "call", "db.list_databases", "--args", '{"server": "main"}', "--json").stdout
    )
    names = {d["name"] for d in dbs["data"]["databases"]}
    assert "mysql" not in names and "template0" not in names
    assert all(d["size_bytes"] is not None for d in dbs["data"]["databases"])
    info = cli.json("tools", "call", "db.server_info", "--args", '{"server": "main"}')
    assert info["data"]["version"].startswith(("PostgreSQL", "MariaDB"))
    tail = cli("audit", "tail", "--limit", "50").stdout
    assert "db_server_added" in tail
    for text in (json.dumps(rows), json.dumps(listed), json.dumps(info), tail):
        assert PASSWORD not in text
    assert PASSWORD.encode() not in _store(cli)
    # A name is registered once.
    assert (
        "already registered" in cli("databases", "add-server", "main", "--url", url, code=1).stderr
    )
    cli("databases", "remove-server", "main")
    assert cli.json("databases", "list") == []


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        (f"mongodb://u:{PASSWORD}@127.0.0.1/x", 2, "unknown URL scheme"),
        (f"postgresql://u:{PASSWORD}@127.0.0.1:1/postgres", 1, "did not answer"),
        (f"mariadb://nobody:{PASSWORD}@127.0.0.1:3306", 1, "refused the credentials"),
    ],
)
def test_a_bad_url_or_server_stores_nothing(cli: Cli, url: str, code: int, says: str) -> None:
    proc = cli("databases", "add-server", "main", "--url", url, code=code)
    assert says in proc.stderr and PASSWORD not in proc.stdout + proc.stderr
    assert cli.json("databases", "list") == []


def test_a_bad_server_name_is_refused(cli: Cli) -> None:
    proc = cli("databases", "add-server", "Main; drop", "--url", PG_URL, code=2)
    assert "server name" in proc.stderr


def test_redis_is_listed_and_checked(cli: Cli) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        how = f"{exc}; start it with 'redis-server --daemonize yes'"
        missing_service("Redis on 127.0.0.1:6379", how)
    cli("databases", "add-server", "cache", "--url", REDIS_URL)
    info = cli.json("tools", "call", "db.server_info", "--args", '{"server": "cache"}')
    assert info["data"]["version"].startswith("Redis")
    assert set(info["data"]["info"]) == {"server", "memory", "persistence", "keys"}
    assert info["data"]["info"]["persistence"]["rdb_last_bgsave_status"] in ("ok", "err")
    # A Redis server has no SQL databases to list.
    proc = cli("tools", "call", "db.list_databases", "--args", '{"server": "cache"}', code=1)
    assert "no SQL databases" in proc.stdout


def test_the_url_can_come_from_standard_input(cli: Cli, target: Target) -> None:  # noqa: F811
    url = target.url.replace("postgres@", f"postgres:{PASSWORD}@")

    def add(given: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [JARVIS, "databases", "add-server", "main", "--url", "-"],
            input=given, env=cli.env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip

    empty = add("")
    assert empty.returncode == 2 and "nothing on standard input" in empty.stderr
    assert cli.json("databases", "list") == []
    added = add(url + "\n")
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    assert [r["name"] for r in cli.json("databases", "list")] == ["main"]
