"""db.* end to end, as `jarvis` processes against the loopback PostgreSQL and MariaDB.

A server is registered, a database is made only once a person approves, a 5000-row table is
backed up and verified, dropped and restored; a failing restore leaves the target as it was; a
name that tries SQL injection changes nothing; the created password never reaches the model.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from memory import databases
from memory.db import Database
from tests.testbed.cli import Cli
from tests.tools.db.engines import Target, target  # noqa: F401 - the fixture

ROWS = 5000


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`jarvis` with its own data dir; backups and verification are allowed by a rule."""
    policy = tmp_path / "policy.yaml"
    # How an owner lets backups run without asking: by tool and resource.
    policy.write_text(
        "version: 1\nrules:\n  - id: backups-ok\n    effect: allow\n"
        "    tools: [db.backup, db.verify_backup]\n    resources: ['db:*', 'db-backup:*']\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        JARVIS_POLICY_FILE=str(policy),
        HOME=str(tmp_path),
    )
    return Cli(env)


class Session:
    """Calls tools and approves them, keeping every line the model could have seen."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.seen: list[str] = []

    def call(self, tool: str, args: dict[str, Any], code: int = 0) -> dict[str, Any]:
        proc = self.cli("tools", "call", tool, "--args", json.dumps(args), "--json", code=code)
        self.seen += [proc.stdout, proc.stderr]
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def approved(self, tool: str, args: dict[str, Any], code: int = 0) -> dict[str, Any]:
        asked = self.call(tool, args)
        assert asked["status"] == "approval_required", asked
        proc = self.cli("approvals", "approve", asked["approval_id"], "--json", code=code)
        self.seen += [proc.stdout, proc.stderr]
        return dict(json.loads(proc.stdout)["result"])


def _store_bytes(cli: Cli) -> bytes:
    data = Path(cli.env["JARVIS_DATA_DIR"])
    return b"".join(p.read_bytes() for p in data.glob("jarvis.db*"))


def _break(path: Path, engine: str) -> bytes:
    """A dump that starts well and then fails: what a restore must survive."""
    if engine == "mariadb":
        text = gzip.decompress(path.read_bytes()).decode()
        cut = text.index("INSERT INTO")  # after the table was dropped and made again
        return gzip.compress((text[:cut] + "THIS IS NOT SQL;\n").encode())
    return path.read_bytes()[: path.stat().st_size // 2]


async def _record_broken(cli: Cli, good: dict[str, Any], server: str, database: str) -> str:
    """A backup record whose file is damaged but checksummed (as a faulty dump tool writes)."""
    data = Path(cli.env["JARVIS_DATA_DIR"])
    broken = Path(good["path"]).with_name("broken" + "".join(Path(good["path"]).suffixes))
    broken.write_bytes(_break(Path(good["path"]), good_engine(good)))
    db = Database(f"sqlite:///{data / 'jarvis.db'}")
    try:
        rec = await databases.create_backup(
            db, server=server, database=database, engine=good_engine(good), kind="manual"
        )
        await databases.finish_backup(
            db,
            rec.id,
            path=str(broken),
            size_bytes=broken.stat().st_size,
            sha256=hashlib.sha256(broken.read_bytes()).hexdigest(),
            tables=good["tables"],
        )
    finally:
        await db.close()
    return rec.id


def good_engine(backup: dict[str, Any]) -> str:
    return "postgresql" if backup["path"].endswith(".dump") else "mariadb"


async def test_create_backup_verify_drop_restore(cli: Cli, target: Target) -> None:  # noqa: F811
    name = f"jt_{uuid.uuid4().hex[:10]}"
    other = f"{name}_copy"
    s = Session(cli)
    cli("databases", "add-server", "main", "--url", target.url)
    try:
        # Created only once a person approves.
        asked = s.call("db.create_database", {"server": "main", "name": name})
        assert asked["status"] == "approval_required"
        assert asked["invocation"]["resource"] == f"db:main/{name}"
        assert name not in target.databases()
        created = s.cli("approvals", "approve", asked["approval_id"], "--json")
        s.seen.append(created.stdout)
        result = json.loads(created.stdout)["result"]
        assert result["status"] == "ok", result
        assert result["data"]["password"].startswith("[[secret:")
        assert name in target.databases() and name in target.users()
        # The person sees the password once; the model never did.
        shown = cli.json("databases", "reveal", "main", name)
        password = shown["password"]
        assert len(password) >= 24
        cli("databases", "reveal", "main", name, code=1)
        s.seen.append(cli("audit", "tail", "--limit", "50").stdout)
        assert not any(password in text for text in s.seen)
        assert password.encode() not in _store_bytes(cli)

        target.fill(name, ROWS)
        # As the nightly run takes it.
        args = {"server": "main", "database": name, "kind": "scheduled"}
        backup = s.call("db.backup", args)["data"]["backup"]
        assert backup["rows"] == ROWS and list(backup["tables"].values()) == [ROWS]
        assert Path(backup["path"]).stat().st_mode & 0o777 == 0o600
        listed = s.call("db.list_backups", {"server": "main", "database": name})["data"]
        assert [b["id"] for b in listed["backups"]] == [backup["id"]]

        verified = s.call("db.verify_backup", {"backup": listed["backups"][0]["id"]})
        assert verified["data"]["passed"] is True
        assert [t["found"] for t in verified["data"]["tables"]] == [ROWS]
        assert f'"found": {ROWS}' in s.seen[-2]  # the reply shows the figure
        assert not any(d.startswith("jarvis_verify_") for d in target.databases())

        # The table is dropped; restore brings it back, after a safety backup.
        target.sql(name, "DROP TABLE items")
        restored = s.approved("db.restore", {"backup": backup["id"], "database": name})
        assert restored["status"] == "ok", restored
        assert restored["data"]["rows"] == ROWS and restored["data"]["safety_backup"]
        assert target.count(name) == ROWS
        kinds = s.call("db.list_backups", {"server": "main", "database": name})["data"]
        assert sorted(b["kind"] for b in kinds["backups"]) == ["safety", "scheduled"]

        # Into a database that does not exist yet: it is made.
        copy = s.approved("db.restore", {"backup": backup["id"], "database": other})
        assert copy["data"]["created"] is True and target.count(other) == ROWS

        # A restore that fails half-way leaves the target as it was, and says so.
        target.sql(name, "DELETE FROM items WHERE id > 4000")
        bad = await _record_broken(cli, backup, "main", name)
        failed = s.approved("db.restore", {"backup": bad, "database": name}, code=1)
        assert failed["status"] == "error"
        assert "as it was" in failed["message"], failed["message"]
        assert target.count(name) == 4000

        # A backup whose file changed since does not verify, and the record says so.
        damaged = Path(backup["path"])
        data = bytearray(damaged.read_bytes())
        data[len(data) // 2] ^= 0xFF
        damaged.write_bytes(bytes(data))
        s.call("db.verify_backup", {"backup": backup["id"]}, code=1)
        assert "is damaged" in s.seen[-2]
        rows = s.call("db.list_backups", {"server": "main", "database": name})["data"]["backups"]
        assert [b["verified"] for b in rows if b["id"] == backup["id"]] == ["failed"]

        # Dropping is destructive: asked, then done, with the user made for it.
        s.approved("db.drop_database", {"server": "main", "name": name})
        assert name not in target.databases() and name not in target.users()
    finally:
        for database in (name, other):
            target.drop(database)


@pytest.mark.parametrize(
    "name",
    [
        "x; DROP DATABASE {sentinel}",
        "{sentinel}`; DROP DATABASE `{sentinel}",
        '{sentinel}" CASCADE; --',
        "template1",
        "mysql",
    ],
)
def test_a_name_that_is_not_a_plain_identifier_changes_nothing(
    cli: Cli,
    target: Target,  # noqa: F811
    name: str,
) -> None:
    sentinel = f"jt_{uuid.uuid4().hex[:10]}"
    name = name.format(sentinel=sentinel)
    target.sql(None, f"CREATE DATABASE {sentinel}")
    try:
        target.fill(sentinel, 10)
        # An engine's own database (and user) stays where it is.
        existed = name in target.databases(), name in target.users()
        cli("databases", "add-server", "main", "--url", target.url)
        calls = [
            ("db.create_database", {"server": "main", "name": name}),
            ("db.drop_database", {"server": "main", "name": name}),
            ("db.backup", {"server": "main", "database": name}),
            ("db.restore", {"backup": "0f3c2a1b", "database": name}),
        ]
        for tool, args in calls:
            proc = cli("tools", "call", tool, "--args", json.dumps(args), code=2)
            assert "invalid arguments" in proc.stderr, proc.stderr
        assert sentinel in target.databases() and target.count(sentinel) == 10
        assert (name in target.databases(), name in target.users()) == existed
        assert cli.json("approvals", "list") == []
    finally:
        target.drop(sentinel)


def _limited_admin(target: Target, user: str) -> str:  # noqa: F811
    """An admin that may create databases but not users: the user step of a create fails."""
    if target.engine == "postgresql":
        target.sql(None, f"CREATE ROLE {user} LOGIN CREATEDB")
        return f"postgresql://{user}@127.0.0.1:5432/postgres"
    target.sql(
        None,
        f"CREATE USER {user}@'%'",
        f"GRANT CREATE, DROP ON *.* TO {user}@'%'",
        f"GRANT SELECT ON mysql.user TO {user}@'%'",
    )
    return f"mariadb://{user}@127.0.0.1:3306"


def test_a_create_that_fails_half_way_is_rolled_back(cli: Cli, target: Target) -> None:  # noqa: F811
    admin = f"jt_admin_{uuid.uuid4().hex[:8]}"
    name = f"jt_{uuid.uuid4().hex[:10]}"
    try:
        cli("databases", "add-server", "main", "--url", _limited_admin(target, admin))
        failed = Session(cli).approved(
            "db.create_database", {"server": "main", "name": name}, code=1
        )
        assert failed["status"] == "error"
        assert "rolled back: nothing was left behind" in failed["message"], failed["message"]
        assert name not in target.databases() and name not in target.users()
    finally:
        target.drop(name)
        target.drop(admin)  # the database of that name does not exist; the user does


async def test_backups_go_to_the_configured_folder_and_retention_prunes(
    cli: Cli,
    target: Target,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = tmp_path / "elsewhere"
    cli.env.update(JARVIS_BACKUPS__DIR=str(folder), JARVIS_BACKUPS__KEEP_DAILY="1")
    cli.env["JARVIS_BACKUPS__KEEP_WEEKLY"] = "0"
    name = f"jt_{uuid.uuid4().hex[:10]}"
    s = Session(cli)
    target.sql(None, f"CREATE DATABASE {name}")
    try:
        target.fill(name, 10)
        cli("databases", "add-server", "main", "--url", target.url)
        first = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        assert Path(first["path"]).parent == folder / "main" / name
        assert (folder / "main").stat().st_mode & 0o777 == 0o700
        # Make the first backup three days old: a day outside what is kept.
        db = Database(f"sqlite:///{Path(cli.env['JARVIS_DATA_DIR']) / 'jarvis.db'}")
        try:
            async with db.session() as session:
                await session.execute(
                    text("UPDATE db_backups SET created_at = :t WHERE id = :id"),
                    {"t": datetime.now(UTC) - timedelta(days=3), "id": first["id"]},
                )
        finally:
            await db.close()
        second = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        third = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        listed = s.call("db.list_backups", {"server": "main", "database": name})["data"]
        # Today's two are younger than a day; the old one is gone, file and record.
        assert [b["id"] for b in listed["backups"]] == [third["id"], second["id"]]
        assert not Path(first["path"]).exists()
    finally:
        target.drop(name)
