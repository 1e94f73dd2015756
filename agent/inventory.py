"""The containers a request may name, read live from the Docker Engine for the router."""

from __future__ import annotations

import os

from agent.router.types import ContainerInfo, Inventory
from core.logging import get_logger
from core.settings import Settings
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.docker.inventory import container_refs

log = get_logger("agent.inventory")


async def load_inventory(deps: ToolDeps) -> Inventory:
    """Every container by name; empty and marked incomplete when Docker cannot be asked."""
    try:
        refs = await container_refs(deps)
    except Exception as exc:
        log.warning("inventory_unavailable", error_type=type(exc).__name__)
        return Inventory(containers=[], complete=False)
    return Inventory(containers=[ContainerInfo(**ref.model_dump()) for ref in refs])


async def read_inventory(settings: Settings) -> Inventory:
    """The inventory through a Docker client of its own, for callers that build no runtime."""
    # The engine address as the composition root reads it: settings, then DOCKER_HOST.
    environ = {k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}
    deps = ToolDeps(settings, environ=environ, docker_factory=connect)
    try:
        return await load_inventory(deps)
    finally:
        deps.close()
