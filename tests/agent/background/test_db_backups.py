"""The nightly backup in the maintenance run, against a PostgreSQL cluster on loopback: every
database is backed up and verified through the gate unasked; a server that does not answer is
a failed entry and a finding, and the other server's databases are still backed up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from agent.background.db_backups import NightlyBackups
from agent.background.service import Background
from agent.runtime import Runtime
from memory import databases, runs
from memory.databases import EngineName
from memory.models import AuditEntry
from policies.engine import AUTONOMOUS
from tests.testbed.mariadb_instance import MariaDb, mariadb_instance  # noqa: F401 - the fixture
from tests.testbed.pg_cluster import Cluster, free_port, pg_cluster  # noqa: F401 - the fixture
from tools.db import servers

pytestmark = pytest.mark.docker  # the runtime fixture brings the Docker Engine


@pytest.fixture
def two_databases(pg_cluster: Cluster) -> Iterator[tuple[str, str]]:  # noqa: F811
    """Two small databases on the cluster: one table of 500 rows; two of 20 and 30."""
    tag = uuid.uuid4().hex[:8]
    shop, notes = f"shop_{tag}", f"notes_{tag}"
    pg_cluster.create(shop, {"items": 500})
    pg_cluster.create(notes, {"a": 20, "b": 30})
    yield shop, notes
    for name in (shop, notes):
        pg_cluster.sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _register(rt: Runtime, name: str, port: int, engine: EngineName = "postgresql") -> None:
    vault, salt = servers.vault(rt.deps), rt.deps.redaction_salt
    user = "postgres" if engine == "postgresql" else "root"
    await databases.add_server(
        rt.db, vault, salt, name=name, engine=engine, address="127.0.0.1",
        port=port, username=user, password=None,
    )  # fmt: skip


async def _audited(rt: Runtime, tool: str) -> list[tuple[str, str, str | None]]:
    async with rt.db.session() as session:
        rows = await session.execute(
            select(AuditEntry.actor, AuditEntry.event, AuditEntry.resource).where(
                AuditEntry.tool == tool
            )
        )
        return [(a, e, r) for a, e, r in rows]


async def test_every_database_is_backed_up_and_verified_and_a_dead_server_is_reported(
    runtime: Runtime,
    pg_cluster: Cluster,  # noqa: F811
    two_databases: tuple[str, str],
) -> None:
    shop, notes = two_databases
    await _register(runtime, "main", pg_cluster.port)
    await _register(runtime, "gone", free_port())  # nothing listens there
    done = await Background(runtime).start("maintenance")
    step = next(a for a in done.actions if a["step"] == "backup_databases")
    # Only this test's databases are on the cluster (others' are dropped when they end).
    assert step["status"] == "failed", step
    assert step["message"].startswith("2 database(s) backed up and verified, 1 failed"), step
    assert "gone: " in step["message"] and "did not answer" in step["message"]
    assert done.status == "failed"  # a database left without a backup fails the night's run
    trimmed = next(a for a in done.actions if a["step"] == "trim_history")
    assert trimmed["status"] == "ok"  # the other steps ran all the same

    for name, tables in ((shop, {"public.items": 500}), (notes, {"public.a": 20, "public.b": 30})):
        [backup] = await databases.list_backups(runtime.db, "main", name)
        assert backup.status == "done" and backup.tables == tables
        assert backup.verify_status == "passed", backup.verify_detail
        assert backup.kind == "scheduled"
        assert backup.verify_detail and backup.verify_detail["rows"] == sum(tables.values())
    # Through the gate, by the background agent, audited, and nobody was asked.
    backups = await _audited(runtime, "db.backup")
    assert {(AUTONOMOUS, "executed", f"db:main/{n}") for n in (shop, notes)} <= set(backups)
    verified = await _audited(runtime, "db.verify_backup")
    assert len([v for v in verified if v[:2] == (AUTONOMOUS, "executed")]) == 2
    pending = await runtime.gate.approvals.list("pending")
    assert not [a for a in pending if a.tool.startswith("db.")]
    # The scratch databases of the verifications are gone.
    left = {r[0] for r in pg_cluster.sql("postgres", "SELECT datname FROM pg_database")}
    assert not [d for d in left if d.startswith("jarvis_verify_")]

    checked = await Background(runtime).start("diagnose", options={"checks": ["databases.*"]})
    found = {(f["check"], f["resource"]): f for f in checked.findings}
    assert set(found) == {("databases.server_down", "db:gone")}, found
    assert found[("databases.server_down", "db:gone")]["severity"] == "critical"


async def test_a_resumed_run_does_not_back_up_twice(
    runtime: Runtime,
    pg_cluster: Cluster,  # noqa: F811
    two_databases: tuple[str, str],
) -> None:
    shop, _notes = two_databases
    await _register(runtime, "main", pg_cluster.port)
    run = await runs.create_run(runtime.db, kind="maintenance", trigger="manual", actor=AUTONOMOUS)
    # A name no tool takes (registered by hand) is refused by the gate: one failed entry.
    await _register(runtime, "Odd Name", pg_cluster.port)
    first = await NightlyBackups(runtime, run).run_all()
    again = await NightlyBackups(runtime, run).run_all()  # the same run, e.g. after a crash
    [odd] = [r for r in first if r.server == "Odd Name"]
    assert odd.status == "failed" and odd.database is None and "server" in (odd.message or "")
    first = [r for r in first if r.server == "main"]
    again = [r for r in again if r.server == "main"]
    assert [r.status for r in first] == ["done", "done"]
    assert [(r.database, r.backup) for r in again] == [(r.database, r.backup) for r in first]
    assert len(await databases.list_backups(runtime.db, "main", shop)) == 1


async def test_a_mariadb_server_is_backed_up_and_verified_too(
    runtime: Runtime,
    mariadb_instance: MariaDb,  # noqa: F811
) -> None:
    name = f"shop_{uuid.uuid4().hex[:8]}"
    mariadb_instance.create(name, {"items": 400, "tags": 40})
    try:
        await _register(runtime, "maria", mariadb_instance.port, engine="mariadb")
        done = await Background(runtime).start("maintenance")
        step = next(a for a in done.actions if a["step"] == "backup_databases")
        assert step == {
            "step": "backup_databases",
            "status": "ok",
            "message": "1 database(s) backed up and verified, 0 failed",
        }
        [backup] = await databases.list_backups(runtime.db, "maria", name)
        assert backup.status == "done" and sorted(backup.tables.values()) == [40, 400]
        assert backup.verify_status == "passed", backup.verify_detail
        assert backup.path and backup.path.endswith(".sql.gz")
    finally:
        mariadb_instance.sql(None, f"DROP DATABASE IF EXISTS `{name}`")
