"""Restore a backup into a database, with a safety backup of the target taken first."""

from __future__ import annotations

from typing import Any

from core.errors import ChangeFailed, JarvisError
from memory.databases import BackupView
from tools.db.backups import check_file, compare, reason, take_backup
from tools.db.engine import Engine
from tools.db.progress import say
from tools.deps import ToolDeps


async def restore(
    deps: ToolDeps, engine: Engine, backup: BackupView, target: str
) -> dict[str, Any]:
    """Restore `backup` into `target`; on failure the target is put back as it was."""
    if backup.engine != engine.kind:
        raise ChangeFailed(f"backup {backup.id} is a {backup.engine} dump, not {engine.kind}")
    path = await check_file(backup)  # a damaged backup stops here: nothing was touched
    existed = await engine.exists(target)
    safety = None
    if existed:
        await say(f"taking a safety backup of {target} first")
        # Its retention must not take away the backup about to be restored.
        safety = await take_backup(deps, backup.server, engine, target, "safety", keep={backup.id})
    else:
        await engine.create_database(target)
    await say(f"restoring backup {backup.id[:8]} into {target}")
    try:
        await engine.restore(path, target, clean=existed, keep_owner=True)
        found = await engine.table_counts(target)
    except Exception as exc:  # whatever broke, the target is put back
        raise ChangeFailed(
            f"restore of backup {backup.id[:8]} into {target} failed: {reason(exc)}; "
            + await _put_back(engine, target, safety),
            {"safety_backup": safety.id if safety else None},
        ) from None
    return {
        "backup": backup.id,
        "database": target,
        "created": not existed,
        "safety_backup": safety.id if safety else None,
        "tables": compare(backup.tables, found),
        "rows": sum(found.values()),
    }


async def _put_back(engine: Engine, target: str, safety: BackupView | None) -> str:
    """Undo a failed restore; says what state the target is in."""
    if safety is None:
        try:
            await engine.drop_database(target)
        except JarvisError as exc:
            return f"the new database {target} could not be dropped again: {exc.message}"
        return f"the new database {target} was dropped again; nothing else changed"
    try:
        saved = await check_file(safety)
        if engine.transactional_restore:
            # The failed restore was rolled back; a clean restore keeps the database's owner.
            await engine.restore(saved, target, clean=True, keep_owner=True)
        else:
            # Drop and recreate, so nothing the failed restore left behind survives (rights on
            # a MariaDB database outlive it).
            await engine.drop_database(target)
            await engine.create_database(target)
            await engine.restore(saved, target, clean=False, keep_owner=True)
        found = await engine.table_counts(target)
    except JarvisError as exc:
        return (
            f"putting {target} back from safety backup {safety.id} failed too ({exc.message}); "
            f"restore that backup by hand"
        )
    if found != safety.tables:
        return (
            f"{target} was put back from safety backup {safety.id}, but its row counts differ "
            "from the ones recorded; check it"
        )
    return f"{target} was put back from safety backup {safety.id[:8]} and is as it was"
