"""db.*: back up, list backups, verify a backup by restoring it, restore one safely."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.errors import BadInput, JarvisError
from memory import databases
from memory.databases import BackupView
from tools.db import servers
from tools.db.backups import take_backup, verify
from tools.db.models import BackupArgs, DatabaseArgs, RestoreArgs, TakeBackupArgs
from tools.db.restore import restore
from tools.db.tools import family, known_server
from tools.deps import ToolDeps
from tools.registry import ToolResult


class VerifyFailed(JarvisError):
    """A backup did not prove itself: damaged, or its restore does not hold what was saved."""

    kind = "verify_failed"


class BackupRow(ToolResult):
    """One backup as listed."""

    id: str
    created_at: datetime
    kind: str
    status: str
    size: int | None
    sha256: str | None
    tables: dict[str, Any]
    rows: int
    verified: str | None
    verified_at: datetime | None
    path: str | None


def _row(b: BackupView) -> BackupRow:
    return BackupRow(
        id=b.id,
        created_at=b.created_at,
        kind=b.kind,
        status=b.status,
        size=b.size_bytes,
        sha256=b.sha256,
        tables=b.tables,
        rows=sum(int(v) for v in b.tables.values()),
        verified=b.verify_status,
        verified_at=b.verified_at,
        path=b.path,
    )


class BackupResult(ToolResult):
    """The backup just taken."""

    backup: BackupRow


@family.tool(
    "backup",
    risk="write",
    resource="db:{server}/{database}",
    canonical=known_server,
    description=(
        "Back up one database with the engine's own dump tool (compressed, checksummed, rows "
        "per table recorded) into the backup folder; old backups are pruned by retention."
    ),
)
async def backup(args: TakeBackupArgs, deps: ToolDeps) -> BackupResult:
    """pg_dump -Fc or mariadb-dump --single-transaction."""
    _server, engine = await servers.engine_for(deps, args.server)
    done = await take_backup(deps, args.server, engine, args.database, args.kind)
    return BackupResult(backup=_row(done))


class BackupsResult(ToolResult):
    """Backups of one database, newest first."""

    server: str
    database: str
    backups: list[BackupRow]

    def is_empty(self) -> bool:
        """No backups yet."""
        return not self.backups


@family.tool(
    "list_backups",
    risk="read",
    resource="db:{server}/{database}",
    description="List the backups of a database, newest first, with size and verification.",
)
async def list_backups(args: DatabaseArgs, deps: ToolDeps) -> BackupsResult:
    """From Jarvis's own records."""
    found = await databases.list_backups(servers.store(deps), args.server, args.database)
    return BackupsResult(
        server=args.server, database=args.database, backups=[_row(b) for b in found]
    )


class VerifyResult(ToolResult):
    """A verification that passed: table by table, rows expected and found."""

    backup: str
    server: str
    database: str
    passed: bool
    rows: int
    tables: list[dict[str, Any]]
    scratch_database: str


@family.tool(
    "verify_backup",
    risk="write",
    resource="db-backup:{backup}",
    description=(
        "Prove a backup: check its checksum, restore it into a scratch database, count the rows "
        "per table against those recorded at backup time, drop the scratch database."
    ),
)
async def verify_backup(args: BackupArgs, deps: ToolDeps) -> VerifyResult:
    """A failed verification is recorded and reported as an error with the figures."""
    record = await databases.get_backup(servers.store(deps), args.backup)
    _server, engine = await servers.engine_for(deps, record.server)
    detail = await verify(deps, engine, record)
    if not detail["passed"]:
        bad = [t for t in detail["tables"] if not t["ok"]]
        why = detail.get("error") or f"{len(bad)} table(s) differ: " + ", ".join(
            f"{t['table']} expected {t['expected']} found {t['found']}" for t in bad[:5]
        )
        raise VerifyFailed(f"backup {record.id[:8]} did not verify: {why}", detail)
    return VerifyResult(
        backup=record.id,
        server=record.server,
        database=record.database,
        passed=True,
        rows=detail["rows"],
        tables=detail["tables"],
        scratch_database=detail["scratch_database"],
    )


class RestoreResult(ToolResult):
    """What the target holds after the restore."""

    backup: str
    server: str
    database: str
    created: bool
    safety_backup: str | None
    rows: int
    tables: list[dict[str, Any]]


async def _on_backup_server(args: RestoreArgs, deps: ToolDeps) -> RestoreArgs:
    """The restore's server is the backup's: policy rules see `db:<server>/<database>`."""
    record = await databases.get_backup(servers.store(deps), args.backup)
    if args.server is not None and args.server != record.server:
        raise BadInput(f"backup {record.id[:8]} is of server {record.server}, not {args.server}")
    return args.model_copy(update={"backup": record.id, "server": record.server})


@family.tool(
    "restore",
    risk="destructive",
    resource="db:{server}/{database}",
    canonical=_on_backup_server,
    description=(
        "Restore a backup into a database (replacing what the backup holds, or into a new "
        "database). A safety backup of the target is taken first; if the restore fails, the "
        "target is put back from it."
    ),
)
async def restore_backup(args: RestoreArgs, deps: ToolDeps) -> RestoreResult:
    """Checksum, safety backup, restore; the reply says where the target stands."""
    record = await databases.get_backup(servers.store(deps), args.backup)
    _server, engine = await servers.engine_for(deps, record.server)
    out = await restore(deps, engine, record, args.database)
    return RestoreResult(server=record.server, **out)
