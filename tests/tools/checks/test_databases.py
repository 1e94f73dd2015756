"""Database checks against a PostgreSQL cluster on loopback, on SQLite and PostgreSQL records:
a server that does not answer, a backup that got old, a backup that did not verify."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import update

from core.settings import Settings
from memory import databases
from memory.databases import BackupView
from memory.db import Database
from memory.estate_models import DbBackup, DbServer
from memory.findings import FindingView, list_findings
from memory.models import utcnow
from tests.testbed.pg_cluster import Cluster, free_port, pg_cluster  # noqa: F401 - the fixture
from tests.testbed.services import missing_service
from tools.checks import databases as db_checks
from tools.checks.base import Check, CheckContext
from tools.checks.runner import DiagnoseReport, diagnose
from tools.db import servers
from tools.db.backups import sha256_file, take_backup, verify
from tools.deps import ToolDeps


@dataclass
class Bed:
    """Jarvis's records, the tool dependencies, and one database on a registered server."""

    deps: ToolDeps
    db: Database
    cluster: Cluster
    server: str
    database: str

    @property
    def resource(self) -> str:
        return f"db:{self.server}/{self.database}"

    async def register(self, name: str, port: int) -> None:
        vault = servers.vault(self.deps)
        salt = self.deps.redaction_salt
        await databases.add_server(
            self.db, vault, salt, name=name, engine="postgresql", address="127.0.0.1",
            port=port, username="postgres", password=None,
        )  # fmt: skip

    async def backup(self) -> BackupView:
        _server, engine = await servers.engine_for(self.deps, self.server)
        return await take_backup(self.deps, self.server, engine, self.database, "manual")

    async def verify(self, backup: BackupView) -> None:
        _server, engine = await servers.engine_for(self.deps, self.server)
        await verify(self.deps, engine, await databases.get_backup(self.db, backup.id))

    async def age(self, backup: BackupView, hours: float) -> None:
        """Move a backup back in time, as if it were taken `hours` ago."""
        async with self.db.session() as session:
            await session.execute(
                update(DbBackup)
                .where(DbBackup.id == backup.id)
                .values(created_at=utcnow() - timedelta(hours=hours))
            )

    async def move(self, name: str, **values: object) -> None:
        async with self.db.session() as session:
            await session.execute(update(DbServer).where(DbServer.name == name).values(**values))

    async def run(self, *checks: Check) -> DiagnoseReport:
        ctx = CheckContext(deps=self.deps, db=self.db)
        return await diagnose(list(checks), ctx, self.db, run_id=None)


@pytest.fixture
async def bed(
    tmp_path: Path,
    database: Database,
    pg_cluster: Cluster,  # noqa: F811
) -> AsyncIterator[Bed]:
    """A server registered a week ago, holding a database with a 300-row table."""
    deps = ToolDeps(Settings(data_dir=tmp_path), db=database)
    name = f"chk_{uuid.uuid4().hex[:10]}"
    pg_cluster.create(name, {"items": 300})
    made = Bed(deps, database, pg_cluster, "main", name)
    await made.register("main", pg_cluster.port)
    await made.move("main", created_at=utcnow() - timedelta(days=7))
    try:
        yield made
    finally:
        pg_cluster.sql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _open(report: DiagnoseReport, resource: str) -> FindingView | None:
    return next((f for f in report.open if f.resource == resource), None)


async def test_a_backup_older_than_26_hours_opens_a_finding_a_new_backup_closes(bed: Bed) -> None:
    never = _open(await bed.run(db_checks.backup_age), bed.resource)
    assert never is not None and "never been backed up" in never.summary
    first = await bed.backup()
    assert _open(await bed.run(db_checks.backup_age), bed.resource) is None
    await bed.age(first, hours=30)
    report = await bed.run(db_checks.backup_age)
    finding = _open(report, bed.resource)
    assert finding is not None and finding.severity == "warning"
    assert "30 h old" in finding.summary and finding.evidence["newest"] == first.id
    assert finding.remedy is not None and finding.remedy.tool == "db.backup"
    assert finding.remedy.args == {"server": "main", "database": bed.database}
    await bed.backup()
    report = await bed.run(db_checks.backup_age)
    assert _open(report, bed.resource) is None
    assert [f.resource for f in report.closed] == [bed.resource]


