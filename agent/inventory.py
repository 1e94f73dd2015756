"""The containers a request may name, read live from the Docker Engine for the router."""

from __future__ import annotations

import os
from typing import Any

from agent.router.ha_rules import wants_entities
from agent.router.host_targets import wants_estate
from agent.router.types import ContainerInfo, Inventory
from core.logging import get_logger
from core.settings import Settings
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.docker.inventory import container_refs

log = get_logger("agent.inventory")


async def load_inventory(deps: ToolDeps) -> Inventory:
    """Every container by name; empty and marked incomplete when Docker cannot be asked."""
    estate: dict[str, Any] = {}
    if deps.db is not None:
        # Imported here for start-up speed: a plan from the terminal opens no database.
        from agent.estate import read_estate
        from agent.ha_inventory import ha_entities

        estate = await read_estate(deps.db)
        estate.update(await ha_entities(deps.integrations))
    try:
        refs = await container_refs(deps)
    except Exception as exc:
        log.warning("inventory_unavailable", error_type=type(exc).__name__)
        return Inventory(containers=[], complete=False, **estate)
    return Inventory(containers=[ContainerInfo(**ref.model_dump()) for ref in refs], **estate)


async def read_inventory(settings: Settings, text: str | None = None) -> Inventory:
    """The inventory through a Docker client of its own, for callers that build no runtime.

    Home Assistant's entities are read only when `text` is plainly about the house, and the
    registered hosts and database servers only when it may be about them, so other plans
    never open the database.
    """
    # The engine address as the composition root reads it: settings, then DOCKER_HOST.
    environ = {k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}
    deps = ToolDeps(settings, environ=environ, docker_factory=connect)
    try:
        inventory = await load_inventory(deps)
    finally:
        deps.close()
    # Imported only for requests that need them, for start-up speed (they load the database).
    if text is not None and wants_entities(text):
        from agent.ha_inventory import read_ha_entities

        inventory = inventory.model_copy(update=await read_ha_entities(settings))
    if text is not None and wants_estate(text):
        from agent.estate import read_estate_file

        inventory = inventory.model_copy(update=await read_estate_file(settings))
    return inventory
