"""Backups that prove themselves: dump, checksum, retention, verification, safe restore."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import Any

from core import units
from core.errors import ChangeFailed, JarvisError, NotFound
from core.logging import get_logger
from memory import databases
from memory.databases import BackupKind, BackupView
from memory.models import utcnow
from tools.db.engine import Engine
from tools.db.names import SCRATCH_PREFIX
from tools.db.progress import growing, say
from tools.db.retention import Kept, to_delete
from tools.deps import ToolDeps

log = get_logger("db.backups")


def reason(exc: BaseException) -> str:
    """A person-readable reason (typed errors carry their own)."""
    return exc.message if isinstance(exc, JarvisError) else f"{type(exc).__name__}: {exc}"


def private_folder(root: Path, *parts: str) -> Path:
    """`root/parts...`, every level created readable by Jarvis's user only."""
    folder = root
    for part in ("", *parts):
        folder = folder / part if part else folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
    return folder


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def check_file(backup: BackupView) -> Path:
    """The backup's file, if it is there and its checksum matches the one recorded."""
    if backup.status != "done" or not backup.path:
        raise NotFound(f"backup {backup.id} is {backup.status}, not a finished backup")
    path = Path(backup.path)
    if not path.is_file():
        raise ChangeFailed(f"the file of backup {backup.id} is missing ({path})")
    actual = await asyncio.to_thread(sha256_file, path)
    if actual != backup.sha256:
        raise ChangeFailed(
            f"backup {backup.id} is damaged: its checksum is {actual[:12]}…, "
            f"recorded {str(backup.sha256)[:12]}…"
        )
    return path


async def take_backup(
    deps: ToolDeps,
    server: str,
    engine: Engine,
    database: str,
    kind: BackupKind,
    *,
    keep: Collection[str] = (),
) -> BackupView:
    """Dump one database into the backup folder, record it, then apply retention (not to `keep`)."""
    db = deps.db
    assert db is not None  # servers.store() checked it before an engine was made
    if not await engine.exists(database):
        raise NotFound(f"database {database!r} does not exist on server {server!r}")
    folder = private_folder(deps.settings.resolved_backup_dir, server, database)
    record = await databases.create_backup(
        db, server=server, database=database, engine=engine.kind, kind=kind
    )
    stamp = record.created_at.strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}-{kind}-{record.id[:8]}{engine.suffix}"
    await say(f"backing up {server}/{database} ({kind})")
    try:
        async with growing(path, f"dumping {server}/{database}"):
            counts = await engine.dump(database, path)
        os.chmod(path, 0o600)
        size = path.stat().st_size
        digest = await asyncio.to_thread(sha256_file, path)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        await databases.fail_backup(db, record.id, reason(exc))
        if isinstance(exc, JarvisError):
            raise ChangeFailed(f"backup of {server}/{database} failed: {exc.message}") from None
        raise
    done = await databases.finish_backup(
        db, record.id, path=str(path), size_bytes=size, sha256=digest, tables=counts
    )
    rows = sum(counts.values())
    await say(f"backup {done.id[:8]} written: {units.size(size)}, {rows} rows")
    await apply_retention(deps, server, database, keep=keep)
    return done


async def apply_retention(
    deps: ToolDeps, server: str, database: str, *, keep: Collection[str] = ()
) -> list[str]:
    """Delete the backups retention lets go (file and record), except `keep`; their ids."""
    db = deps.db
    assert db is not None
    done = await databases.list_backups(db, server, database, status="done")
    policy = deps.settings.backups
    gone = to_delete(
        [Kept(b.id, b.created_at, b.kind) for b in done],
        keep_daily=policy.keep_daily,
        keep_weekly=policy.keep_weekly,
        now=utcnow(),
    )
    gone = [backup_id for backup_id in gone if backup_id not in keep]
    by_id = {b.id: b for b in done}
    for backup_id in gone:
        path = by_id[backup_id].path
        if path:
            Path(path).unlink(missing_ok=True)
        await databases.delete_backup(db, backup_id)
    if gone:
        log.info("backups_pruned", server=server, database=database, count=len(gone))
    return gone


def compare(expected: dict[str, Any], found: dict[str, int]) -> list[dict[str, Any]]:
    """Rows per table recorded at backup time against what a restore holds."""
    rows = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        rows.append({"table": table, "expected": want, "found": got, "ok": want == got})
    return rows


async def verify(deps: ToolDeps, engine: Engine, backup: BackupView) -> dict[str, Any]:
    """Checksum, restore into a scratch database, count rows, compare; the scratch is dropped."""
    db = deps.db
    assert db is not None
    # Its own scratch name each time: two verifications of one backup at once (a person's and
    # the nightly run's) must not drop or fill each other's database.
    scratch = f"{SCRATCH_PREFIX}{backup.id.replace('-', '')[:8]}_{secrets.token_hex(4)}"
    detail: dict[str, Any] = {"scratch_database": scratch, "tables": [], "rows": 0}
    try:
        path = await check_file(backup)
        await say(f"verifying backup {backup.id[:8]}: restoring into {scratch}")
        await engine.create_database(scratch)
        await engine.restore(path, scratch, clean=False, keep_owner=False)
        found = await engine.table_counts(scratch)
        detail["tables"] = compare(backup.tables, found)
        detail["rows"] = sum(found.values())
        detail["passed"] = all(t["ok"] for t in detail["tables"])
    except Exception as exc:  # recorded as a failed verification, whatever broke
        detail["passed"] = False
        detail["error"] = reason(exc)
    finally:
        try:
            await engine.drop_database(scratch)
        except JarvisError as exc:
            detail["cleanup_error"] = f"scratch database {scratch} was not dropped: {exc.message}"
    await databases.mark_verified(db, backup.id, passed=bool(detail["passed"]), detail=detail)
    return detail
