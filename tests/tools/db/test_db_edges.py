"""db.* at the edges: work at the same time, retention during a restore, admins with fewer rights.

As `jarvis` processes against the loopback PostgreSQL and MariaDB, like test_db_tools.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from memory.db import Database
from tests.testbed.cli import JARVIS, Cli
from tests.tools.db.engines import (  # noqa: F401 - the fixture
    MARIADB_URL,
    PG_URL,
    Target,
    _reachable,
    target,
)
from tests.tools.db.test_db_tools import Session, cli  # noqa: F401 - the fixture

ROWS = 50_000


def test_two_verifications_of_one_backup_at_once_both_pass(
    cli: Cli,  # noqa: F811
    target: Target,  # noqa: F811
) -> None:
    name = f"jt_{uuid.uuid4().hex[:10]}"
    target.sql(None, f"CREATE DATABASE {name}")
    try:
        target.fill(name, ROWS)
        cli("databases", "add-server", "main", "--url", target.url)
        made = Session(cli).call("db.backup", {"server": "main", "database": name})
        args = json.dumps({"backup": made["data"]["backup"]["id"]})
        # A person's verification while the nightly run verifies the same backup.
        procs = [
            subprocess.Popen(
                [JARVIS, "tools", "call", "db.verify_backup", "--args", args, "--json"],
                env=cli.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=180) for p in procs]
        for proc, (out, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, (out, err)
            assert json.loads(out)["data"]["rows"] == ROWS
        listed = Session(cli).call("db.list_backups", {"server": "main", "database": name})
        assert [b["verified"] for b in listed["data"]["backups"]] == ["passed"]
        assert not [d for d in target.databases() if d.startswith("jarvis_verify_")]
    finally:
        target.drop(name)


async def _age(runner: Cli, backup_id: str, created: datetime) -> None:
    db = Database(f"sqlite:///{Path(runner.env['JARVIS_DATA_DIR']) / 'jarvis.db'}")
    try:
        async with db.session() as session:
            await session.execute(
                text("UPDATE db_backups SET created_at = :t WHERE id = :id"),
                {"t": created, "id": backup_id},
            )
    finally:
        await db.close()


async def test_the_safety_backup_s_retention_keeps_the_backup_being_restored(
    cli: Cli,  # noqa: F811
    target: Target,  # noqa: F811
) -> None:
    name = f"jt_{uuid.uuid4().hex[:10]}"
    s = Session(cli)
    target.sql(None, f"CREATE DATABASE {name}")
    try:
        target.fill(name, 100)
        cli("databases", "add-server", "main", "--url", target.url)
        morning = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        target.sql(name, "DELETE FROM items WHERE id > 50")
        noon = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        # Both were taken on one day, now two days ago: retention keeps only the newer, so the
        # safety backup's retention would take the older one away from under its own restore.
        day = datetime.now(UTC).replace(hour=12, minute=0) - timedelta(days=2)
        await _age(cli, morning["id"], day - timedelta(hours=3))
        await _age(cli, noon["id"], day)
        restored = s.approved("db.restore", {"backup": morning["id"], "database": name})
        assert restored["status"] == "ok", restored
        assert target.count(name) == 100
    finally:
        target.drop(name)


def test_a_postgres_admin_that_is_not_a_superuser_manages_its_databases(cli: Cli) -> None:  # noqa: F811
    pg = Target("postgresql", PG_URL)
    _reachable(pg)
    admin, name = f"jt_admin_{uuid.uuid4().hex[:8]}", f"jt_{uuid.uuid4().hex[:10]}"
    # What a careful owner registers: may create databases and roles, is not a superuser.
    pg.sql(None, f"CREATE ROLE {admin} LOGIN CREATEDB CREATEROLE")
    s = Session(cli)
    try:
        cli("databases", "add-server", "main", "--url", PG_URL.replace("postgres@", f"{admin}@"))
        made = s.approved("db.create_database", {"server": "main", "name": name})
        assert made["status"] == "ok", made
        assert pg.sql(
            None, f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}'"
        ) == [(name,)]
        # The service fills its database as its own user; the admin still backs it up and
        # restores it.
        pg.sql(
            name,
            f"SET ROLE {name}",
            "CREATE TABLE items (id integer)",
            "INSERT INTO items SELECT generate_series(1, 300)",
        )
        backup = s.call("db.backup", {"server": "main", "database": name})["data"]["backup"]
        assert backup["rows"] == 300
        assert s.call("db.verify_backup", {"backup": backup["id"]})["data"]["passed"] is True
        pg.sql(name, "DROP TABLE items")
        assert (
            s.approved("db.restore", {"backup": backup["id"], "database": name})["status"] == "ok"
        )
        assert pg.count(name) == 300
        s.approved("db.drop_database", {"server": "main", "name": name})
        assert name not in pg.databases() and name not in pg.users()
    finally:
        pg.drop(name)
        pg.drop(admin)


def test_a_mariadb_user_that_cannot_be_given_its_rights_is_not_left_behind(cli: Cli) -> None:  # noqa: F811
    maria = Target("mariadb", MARIADB_URL)
    _reachable(maria)
    admin, name = f"jt_admin_{uuid.uuid4().hex[:8]}", f"jt_{uuid.uuid4().hex[:10]}"
    # May make databases and users, but holds no GRANT OPTION: the grant step fails.
    maria.sql(
        None,
        f"CREATE USER {admin}@'%'",
        f"GRANT CREATE, DROP, CREATE USER ON *.* TO {admin}@'%'",
        f"GRANT SELECT ON mysql.user TO {admin}@'%'",
    )
    try:
        cli("databases", "add-server", "main", "--url", f"mariadb://{admin}@127.0.0.1:3306")
        failed = Session(cli).approved(
            "db.create_database", {"server": "main", "name": name}, code=1
        )
        assert "rolled back: nothing was left behind" in failed["message"], failed["message"]
        assert name not in maria.databases() and name not in maria.users()
    finally:
        maria.drop(name)
        maria.drop(admin)
