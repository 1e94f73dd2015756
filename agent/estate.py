"""What the router resolves besides containers: registered hosts, database servers and the
databases Jarvis made or backed up, read from Jarvis's own database."""

from __future__ import annotations

from typing import Any

from agent.router.types import BackupRef, DbRef, DbServerRef
from core.logging import get_logger
from core.settings import Settings
from memory import databases
from memory.db import Database, sqlite_file
from memory.hosts import list_hosts

log = get_logger("agent.estate")
BACKUPS_KEPT = 20  # per database: enough to find "last night's" among a week of them


async def read_estate(db: Database) -> dict[str, Any]:
    """Registered hosts, database servers and the databases Jarvis made or backed up."""
    try:
        hosts = [h.name for h in await list_hosts(db)]
        servers = await databases.list_servers(db)
        known: dict[tuple[str, str], DbRef] = {}
        for server in servers:
            for name in server.options.get("users") or {}:
                known[(server.name, name)] = DbRef(server=server.name, name=name)
            for b in await databases.list_backups(db, server.name):
                ref = known.setdefault(
                    (b.server, b.database), DbRef(server=b.server, name=b.database)
                )
                if len(ref.backups) < BACKUPS_KEPT and b.kind != "safety":
                    ref.backups.append(
                        BackupRef(
                            id=b.id,
                            created_at=b.created_at,
                            status=b.status,
                            kind=b.kind,
                            verified=b.verify_status,
                        )
                    )
    except Exception as exc:
        # Names then resolve against containers only, as before hosts and databases existed.
        log.warning("estate_unavailable", error_type=type(exc).__name__)
        return {}
    return {
        "hosts": hosts,
        "db_servers": [DbServerRef(name=s.name, engine=s.engine) for s in servers],
        "databases": sorted(known.values(), key=lambda d: (d.name, d.server)),
    }


async def read_estate_file(settings: Settings) -> dict[str, Any]:
    """Hosts and database servers for a caller that built no runtime (a plan)."""
    url = settings.resolved_database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return {}  # nothing registered yet, and a plan creates nothing
    db = Database(url)
    try:
        return await read_estate(db)
    finally:
        await db.close()