async def test_a_server_that_does_not_answer_is_critical_and_keeps_its_databases_findings(
    bed: Bed,
) -> None:
    old = await bed.backup()
    await bed.age(old, hours=50)
    assert _open(await bed.run(db_checks.backup_age), bed.resource) is not None
    closed = free_port()  # nothing listens there
    await bed.move("main", port=closed)
    report = await bed.run(db_checks.server_down, db_checks.backup_age)
    down = _open(report, "db:main")
    assert down is not None and down.severity == "critical"
    assert "does not answer" in down.summary and down.evidence["port"] == closed
    # What the server holds is unknown while it is down: the age finding stays open as it was.
    assert not report.closed
    still = {f.resource for f in await list_findings(bed.db) if f.check == "databases.backup_age"}
    assert still == {bed.resource}
    await bed.move("main", port=bed.cluster.port)
    await bed.backup()
    report = await bed.run(db_checks.server_down, db_checks.backup_age)
    assert {f.resource for f in report.closed} == {"db:main", bed.resource}
    assert not [f for f in await list_findings(bed.db) if f.check.startswith("databases.")]


async def test_a_new_server_gets_a_day_before_its_first_backup_is_missed(bed: Bed) -> None:
    await bed.move("main", created_at=utcnow() - timedelta(hours=2))
    assert _open(await bed.run(db_checks.backup_age), bed.resource) is None


def _damage(backup: BackupView) -> None:
    """Cut the dump short and record its new checksum: the file reads, the restore fails."""
    assert backup.path
    path = Path(backup.path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


async def _rechecksum(bed: Bed, backup: BackupView) -> None:
    assert backup.path
    async with bed.db.session() as session:
        await session.execute(
            update(DbBackup)
            .where(DbBackup.id == backup.id)
            .values(sha256=sha256_file(Path(backup.path)))
        )


async def test_a_failed_verification_is_critical_until_an_older_backup_proved_itself(
    bed: Bed,
) -> None:
    broken = await bed.backup()
    _damage(broken)
    await bed.verify(broken)  # the checksum no longer matches: it fails
    finding = _open(await bed.run(db_checks.verify), bed.resource)
    assert finding is not None and finding.severity == "critical"
    assert broken.id[:8] in finding.summary and "damaged" in finding.summary
    good = await bed.backup()
    await bed.verify(good)
    report = await bed.run(db_checks.verify)
    assert _open(report, bed.resource) is None and len(report.closed) == 1
    later = await bed.backup()
    _damage(later)
    await _rechecksum(bed, later)  # checksum fits, the restore itself fails
    await bed.verify(later)
    finding = _open(await bed.run(db_checks.verify), bed.resource)
    assert finding is not None and finding.severity == "warning"
    assert f"newest verified one is {good.id[:8]}" in finding.summary
    assert finding.evidence["last_verified"] == good.id


async def test_a_safety_backup_taken_since_does_not_hide_a_failed_verification(
    bed: Bed,
) -> None:
    broken = await bed.backup()
    _damage(broken)
    await bed.verify(broken)
    # A restore's safety backup is never verified: it says nothing about the nightly ones.
    _server, engine = await servers.engine_for(bed.deps, bed.server)
    await take_backup(bed.deps, bed.server, engine, bed.database, "safety")
    finding = _open(await bed.run(db_checks.verify), bed.resource)
    assert finding is not None and finding.severity == "critical"
    assert broken.id[:8] in finding.summary


async def test_redis_servers_are_checked_too(tmp_path: Path, database: Database) -> None:
    try:
        redis.Redis("127.0.0.1", 6379, socket_timeout=5).ping()
    except redis.RedisError as exc:
        missing_service("Redis on 127.0.0.1:6379", f"{exc}; start it with 'redis-server &'")
    deps = ToolDeps(Settings(data_dir=tmp_path), db=database)
    vault, salt = servers.vault(deps), deps.redaction_salt
    cold = free_port()
    for name, port in (("cache", 6379), ("cold", cold)):
        await databases.add_server(
            database, vault, salt, name=name, engine="redis", address="127.0.0.1",
            port=port, username=None, password=None,
        )  # fmt: skip
    ctx = CheckContext(deps=deps, db=database)
    report = await diagnose([db_checks.server_down], ctx, database, run_id=None)
    [down] = report.open  # the loopback Redis answers
    assert down.resource == "db:cold" and down.severity == "critical"
    assert f"redis server cold (127.0.0.1:{cold}) does not answer" in down.summary
    # Redis holds no databases to back up: the age check passes over it.
    age = await diagnose([db_checks.backup_age], ctx, database, run_id=None)
    assert not age.open
