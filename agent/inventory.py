"""The containers a request may name, read live from the Docker Engine for the router."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from agent.router.ha_rules import wants_entities
from agent.router.types import BackupRef, ContainerInfo, DbRef, DbServerRef, Inventory
from core.logging import get_logger
from core.settings import Settings
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.docker.inventory import container_refs

if TYPE_CHECKING:
    from memory.db import Database

log = get_logger("agent.inventory")
BACKUPS_KEPT = 20  # per database: enough to find "last night's" among a week of them


async def load_inventory(deps: ToolDeps) -> Inventory:
    """Every container by name; empty and marked incomplete when Docker cannot be asked."""
    estate: dict[str, Any] = {}
    if deps.db is not None:
        # Imported here: a plan from the terminal (no database) must not load SQLAlchemy.
        from agent.ha_inventory import ha_entities

        estate = await _estate(deps.db)
        estate.update(await ha_entities(deps.integrations))
    try:
        refs = await container_refs(deps)
    except Exception as exc:
        log.warning("inventory_unavailable", error_type=type(exc).__name__)
        return Inventory(containers=[], complete=False, **estate)
    return Inventory(containers=[ContainerInfo(**ref.model_dump()) for ref in refs], **estate)


async def _estate(db: Database) -> dict[str, Any]:
    """Registered hosts, database servers and the databases Jarvis made or backed up."""
    # Imported here: a plan from the terminal (no database) must not load SQLAlchemy.
    from memory import databases
    from memory.hosts import list_hosts

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


async def read_inventory(settings: Settings, text: str | None = None) -> Inventory:
    """The inventory through a Docker client of its own, for callers that build no runtime.

    Home Assistant's entities are read only when `text` is plainly about the house, so other
    plans never open the database.
    """
    # The engine address as the composition root reads it: settings, then DOCKER_HOST.
    environ = {k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}
    deps = ToolDeps(settings, environ=environ, docker_factory=connect)
    try:
        inventory = await load_inventory(deps)
    finally:
        deps.close()
    if text is not None and wants_entities(text):
        # Imported here: only house talk opens the database for a plan.
        from agent.ha_inventory import read_ha_entities

        inventory = inventory.model_copy(update=await read_ha_entities(settings))
    return inventory
